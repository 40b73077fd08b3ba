# Copyright: see LICENSE.
#
# 002_log_secrets.pl: no secret in the server log at default settings
# (README "Security", STYLE.md: no secret in any log line).
#
# A driver that interpolates its parameters (psycopg2) sends the request's
# headers, its body and any secret inside the statement text, and at the
# default log_min_error_statement (error) the server logs the statement of
# every call that raises.  The functions that take secrets or headers pin
# log_min_error_statement to panic.  On a node at default logging settings,
# each call below raises with a secret of its own (a "canary") written as a
# literal in its statement, and the server log is read after each:
#
#  - raised inside a pinned function (webhook_ingest's caller errors in each
#    form, the signing and verifying helpers, the provider and secret
#    functions, a statement timeout while ingest waits for a lock, an error
#    raised in a trigger under webhook_add_provider, a pinned function
#    called by an unpinned wrapper of the app's, a non-superuser caller):
#    the error is logged, its statement and the canary are not;
#  - the same errors without the pin are shown to be logged with their
#    statement, so this test can fail: an error raised before the function
#    runs (a cast in the statement, no EXECUTE), a wrapper that catches the
#    error and raises it again, webhook_ingest with its pin reset, and a
#    SECURITY INVOKER function pinned so, which no non-superuser can call
#    (why the helpers are SECURITY DEFINER);
#  - pg_stat_statements keeps such a statement with its constants replaced
#    by $1, $2, ...: the canary is not in it.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('log_secrets');
$node->init;
# PostgreSQL::Test::Cluster logs every statement (log_statement = all): back
# to the server's default.  pg_stat_statements changes no logging setting.
$node->append_conf('postgresql.conf', q{
log_statement = none
shared_preload_libraries = 'pg_stat_statements'
});
$node->start;

is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings
	   WHERE name IN ('log_min_error_statement', 'log_statement', 'log_min_duration_statement',
	                  'log_min_messages', 'log_error_verbosity')}),
	'log_error_verbosity=default log_min_duration_statement=-1 log_min_error_statement=error '
	  . 'log_min_messages=warning log_statement=none',
	'the node logs at the default settings');

$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION webhook;
CREATE EXTENSION pg_stat_statements;
SELECT webhook_add_provider('keys', 'apikey', 'key-of-the-setup');
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_of_the_setup');

-- the app server's role (README Security), and one that was never granted
CREATE ROLE shop_webhooks LOGIN;
GRANT EXECUTE ON FUNCTION webhook_ingest(text, jsonb, bytea, text),
                          webhook_ingest(text, jsonb, text, text),
                          webhook_ingest(jsonb) TO shop_webhooks;
GRANT EXECUTE ON FUNCTION webhook_sign_hmac(text, text, text, text) TO shop_webhooks;
CREATE ROLE shop_nobody LOGIN;

-- The app's own wrappers, not pinned: one calls a pinned helper, one
-- catches its error and raises it again.
CREATE FUNCTION app_sign(secret text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN webhook_sign_hmac('body', secret, 'md5');
END $$;
CREATE FUNCTION app_sign_sql(secret text) RETURNS text LANGUAGE sql AS $$
    SELECT webhook_sign_hmac('body', secret, 'md5')
$$;
CREATE FUNCTION app_sign_rethrow(secret text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN webhook_sign_hmac('body', secret, 'md5');
EXCEPTION WHEN OTHERS THEN
    RAISE;
END $$;

-- A SECURITY INVOKER function pinned as the helpers are.
CREATE FUNCTION app_invoker_pinned(secret text) RETURNS int LANGUAGE sql
    SET log_min_error_statement = panic AS $$ SELECT 1 $$;
GRANT EXECUTE ON FUNCTION app_invoker_pinned(text) TO shop_webhooks;
});

my (@hidden, @shown);    # canaries that must not, and must, be in the log

# fails(name, user, sql, error, canary, logged): run sql (as user, or the
# superuser) and expect it to raise error (a regex); then read what the
# server logged meanwhile.  logged false: the error is there, no
# statement and no canary; logged true: the statement with the canary.
sub fails
{
	my ($name, $user, $sql, $error, $canary, $logged) = @_;
	my $offset = -s $node->logfile;
	my ($ret, $stdout, $stderr) = $node->psql('postgres', $sql,
		extra_params => [ defined $user ? ('-U', $user) : () ]);
	isnt($ret, 0, "$name: raises");
	like($stderr, qr/ERROR:\s+$error/, "$name: with the expected error");
	unlike($stderr, qr/\Q$canary\E/, "$name: the error message does not hold the secret")
	  unless $logged;
	my $log = slurp_file($node->logfile, $offset);
	like($log, qr/ERROR:\s+$error/, "$name: the error is logged");
	if ($logged)
	{
		like($log, qr/STATEMENT:[^\n]*\Q$canary\E/, "$name: logged with its statement, secret and all");
		push @shown, $canary;
	}
	else
	{
		unlike($log, qr/STATEMENT:/, "$name: logged without its statement");
		unlike($log, qr/\Q$canary\E/, "$name: the secret is not in the log");
		push @hidden, $canary;
	}
	note "log:\n$log";
	return;
}

# --- raised inside a pinned function: no statement, no secret ----------------

fails('webhook_ingest, NULL provider (text body)', undef,
	q{SELECT webhook_ingest(NULL, '{"X-API-Key": "canary-ingest-null-4a1f"}'::jsonb, '{"id": "evt_1"}'::text)},
	'provider must not be null', 'canary-ingest-null-4a1f', 0);
fails('webhook_ingest, headers not an object (bytea body)', undef,
	q{SELECT webhook_ingest('keys', '["X-API-Key", "canary-ingest-array-9c2e"]'::jsonb, '\x7b7d'::bytea)},
	'headers must be a JSON object', 'canary-ingest-array-9c2e', 0);
fails('webhook_ingest, a header that is no string', undef,
	q{SELECT webhook_ingest('keys', '{"X-API-Key": "canary-ingest-number-77d0", "X-Retry": 2}'::jsonb, '{}'::text)},
	'header "X-Retry" must be a JSON string', 'canary-ingest-number-77d0', 0);
fails('webhook_ingest, envelope with body and body_base64', undef,
	q{SELECT webhook_ingest('{"provider": "keys", "headers": {"X-API-Key": "canary-envelope-5b3a"}, "body": "{}", "body_base64": "e30="}'::jsonb)},
	'request must have exactly one of body and body_base64', 'canary-envelope-5b3a', 0);
fails('webhook_ingest as the ingest role, a non-superuser', 'shop_webhooks',
	q{SELECT webhook_ingest(NULL, '{"Stripe-Signature": "t=1,v1=canary-role-0e8b"}'::jsonb, 'canary-role-body-0e8b'::text)},
	'provider must not be null', 'canary-role-0e8b', 0);

fails('webhook_hmac', undef,
	q{SELECT webhook_hmac('message'::text, 'canary-hmac-31c7', 'md5')},
	'unknown hmac algorithm "md5"', 'canary-hmac-31c7', 0);
fails('webhook_sign_hmac', undef,
	q{SELECT webhook_sign_hmac('body'::bytea, 'canary-sign-hmac-a2d9'::bytea, 'sha256', 'base32')},
	'unknown signature encoding "base32"', 'canary-sign-hmac-a2d9', 0);
fails('webhook_verify_hmac', undef,
	q{SELECT webhook_verify_hmac('body'::text, 'canary-verify-hmac-6f14', 'sha256=00', 'sha3')},
	'unknown hmac algorithm "sha3"', 'canary-verify-hmac-6f14', 0);
fails('webhook_sign_stripe', undef,
	q{SELECT webhook_sign_stripe('body'::text, 'whsec_canary-sign-stripe-c0b5', -1)},
	'stripe timestamp -1 is out of range', 'canary-sign-stripe-c0b5', 0);
fails('webhook_verify_stripe', undef,
	q{SELECT webhook_verify_stripe('body'::text, 't=1,v1=00', 'whsec_canary-verify-stripe-8e21', -5)},
	'tolerance_seconds must not be negative', 'canary-verify-stripe-8e21', 0);
fails('webhook_sign_standard', undef,
	q{SELECT webhook_sign_standard('body'::text, 'whsec_canary-standard-d4f6!!', 'msg_1')},
	'a Standard Webhooks secret must be whsec_ followed by base64', 'canary-standard-d4f6', 0);
fails('webhook_sign_hmac as a non-superuser granted EXECUTE', 'shop_webhooks',
	q{SELECT webhook_sign_hmac('body'::text, 'canary-role-sign-17aa', 'md5')},
	'unknown hmac algorithm "md5"', 'canary-role-sign-17aa', 0);

fails('webhook_add_secret', undef,
	q{SELECT webhook_add_secret('no_such_provider', 'canary-add-secret-e93c')},
	'insert or update on table "webhook_secrets" violates foreign key constraint',
	'canary-add-secret-e93c', 0);
# The pin keeps the statement out; the secrets trigger refuses a validity
# that ends before it begins before the table's CHECK, whose DETAIL would
# report the failing row, secret included.
{
	my $offset = -s $node->logfile;
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		q{SELECT webhook_add_secret('keys', 'canary-detail-7c31', valid_until => '2000-01-01')});
	like($stderr, qr/valid_until must be after its valid_from/,
		'webhook_add_secret, valid_until already past: raises');
	my $log = slurp_file($node->logfile, $offset);
	unlike($log, qr/STATEMENT:/, 'webhook_add_secret, valid_until already past: logged without its statement');
	unlike($log, qr/canary-detail-7c31/, 'webhook_add_secret, valid_until already past: the secret is not in the log');
	unlike($stderr, qr/canary-detail-7c31/, 'webhook_add_secret, valid_until already past: the secret is not in the error');
}
fails('webhook_rotate_secret', undef,
	q{SELECT webhook_rotate_secret('no_such_provider', 'canary-rotate-2b7e')},
	'provider "no_such_provider" does not exist', 'canary-rotate-2b7e', 0);
fails('webhook_add_provider: raised in the secrets trigger, under webhook_add_secret', undef,
	q{SELECT webhook_add_provider('std', 'standard', 'whsec_canary-provider-f00d!!')},
	'secret cannot be used', 'canary-provider-f00d', 0);
fails('webhook_redeliver', undef,
	q{SELECT webhook_redeliver(424242)},
	'delivery 424242 does not exist', 'webhook_redeliver(424242)', 0);

fails('an unpinned plpgsql wrapper of the app calling a pinned helper', undef,
	q{SELECT app_sign('canary-wrapper-3d5c')},
	'unknown hmac algorithm "md5"', 'canary-wrapper-3d5c', 0);
fails('an unpinned SQL wrapper of the app calling a pinned helper', undef,
	q{SELECT app_sign_sql('canary-sql-wrapper-48e2')},
	'unknown hmac algorithm "md5"', 'canary-sql-wrapper-48e2', 0);

# A statement timeout while ingest waits for a lock is raised inside it.
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN; LOCK TABLE webhook_providers IN ACCESS EXCLUSIVE MODE;');
fails('a statement timeout while webhook_ingest waits', undef,
	q{SET statement_timeout = '300ms';
	  SELECT webhook_ingest('keys', '{"X-API-Key": "canary-timeout-6a90"}'::jsonb, '{}'::text)},
	'canceling statement due to statement timeout', 'canary-timeout-6a90', 0);
$holder->query_safe('ROLLBACK;');
$holder->quit;

# The pinned functions still work for their callers.
is( $node->safe_psql(
		'postgres',
		q{SELECT webhook_ingest('keys', '{"X-API-Key": "key-of-the-setup"}'::jsonb, '{"id": "evt_ok"}'::text)->>'http_status'},
		extra_params => [ '-U', 'shop_webhooks' ]),
	'200',
	'the ingest role, no superuser, ingests through the pinned webhook_ingest');
is( $node->safe_psql(
		'postgres', q{SELECT length(webhook_sign_hmac('body', 'key', 'sha256', 'hex'))},
		extra_params => [ '-U', 'shop_webhooks' ]),
	'64',
	'a non-superuser granted EXECUTE on a pinned helper calls it');
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
	   JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'webhook'
	  WHERE 'log_min_error_statement=panic' = ANY (p.proconfig)}),
	'21',
	'21 functions of the extension are pinned');
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
	   JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'webhook'
	  WHERE 'log_min_error_statement=panic' = ANY (p.proconfig) AND NOT p.prosecdef}),
	'0',
	'every pinned function is SECURITY DEFINER, so that the pin applies for any caller');

# --- without the pin: logged with the statement (this test can fail) ---------

fails('a cast in the statement, before webhook_ingest runs', undef,
	q[SELECT webhook_ingest('keys', '{"X-API-Key": "canary-cast-71b3"'::jsonb, '{}'::text)],
	'invalid input syntax for type json', 'canary-cast-71b3', 1);
fails('a role without EXECUTE on webhook_ingest', 'shop_nobody',
	q{SELECT webhook_ingest('keys', '{"X-API-Key": "canary-noexec-c5e8"}'::jsonb, '{}'::text)},
	'permission denied for function webhook_ingest', 'canary-noexec-c5e8', 1);
fails('a wrapper that catches the error and raises it again', undef,
	q{SELECT app_sign_rethrow('canary-rethrow-9d4b')},
	'unknown hmac algorithm "md5"', 'canary-rethrow-9d4b', 1);
fails('a SECURITY INVOKER function pinned so, called by a non-superuser', 'shop_webhooks',
	q{SELECT app_invoker_pinned('canary-invoker-0f62')},
	'permission denied to set parameter "log_min_error_statement"', 'canary-invoker-0f62', 1);
$node->safe_psql('postgres',
	q{ALTER FUNCTION webhook_ingest(text, jsonb, text, text) RESET log_min_error_statement});
fails('webhook_ingest with its pin reset', undef,
	q{SELECT webhook_ingest(NULL, '{"X-API-Key": "canary-unpinned-b81d"}'::jsonb, '{}'::text)},
	'provider must not be null', 'canary-unpinned-b81d', 1);
$node->safe_psql('postgres',
	q{ALTER FUNCTION webhook_ingest(text, jsonb, text, text) SET log_min_error_statement = panic});

# --- pg_stat_statements: constants replaced ------------------------------------

$node->safe_psql('postgres',
	q{SELECT webhook_ingest('keys', '{"X-API-Key": "canary-pgss-e2a7"}'::jsonb, '{"id": "evt_pgss"}'::text)});
is( $node->safe_psql(
		'postgres', q{SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%canary-pgss-e2a7%'}),
	'0', 'pg_stat_statements does not keep the literal');
like(
	$node->safe_psql(
		'postgres', q{SELECT string_agg(query, E'\n') FROM pg_stat_statements WHERE query LIKE '%webhook_ingest($1, $2::jsonb%'}),
	qr/webhook_ingest\(\$1, \$2::jsonb, \$3::text\)/,
	'pg_stat_statements keeps the statement with $1, $2, $3 for its constants');
push @hidden, 'canary-pgss-e2a7';

# --- the whole log --------------------------------------------------------------

$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/\Q$_\E/, "nowhere in the server log: $_") for @hidden;
like($log, qr/\Q$_\E/, "in the server log, as the case without the pin expects: $_") for @shown;

done_testing();
