
# Copyright: see LICENSE.
#
# 001_crash.pl: durability of webhook_ingest under load (STYLE.md, Perl TAP).
#
# Four webhook clients ingest signed Stripe events concurrently while an app
# client inserts payments that some of those events were parked for.  Each
# client writes every reply it received to its own file, one line per call,
# only after the call returned.  The server is killed (stop 'immediate') in
# the middle of the load and restarted.  Then:
#
#  - every event acknowledged with 200 is stored, and its payment and order
#    show it (captured and paid, authorized, or parked when the payment does
#    not exist);
#  - nothing is half-applied: event statuses, payment states and amounts,
#    the outbox's messages (one per committed change),
#    order sums, delivery rows and delivery counters agree with each other;
#    no parked event has a payment;
#  - redelivering every event gives duplicate for each stored event and a
#    first-delivery outcome for the others; once the app has inserted the
#    payments it still owed, every payment is captured and every order paid.
#
# WEBHOOK_CRASH_SEED picks another interleaving of the clients' events.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use List::Util qw(shuffle sum);
use Time::HiRes qw(usleep time);
use Test::More;

my $n_payments = 200;          # R-0001 .. R-0200 exist before the load
my $n_raced    = 20;           # R-0201 .. R-0220 inserted during the load
my $n_late     = 20;           # R-0221 .. R-0240 inserted after the crash
my $n_clients  = 4;
my $secret     = 'whsec_crash_test';
my $ts         = 1772366400;                 # 2026-03-01 12:00:00+00
my $seed       = $ENV{WEBHOOK_CRASH_SEED} // 20260301;
srand($seed);
note "seed $seed";

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', qq{
fsync = on
synchronous_commit = on
max_connections = 40
});
$node->start;

# --- schema, provider, payments, orders ---------------------------------------

$node->safe_psql('postgres', q{
ALTER DATABASE postgres SET webhook.clock_override = '2026-03-01 12:00:00+00';
});
my $n_all = $n_payments + $n_raced + $n_late;
$node->safe_psql('postgres', qq{
SET client_min_messages = warning;
CREATE EXTENSION webhook;
SELECT webhook_add_provider('stripe', 'stripe', '$secret');
SELECT webhook_subscribe('crash_worker');

-- The amount of payment i in minor units (EUR).
CREATE FUNCTION crash_amount(i int) RETURNS bigint LANGUAGE sql IMMUTABLE AS
    \$\$ SELECT 1000 + 7 * i::bigint \$\$;
-- One signed delivery: "event_id http_status outcome".
CREATE FUNCTION crash_deliver(evt text, typ text, i int) RETURNS text LANGUAGE sql AS \$\$
    SELECT evt || ' ' || (r->>'http_status') || ' ' || (r->>'outcome')
      FROM (SELECT jsonb_build_object('id', evt, 'object', 'event', 'type', typ,
                   'created', 1772366390, 'data', jsonb_build_object('object', jsonb_build_object(
                   'id', 'pi_' || lpad(i::text, 4, '0'), 'object', 'payment_intent',
                   'amount', crash_amount(i), 'amount_received', crash_amount(i), 'currency', 'eur',
                   'metadata', jsonb_build_object('reference', 'R-' || lpad(i::text, 4, '0')))))::text AS body) b,
           LATERAL webhook_ingest('stripe',
                   jsonb_build_object('Stripe-Signature', webhook_sign_stripe(b.body, '$secret', $ts)),
                   b.body) r
\$\$;
-- The app inserts payment i with its order; returns its reference.
CREATE FUNCTION crash_insert_payment(i int) RETURNS text LANGUAGE sql AS \$\$
    INSERT INTO webhook_orders (ref, total, currency)
    VALUES ('SO-' || lpad(i::text, 4, '0'), crash_amount(i) / 100.0, 'EUR') ON CONFLICT DO NOTHING;
    INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
    VALUES ('stripe', 'R-' || lpad(i::text, 4, '0'), 'pi_' || lpad(i::text, 4, '0'),
            'SO-' || lpad(i::text, 4, '0'), crash_amount(i) / 100.0, 'EUR')
    ON CONFLICT DO NOTHING;
    SELECT 'R-' || lpad(i::text, 4, '0');
\$\$;
SELECT count(crash_insert_payment(i)) FROM generate_series(1, $n_payments) i;
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM webhook_payments'),
	$n_payments, "$n_payments payments with their orders before the load");

# --- the plan: which client delivers which event, in which order -------------

# Events of payment i, in the order one client delivers them.
sub events_of
{
	my ($i) = @_;
	my @ev;
	push @ev, [ sprintf('evt_proc_%04d', $i), 'payment_intent.processing', $i ] if $i % 7 == 0;
	push @ev, [ sprintf('evt_auth_%04d', $i), 'payment_intent.amount_capturable_updated', $i ]
	  if $i <= $n_payments;
	push @ev, [ sprintf('evt_cap_%04d', $i), 'payment_intent.succeeded', $i ];
	return @ev;
}

# Interleave several per-payment sequences at random, keeping each in order.
sub interleave
{
	my @queues = grep { @$_ } @_;
	my @out;
	while (@queues)
	{
		my $k = int(rand(@queues));
		push @out, shift @{ $queues[$k] };
		splice(@queues, $k, 1) unless @{ $queues[$k] };
	}
	return @out;
}

my @plan;       # per client: list of [event_id, type, i]
my %planned;    # event_id => [type, i]
for my $c (0 .. $n_clients - 1)
{
	my @queues;
	for my $i (1 .. $n_all)
	{
		next unless $i % $n_clients == $c;
		push @queues, [ events_of($i) ];
	}
	# every 4th capture is delivered a second time, by the next client
	for my $i (1 .. $n_all)
	{
		next unless $i % 4 == 0 && ($i + 1) % $n_clients == $c;
		push @queues, [ [ sprintf('evt_cap_%04d', $i), 'payment_intent.succeeded', $i ] ];
	}
	# and every 10th event twice in a row, by the same client
	my @seq = interleave(@queues);
	@seq = map { ($_, ($_->[2] % 10 == 0 ? ($_) : ())) } @seq;
	$plan[$c] = \@seq;
	$planned{ $_->[0] } = [ $_->[1], $_->[2] ] for @seq;
}
my $n_calls = sum(map { scalar @$_ } @plan);
note "$n_calls deliveries of " . scalar(keys %planned) . " events by $n_clients clients";

# --- start the clients ---------------------------------------------------------

my $dir = PostgreSQL::Test::Utils::tempdir();
my @stdbuf = -x '/usr/bin/stdbuf' ? ('/usr/bin/stdbuf', '-oL') : ();

# Start psql on a script; its stdout (one line per completed call) goes to
# $dir/$name.out, line-buffered.
sub start_client
{
	my ($name, $sql, $connstr) = @_;
	my $script = "$dir/$name.sql";
	open my $fh, '>', $script or die "$script: $!";
	print $fh $sql;
	close $fh;
	return IPC::Run::start(
		[
			@stdbuf, 'psql', '-X', '-A', '-t', '-q',
			'-v', 'ON_ERROR_STOP=1',
			'-d', $connstr // $node->connstr('postgres'), '-f', $script
		],
		'<', \undef, '>', "$dir/$name.out", '2>', "$dir/$name.err");
}

# A gate: this session holds advisory lock 7; every client stops at the
# gate (a third of its way through) until the lock is released, so that the
# crash below lands in the middle of the load however fast the machine is.
my $gate_key = 7;
my $gate = start_client('gate', "SELECT pg_advisory_lock($gate_key);\nSELECT pg_sleep(300);\n",
	$node->connstr('postgres') . ' application_name=crash_gate');
my $gate_sql = "SELECT FROM pg_advisory_lock_shared($gate_key);\n";

# $sql with the gate after the first $at of its lines.
sub with_gate
{
	my ($at, @lines) = @_;
	splice(@lines, $at, 0, $gate_sql);
	return join '', @lines;
}

# Poll until $sql returns true, or give up after 60 seconds; returns whether it did.
sub wait_until
{
	my ($sql) = @_;
	my $deadline = time + 60;
	while (time < $deadline)
	{
		my $rc = $node->psql('postgres', $sql, stdout => \my $out);
		return 1 if $rc == 0 && $out eq 't';
		usleep(5_000);
	}
	return 0;
}

ok(wait_until("SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $gate_key AND granted"),
	'the gate is closed');

my @clients;
for my $c (0 .. $n_clients - 1)
{
	# a pause between deliveries, as between a provider's calls, so that the
	# kill below lands while the load still runs however fast ingest is
	my @lines = map { "SELECT pg_sleep(0.005);\nSELECT crash_deliver('$_->[0]', '$_->[1]', $_->[2]);\n" }
	  @{ $plan[$c] };
	push @clients, start_client("client$c", with_gate(int(@lines / 3), @lines));
}
# the app inserts the raced payments one by one, half of them before the
# gate, half after it, while the events for them arrive
my @app_lines = map { "SELECT pg_sleep(0.005);\nSELECT crash_insert_payment($_);\n" }
  shuffle($n_payments + 1 .. $n_payments + $n_raced);
push @clients, start_client('app', with_gate(int(@app_lines / 2), @app_lines));

# --- kill the server in the middle of the load -------------------------------

my $n_gated = $n_clients + 1;
ok(wait_until("SELECT count(*) = $n_gated FROM pg_locks WHERE locktype = 'advisory' AND objid = $gate_key AND NOT granted"),
	'every client reached the gate');
my $at_gate = $node->safe_psql('postgres', 'SELECT count(*) FROM webhook_deliveries');
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'crash_gate'");
# let the load run for a moment, then kill the server
my $kill_at = $at_gate + int($n_calls / 10);
wait_until("SELECT count(*) >= $kill_at FROM webhook_deliveries");
$node->stop('immediate');
note "deliveries: $at_gate at the gate, about $kill_at when the server was killed, of $n_calls";

for my $h (@clients, $gate)
{
	eval { $h->finish; 1 } or diag "client: $@";
}

# --- read what the clients were told ------------------------------------------

my %acked;    # event_id => [outcomes acknowledged with 200]
my @bad;      # replies that were not 200
my $n_lines = 0;
for my $c (0 .. $n_clients - 1)
{
	open my $fh, '<', "$dir/client$c.out" or die "client$c.out: $!";
	while (my $line = <$fh>)
	{
		chomp $line;
		next if $line eq '';
		my ($evt, $status, $outcome) = split / /, $line;
		die "client$c: unexpected line '$line'" unless defined $outcome && $planned{$evt};
		$n_lines++;
		if ($status eq '200') { push @{ $acked{$evt} }, $outcome; }
		else { push @bad, $line; }
	}
	close $fh;
}
my %app_acked;
{
	open my $fh, '<', "$dir/app.out" or die "app.out: $!";
	while (my $line = <$fh>)
	{
		chomp $line;
		$app_acked{$line} = 1 if $line =~ /^R-\d{4}$/;
	}
	close $fh;
}
note "clients saw $n_lines replies for " . scalar(keys %acked)
  . " events; the app saw " . scalar(keys %app_acked) . " payments inserted";
ok($n_lines >= $at_gate && $n_lines < $n_calls, 'the crash came in the middle of the load')
  or diag "replies seen: $n_lines, deliveries at the gate: $at_gate, calls planned: $n_calls";
is(scalar(@bad), 0, 'every reply before the crash was 200') or diag join("\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]);

# --- restart -----------------------------------------------------------------

$node->start;

# A VALUES list of the acknowledged events: (event_id, first outcome seen, any outcome seen).
sub acked_values
{
	my @rows;
	for my $evt (sort keys %acked)
	{
		my @o = @{ $acked{$evt} };
		my ($first) = grep { $_ ne 'duplicate' } @o;
		push @rows, sprintf("('%s', %s)", $evt, defined $first ? "'$first'" : 'NULL');
	}
	return join(",\n", @rows);
}

my $acked_sql = "CREATE TEMP TABLE acked (event_id text PRIMARY KEY, first_outcome text);\n"
  . "INSERT INTO acked VALUES " . acked_values() . ";\n";

# Every event acknowledged with 200 is stored, and shows.
my $lost = $node->safe_psql('postgres', $acked_sql . q{
SELECT string_agg(a.event_id, ' ' ORDER BY a.event_id) FROM acked a
 WHERE NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.provider = 'stripe' AND e.event_id = a.event_id);
});
is($lost, '', 'every event acknowledged with 200 survived the crash');

my $wrong = $node->safe_psql('postgres', $acked_sql . q{
-- what each acknowledged event must have left behind
SELECT string_agg(a.event_id || ': ' || coalesce(e.status, '-') || ' ' || coalesce(p.state, 'no payment')
                  || ' ' || coalesce(o.state, 'no order'), E'\n' ORDER BY a.event_id)
  FROM acked a
  JOIN webhook_events e ON e.provider = 'stripe' AND e.event_id = a.event_id
  LEFT JOIN webhook_payments p ON p.provider = 'stripe' AND p.external_id = e.object_id
  LEFT JOIN webhook_orders o ON o.ref = p.order_ref
 WHERE CASE
         -- no payment yet: parked
         WHEN p.id IS NULL THEN e.status IS DISTINCT FROM 'unmatched'
         -- a capture: captured in full, the order paid
         WHEN e.action = 'capture' THEN NOT (p.state = 'captured' AND p.amount_captured = p.amount
                                             AND o.state = 'paid' AND o.amount_paid = o.total
                                             AND e.status IN ('applied', 'unchanged')
                                             AND e.payment_id = p.id)
         WHEN e.action = 'authorize' THEN NOT (p.state IN ('authorized', 'captured')
                                               AND e.status IN ('applied', 'superseded', 'unchanged'))
         WHEN e.action = 'pending' THEN e.status NOT IN ('unchanged', 'superseded')
         ELSE true
       END
    -- the stored status is the outcome of the first delivery, or the
    -- parked event's later application
    OR (a.first_outcome IS NOT NULL AND a.first_outcome <> 'unmatched' AND e.status <> a.first_outcome)
    OR (a.first_outcome = 'unmatched' AND e.status NOT IN ('unmatched', 'applied', 'unchanged', 'superseded'));
});
is($wrong, '', 'every acknowledged event is applied to its payment and order (or parked without one)');

my $app_lost = $node->safe_psql('postgres',
	"SELECT string_agg(r, ' ') FROM unnest(ARRAY['"
	  . join("','", sort keys %app_acked)
	  . "']::text[]) r WHERE r <> '' AND NOT EXISTS (SELECT 1 FROM webhook_payments p WHERE p.reference = r)");
is($app_lost, '', 'every payment insert acknowledged to the app survived the crash');

# Consistency of the whole state: each query lists what violates one rule.
my @invariants = (
	[ 'applied events name their payment',
	  q{SELECT e.event_id FROM webhook_events e
	     WHERE e.status IN ('applied', 'unchanged', 'superseded') AND e.payment_id IS NULL} ],
	[ 'an applied capture left its payment captured',
	  q{SELECT e.event_id FROM webhook_events e JOIN webhook_payments p ON p.id = e.payment_id
	     WHERE e.status = 'applied' AND e.action = 'capture' AND p.state <> 'captured'} ],
	[ 'an applied authorization left its payment authorized or captured',
	  q{SELECT e.event_id FROM webhook_events e JOIN webhook_payments p ON p.id = e.payment_id
	     WHERE e.status = 'applied' AND e.action = 'authorize' AND p.state NOT IN ('authorized', 'captured')} ],
	[ 'every captured payment has an applied capture event, for its amount',
	  q{SELECT p.reference FROM webhook_payments p
	     WHERE (p.state = 'captured') <> EXISTS (SELECT 1 FROM webhook_events e
	                                           WHERE e.payment_id = p.id AND e.status = 'applied'
	                                             AND e.action = 'capture')
	        OR (p.state = 'captured' AND p.amount_captured <> p.amount)
	        OR (p.state <> 'captured' AND p.amount_captured <> 0)} ],
	[ 'every authorized payment has an applied authorization',
	  q{SELECT p.reference FROM webhook_payments p
	     WHERE p.state = 'authorized' AND NOT EXISTS (SELECT 1 FROM webhook_events e
	                  WHERE e.payment_id = p.id AND e.status = 'applied' AND e.action = 'authorize')} ],
	[ 'no payment is in a state no event brought it to',
	  q{SELECT p.reference FROM webhook_payments p WHERE p.state NOT IN ('pending', 'authorized', 'captured')} ],
	[ 'every order sums its payments, and its state follows',
	  q{SELECT o.ref FROM webhook_orders o
	      LEFT JOIN (SELECT order_ref, sum(amount_captured) AS paid FROM webhook_payments GROUP BY 1) s
	        ON s.order_ref = o.ref
	     WHERE o.amount_paid <> coalesce(s.paid, 0)
	        OR o.state <> CASE WHEN o.amount_paid >= o.total AND o.amount_paid > 0 THEN 'paid'
	                           WHEN o.amount_paid > 0 THEN 'partially_paid' ELSE 'open' END} ],
	[ 'every delivery with an event points at a stored event',
	  q{SELECT d.id::text FROM webhook_deliveries d
	     WHERE d.event_pk IS NOT NULL AND NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.id = d.event_pk)} ],
	# a retry while another transaction holds the event's row (another
	# retry, the payment's insert applying it) is not counted there: the
	# count is a lower bound of the delivery rows (README, How it works)
	[ 'every event counts at least one and at most its delivery rows',
	  q{SELECT e.event_id FROM webhook_events e
	     WHERE e.deliveries < 1
	        OR e.deliveries > (SELECT count(*) FROM webhook_deliveries d WHERE d.event_pk = e.id)} ],
	[ 'every accepted delivery names its event',
	  q{SELECT d.id::text FROM webhook_deliveries d WHERE d.http_status = 200 AND d.event_pk IS NULL} ],
	[ 'no parked event has a payment',
	  q{SELECT e.event_id FROM webhook_events e
	     WHERE e.status = 'unmatched' AND EXISTS (SELECT 1 FROM webhook_payments p
	           WHERE p.provider = e.provider AND (p.external_id = e.object_id OR p.reference = e.reference))} ],
	# the outbox: exactly the messages of the committed changes
	[ 'every captured payment has one payment.captured message, and no other payment one',
	  q{SELECT p.reference FROM webhook_payments p
	     WHERE (SELECT count(*) FROM webhook_outbox m WHERE m.payment_id = p.id AND m.topic = 'payment.captured')
	           <> (p.state = 'captured')::int} ],
	[ 'every applied authorization has one payment.authorized message',
	  q{SELECT p.reference FROM webhook_payments p
	     WHERE (SELECT count(*) FROM webhook_outbox m WHERE m.payment_id = p.id AND m.topic = 'payment.authorized')
	           <> (SELECT count(*) FROM webhook_events e
	                WHERE e.payment_id = p.id AND e.status = 'applied' AND e.action = 'authorize')} ],
	[ 'every paid order has one order.paid message, and no other order one',
	  q{SELECT o.ref FROM webhook_orders o
	     WHERE (SELECT count(*) FROM webhook_outbox m WHERE m.topic = 'order.paid' AND m.payload->'order'->>'ref' = o.ref)
	           <> (o.state = 'paid')::int} ],
	[ 'every message names the applied event of its payment that made it',
	  q{SELECT m.id::text FROM webhook_outbox m
	     WHERE m.consumer <> 'crash_worker' OR NOT EXISTS (SELECT 1 FROM webhook_events e
	           WHERE e.id = (m.payload->'event'->>'pk')::bigint AND e.payment_id = m.payment_id
	             AND e.status = 'applied')} ],
	[ 'no event failed',
	  q{SELECT e.event_id || ' ' || e.status || ' ' || coalesce(e.detail, '') FROM webhook_events e
	     WHERE e.status NOT IN ('applied', 'unchanged', 'superseded', 'unmatched')} ],
);

sub check_invariants
{
	my ($when) = @_;
	for my $inv (@invariants)
	{
		my ($name, $sql) = @$inv;
		my $v = $node->safe_psql('postgres', "SELECT string_agg(x, ' ') FROM ($sql) AS v(x)");
		is($v, '', "$when: $name");
	}
	my ($events, $deliveries) = split /\|/,
	  $node->safe_psql('postgres',
		'SELECT (SELECT count(*) FROM webhook_events), (SELECT count(*) FROM webhook_deliveries)');
	cmp_ok($deliveries, '>=', $events, "$when: at least one delivery row per event ($deliveries >= $events)");
	return $events;
}

my $events_after_crash = check_invariants('after the crash');
ok($events_after_crash > 0, "events were stored before the crash ($events_after_crash)");
my $parked = $node->safe_psql('postgres', q{SELECT count(*) FROM webhook_events WHERE status = 'unmatched'});
ok($parked > 0, "some events are parked, waiting for their payment ($parked)");

# --- redeliver everything --------------------------------------------------------

my %stored = map { $_ => 1 } split /\n/,
  $node->safe_psql('postgres', 'SELECT event_id FROM webhook_events');

# each event once, each payment's events in order
my @all = map {
	my $i = $_;
	map { $_->[0] } events_of($i)
} (1 .. $n_all);
my $redeliver = start_client('redeliver',
	join '', map { "SELECT crash_deliver('$_', '$planned{$_}[0]', $planned{$_}[1]);\n" } @all);
$redeliver->finish or diag "redelivery: " . slurp_file("$dir/redeliver.err");

my (@not_dup, @bad_new);
my $n_redelivered = 0;
for my $line (split /\n/, slurp_file("$dir/redeliver.out"))
{
	next if $line eq '';
	my ($evt, $status, $outcome) = split / /, $line;
	$n_redelivered++;
	if ($stored{$evt})
	{
		push @not_dup, $line unless $status eq '200' && $outcome eq 'duplicate';
	}
	else
	{
		push @bad_new, $line
		  unless $status eq '200' && $outcome =~ /^(applied|unchanged|superseded|unmatched)$/;
	}
}
is($n_redelivered, scalar(@all), 'every event was redelivered once');
is(join("\n", @not_dup), '', 'every stored event is a duplicate when redelivered');
is(join("\n", @bad_new), '', 'every event lost to the crash before it was acknowledged is accepted now');

# the app inserts every payment it had not inserted yet
$node->safe_psql('postgres',
	"SELECT count(crash_insert_payment(i)) FROM generate_series(1, $n_all) i");

my $events_final = check_invariants('after redelivery');
is($events_final, scalar(keys %planned), 'every planned event is stored exactly once');
is($node->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE p.state = 'captured' AND o.state = 'paid') || '/' || count(*)
	  FROM webhook_payments p JOIN webhook_orders o ON o.ref = p.order_ref}),
	"$n_all/$n_all", 'every payment is captured and every order paid');
is($node->safe_psql('postgres', q{SELECT count(*) FROM webhook_events WHERE status = 'unmatched'}),
	'0', 'no event is left parked');

$node->stop;
done_testing();
