
# Copyright: see LICENSE.
#
# 003_bulk_crash.pl: a bulk load of payments killed in the middle (STYLE.md,
# Perl TAP).
#
# One INSERT ... SELECT of 200,000 payments runs while an event for one of
# them is parked; the server is killed (stop 'immediate') while the load
# runs, and restarted.  Then:
#
#  - nothing of the load is there (it never committed), and the parked
#    event is still parked, with no payment;
#  - no lock is left: pg_locks has no advisory lock, and the load holds
#    none per row while it runs (counted during the load);
#  - the same load then succeeds at default settings, and applies the
#    parked event in its transaction.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Time::HiRes qw(usleep);
use Test::More;

my $rows = 200_000;
my $node = PostgreSQL::Test::Cluster->new('bulk');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
ALTER DATABASE postgres SET webhook.clock_override = '2026-03-01 12:00:00+00';
});
$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION webhook;
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_bulk');
});

# an event for payment pi_777, which the load inserts: parked now
my $parked = $node->safe_psql('postgres', q{
SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(b, 'whsec_bulk', 1772366400)), b)->>'outcome'
  FROM (SELECT '{"id":"evt_777","object":"event","type":"payment_intent.succeeded","created":1772366390,"data":{"object":{"id":"pi_777","object":"payment_intent","amount":1000,"amount_received":1000,"currency":"eur"}}}'::text AS b) x});
is($parked, 'unmatched', 'the event for a payment not yet loaded is parked');

my $load = qq{INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
SELECT 'stripe', 'R-' || i, 'pi_' || i, 10, 'EUR' FROM generate_series(1, $rows) i};

# the load, killed while it runs
my ($out, $err) = ('', '');
my $h = IPC::Run::start(
	[ 'psql', '-X', '-q', '-d', $node->connstr('postgres'), '-c', $load ],
	'>', \$out, '2>', \$err);
my $running = 0;
for (1 .. 200)
{
	$running = $node->safe_psql('postgres',
		q{SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO webhook_payments%' AND state = 'active'});
	last if $running;
	usleep(50_000);
}
ok($running, 'the load is running');
usleep(1_500_000);
my $locks = $node->safe_psql('postgres',
	q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'});
is($locks, '0', 'the running load holds no advisory lock per row');
$node->stop('immediate');
$h->finish;
$node->start;

is($node->safe_psql('postgres', 'SELECT count(*) FROM webhook_payments'), '0',
	'after the crash nothing of the load is there');
is($node->safe_psql('postgres', q{SELECT status || ' ' || (payment_id IS NULL) FROM webhook_events WHERE event_id = 'evt_777'}),
	'unmatched true', 'the parked event is still parked');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}),
	'0', 'no lock is left after the restart');

# the same load at default settings, now to commit
my ($rc, $stdout, $stderr) = $node->psql('postgres', $load);
is($rc, 0, "a load of $rows payments in one statement succeeds") or diag $stderr;
is($node->safe_psql('postgres', 'SELECT count(*) FROM webhook_payments'), "$rows",
	'every payment is there');
is($node->safe_psql('postgres', q{SELECT e.status || ' ' || p.state FROM webhook_events e JOIN webhook_payments p ON p.id = e.payment_id WHERE e.event_id = 'evt_777'}),
	'applied captured', 'the load applied the parked event');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}),
	'0', 'the committed load left no lock');

$node->stop;
done_testing();
