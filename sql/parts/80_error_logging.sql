--------------------------------------------------------------------------
-- No secret in the server log: the functions that take secrets or request
-- headers log their errors without the statement.
--
-- A client that interpolates its parameters into the statement text
-- (psycopg2) sends the headers, the body and the secrets inside it, and at
-- the default log_min_error_statement (error) the server logs the
-- statement of every call that raises.  Pinned to panic, an error raised
-- while one of these functions runs (a NULL provider, headers that are not
-- an object, an unknown algorithm, a statement timeout while ingest waits)
-- is logged without it.  PostgreSQL reads the setting when it reports the
-- error, before the transaction's abort restores the caller's value, so the
-- pin of the innermost pinned function counts, whoever called it; an error
-- a caller catches and raises again is reported outside it, with its
-- statement.
--
-- A function applies its SET of a superuser-only setting, such as this
-- one, as the user it runs as: a SECURITY INVOKER function pinned so would
-- refuse to run for any caller but a superuser.  The signing and verifying
-- helpers, which read no table, are therefore SECURITY DEFINER too, with
-- search_path pinned like every SECURITY DEFINER function; EXECUTE on them
-- stays revoked from PUBLIC.
--------------------------------------------------------------------------

ALTER FUNCTION @extschema@.webhook_ingest(text, jsonb, bytea, text) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_ingest(text, jsonb, text, text) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_ingest(jsonb) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_add_provider(text, text, text, jsonb) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_add_secret(text, text, text, text, timestamptz) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_rotate_secret(text, text, interval) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_redeliver(bigint) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_verify_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text, pg_catalog.text, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_verify_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_stripe(pg_catalog.bytea, pg_catalog.text, pg_catalog.int8)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_stripe(pg_catalog.text, pg_catalog.text, pg_catalog.int8)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_verify_stripe(pg_catalog.bytea, pg_catalog.text, pg_catalog.text, pg_catalog.int4)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_verify_stripe(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.int4)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_standard(bytea, text, text, bigint)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_standard(text, text, text, bigint)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_vipps(bytea, text, text, text, text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_vipps(text, text, text, text, text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
