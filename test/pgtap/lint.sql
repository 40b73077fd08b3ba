-- lint.sql: policy the catalog can prove.
--
--   * every SECURITY DEFINER function of the extension pins search_path:
--     its proconfig holds "search_path=pg_catalog, ..., pg_temp" (pg_catalog
--     first, pg_temp named explicitly and last, so that neither a caller's
--     schema nor a temporary object can capture a name);
--   * comments.  The rule: every table and view of the extension has a
--     COMMENT, and so does every function of the extension except trigger
--     functions (return type trigger), which nobody calls by name and which
--     the CREATE TRIGGER beside them documents.  Internal helpers are not
--     exempt: STYLE says "COMMENT ON every ... function";
--   * every function of the extension is owned by a superuser;
--   * the contract of SPEC 2 and 4: the three webhook_ingest signatures with
--     their argument names and jsonb result, every table and column of
--     SPEC 4 with the types and defaults SPEC 4 gives, its primary keys,
--     unique constraints and foreign keys.
--
-- The per-object assertions are generated from pg_proc and pg_class joined to
-- pg_depend (members of extension webhook), so a function or table added
-- later is covered without editing this file; count assertions make sure the
-- generated sets are not empty.
BEGIN;
CREATE EXTENSION webhook;

-- The extension's members, and the SPEC 4 column list.
CREATE TEMP VIEW tap_ext_funcs AS
SELECT p.oid, n.nspname AS schema, p.proname, p.oid::regprocedure AS sig,
       p.prosecdef, p.proconfig, p.prorettype, p.proowner
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass
                             AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'webhook';

CREATE TEMP VIEW tap_ext_rels AS
SELECT c.oid, n.nspname AS schema, c.relname, c.relkind
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass
                             AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'webhook'
 WHERE c.relkind IN ('r', 'p', 'v', 'm');

CREATE TEMP VIEW tap_schema AS
SELECT n.nspname AS s
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'webhook';

-- SPEC 4, column by column; type NULL where SPEC 4 names no type.
CREATE TEMP TABLE tap_spec_columns (tab name, col name, typ text, ord serial);
INSERT INTO tap_spec_columns (tab, col, typ) VALUES
    ('webhook_providers', 'name', 'text'),
    ('webhook_providers', 'scheme', 'text'),
    ('webhook_providers', 'config', 'jsonb'),
    ('webhook_providers', 'tolerance_seconds', 'integer'),
    ('webhook_providers', 'enabled', 'boolean'),
    ('webhook_providers', 'created_at', NULL),
    ('webhook_secrets', 'id', 'bigint'),
    ('webhook_secrets', 'provider', 'text'),
    ('webhook_secrets', 'secret', 'text'),
    ('webhook_secrets', 'label', 'text'),
    ('webhook_secrets', 'payment_reference', 'text'),
    ('webhook_secrets', 'valid_from', 'timestamp with time zone'),
    ('webhook_secrets', 'valid_until', 'timestamp with time zone'),
    ('webhook_secrets', 'created_at', NULL),
    ('webhook_certificates', 'cert_url', 'text'),
    ('webhook_certificates', 'pem', 'text'),
    ('webhook_certificates', 'not_after', 'timestamp with time zone'),
    ('webhook_certificates', 'added_at', NULL),
    ('webhook_deliveries', 'id', 'bigint'),
    ('webhook_deliveries', 'provider', 'text'),
    ('webhook_deliveries', 'received_at', 'timestamp with time zone'),
    ('webhook_deliveries', 'http_status', 'integer'),
    ('webhook_deliveries', 'outcome', 'text'),
    ('webhook_deliveries', 'detail', 'text'),
    ('webhook_deliveries', 'event_id', 'text'),
    ('webhook_deliveries', 'event_pk', 'bigint'),
    ('webhook_deliveries', 'secret_id', 'bigint'),
    ('webhook_deliveries', 'headers', 'jsonb'),
    ('webhook_deliveries', 'body_sha256', 'bytea'),
    ('webhook_deliveries', 'body_size', 'integer'),
    ('webhook_deliveries', 'body', 'bytea'),
    ('webhook_events', 'id', 'bigint'),
    ('webhook_events', 'provider', 'text'),
    ('webhook_events', 'event_id', 'text'),
    ('webhook_events', 'event_type', 'text'),
    ('webhook_events', 'action', 'text'),
    ('webhook_events', 'object_id', 'text'),
    ('webhook_events', 'reference', 'text'),
    ('webhook_events', 'payment_id', 'bigint'),
    ('webhook_events', 'amount', 'numeric'),
    ('webhook_events', 'currency', 'text'),
    ('webhook_events', 'occurred_at', 'timestamp with time zone'),
    ('webhook_events', 'received_at', 'timestamp with time zone'),
    ('webhook_events', 'payload', 'jsonb'),
    ('webhook_events', 'status', 'text'),
    ('webhook_events', 'detail', 'text'),
    ('webhook_events', 'processed_at', 'timestamp with time zone'),
    ('webhook_events', 'deliveries', 'integer'),
    ('webhook_payments', 'id', 'bigint'),
    ('webhook_payments', 'provider', 'text'),
    ('webhook_payments', 'reference', 'text'),
    ('webhook_payments', 'external_id', 'text'),
    ('webhook_payments', 'order_ref', 'text'),
    ('webhook_payments', 'amount', 'numeric'),
    ('webhook_payments', 'currency', 'text'),
    ('webhook_payments', 'state', 'text'),
    ('webhook_payments', 'amount_captured', 'numeric'),
    ('webhook_payments', 'amount_refunded', 'numeric'),
    ('webhook_payments', 'state_changed_at', 'timestamp with time zone'),
    ('webhook_payments', 'created_at', NULL),
    ('webhook_orders', 'ref', 'text'),
    ('webhook_orders', 'total', 'numeric'),
    ('webhook_orders', 'currency', 'text'),
    ('webhook_orders', 'state', 'text'),
    ('webhook_orders', 'amount_paid', 'numeric'),
    ('webhook_orders', 'amount_refunded', 'numeric'),
    ('webhook_orders', 'paid_at', 'timestamp with time zone'),
    ('webhook_orders', 'updated_at', 'timestamp with time zone'),
    ('webhook_refunds', 'id', 'bigint'),
    ('webhook_refunds', 'payment_id', 'bigint'),
    ('webhook_refunds', 'provider', 'text'),
    ('webhook_refunds', 'refund_id', 'text'),
    ('webhook_refunds', 'amount', 'numeric'),
    ('webhook_refunds', 'currency', 'text'),
    ('webhook_refunds', 'status', 'text'),
    ('webhook_refunds', 'created_at', NULL),
    ('webhook_currencies', 'code', 'text'),
    ('webhook_currencies', 'exponent', 'integer'),
    ('webhook_event_actions', 'scheme', 'text'),
    ('webhook_event_actions', 'event_type', 'text'),
    ('webhook_event_actions', 'action', 'text');

SELECT plan(
      7      -- count assertions
    + 10     -- has_table, SPEC 4
    + 10     -- primary keys
    + 4      -- unique constraints
    + 3      -- foreign keys
    + 8      -- defaults
    + 12     -- webhook_ingest: has_function, function_returns, arguments, is_definer
    + (SELECT count(*) FROM tap_ext_funcs WHERE prosecdef)::int
    + (SELECT count(*) FROM tap_ext_funcs WHERE prorettype <> 'pg_catalog.trigger'::regtype)::int
    + (SELECT count(*) FROM tap_ext_rels)::int
    + (SELECT count(*) FROM tap_ext_funcs)::int
    + (SELECT count(*) FROM tap_spec_columns)::int
    + (SELECT count(*) FROM tap_spec_columns WHERE typ IS NOT NULL)::int
);

--------------------------------------------------------------------------
-- The generated sets are what we think they are
--------------------------------------------------------------------------

SELECT cmp_ok((SELECT count(*)::int FROM tap_ext_funcs), '>=', 32,
    'the extension has at least the 32 functions it had when this test was written');
SELECT cmp_ok((SELECT count(*)::int FROM tap_ext_funcs WHERE prosecdef), '>=', 3,
    'the extension has SECURITY DEFINER functions to lint');
SELECT ok((SELECT array_agg(sig::text) FROM tap_ext_funcs WHERE prosecdef)
          @> ARRAY['webhook_ingest(text,jsonb,bytea,text)', 'webhook_ingest(text,jsonb,text,text)',
                   'webhook_ingest(jsonb)'],
    'the SECURITY DEFINER set holds the three webhook_ingest functions');
SELECT cmp_ok((SELECT count(*)::int FROM tap_ext_funcs WHERE prorettype <> 'pg_catalog.trigger'::regtype), '>=', 25,
    'the extension has at least 25 functions that are not trigger functions');
SELECT cmp_ok((SELECT count(*)::int FROM tap_ext_rels), '>=', 10,
    'the extension has at least the 10 tables of SPEC 4');
SELECT is((SELECT count(DISTINCT tab)::int FROM tap_spec_columns), 10,
    'the SPEC 4 column list names 10 tables');
SELECT is((SELECT count(*)::int FROM tap_schema), 1, 'extension webhook is installed in one schema');

--------------------------------------------------------------------------
-- SECURITY DEFINER functions pin search_path
--------------------------------------------------------------------------

SELECT ok(EXISTS (SELECT 1 FROM pg_catalog.unnest(f.proconfig) AS c
                   WHERE c ~ '^search_path=pg_catalog(,\s*[^,]+)*,\s*pg_temp$'),
          format('SECURITY DEFINER %s pins search_path to pg_catalog first and pg_temp last (proconfig %s)',
                 f.sig, coalesce(f.proconfig::text, 'NULL')))
  FROM tap_ext_funcs f WHERE f.prosecdef ORDER BY f.sig::text;

--------------------------------------------------------------------------
-- Comments
--------------------------------------------------------------------------

SELECT ok(pg_catalog.obj_description(f.oid, 'pg_proc') IS NOT NULL,
          format('function %s has a COMMENT', f.sig))
  FROM tap_ext_funcs f WHERE f.prorettype <> 'pg_catalog.trigger'::regtype ORDER BY f.sig::text;

SELECT ok(pg_catalog.obj_description(r.oid, 'pg_class') IS NOT NULL,
          format('%s %s has a COMMENT', CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'table' END,
                 r.relname))
  FROM tap_ext_rels r ORDER BY r.relname;

--------------------------------------------------------------------------
-- Owners
--------------------------------------------------------------------------

SELECT ok(a.rolsuper, format('function %s is owned by a superuser (owner %s)', f.sig, a.rolname))
  FROM tap_ext_funcs f JOIN pg_catalog.pg_roles a ON a.oid = f.proowner ORDER BY f.sig::text;

--------------------------------------------------------------------------
-- SPEC 2: the three webhook_ingest signatures
--------------------------------------------------------------------------

SELECT has_function(s, 'webhook_ingest', ARRAY['text', 'jsonb', 'bytea', 'text'],
    'webhook_ingest(provider text, headers jsonb, body bytea, path text) exists') FROM tap_schema;
SELECT has_function(s, 'webhook_ingest', ARRAY['text', 'jsonb', 'text', 'text'],
    'webhook_ingest(provider text, headers jsonb, body text, path text) exists') FROM tap_schema;
SELECT has_function(s, 'webhook_ingest', ARRAY['jsonb'],
    'webhook_ingest(request jsonb) exists') FROM tap_schema;
SELECT function_returns(s, 'webhook_ingest', ARRAY['text', 'jsonb', 'bytea', 'text'], 'jsonb') FROM tap_schema;
SELECT function_returns(s, 'webhook_ingest', ARRAY['text', 'jsonb', 'text', 'text'], 'jsonb') FROM tap_schema;
SELECT function_returns(s, 'webhook_ingest', ARRAY['jsonb'], 'jsonb') FROM tap_schema;
-- names, types and the DEFAULT of path, as a caller using named notation sees them
SELECT is(pg_catalog.pg_get_function_arguments(f.oid),
          'provider text, headers jsonb, body bytea, path text DEFAULT NULL::text',
          'webhook_ingest (bytea body) has SPEC 2''s argument names and path defaults to NULL')
  FROM tap_schema, LATERAL (SELECT pg_catalog.to_regprocedure(pg_catalog.quote_ident(s) || '.webhook_ingest(text,jsonb,bytea,text)')::oid AS oid) f;
SELECT is(pg_catalog.pg_get_function_arguments(f.oid),
          'provider text, headers jsonb, body text, path text DEFAULT NULL::text',
          'webhook_ingest (text body) has SPEC 2''s argument names and path defaults to NULL')
  FROM tap_schema, LATERAL (SELECT pg_catalog.to_regprocedure(pg_catalog.quote_ident(s) || '.webhook_ingest(text,jsonb,text,text)')::oid AS oid) f;
SELECT is(pg_catalog.pg_get_function_arguments(f.oid), 'request jsonb',
          'webhook_ingest (envelope) has SPEC 2''s argument name')
  FROM tap_schema, LATERAL (SELECT pg_catalog.to_regprocedure(pg_catalog.quote_ident(s) || '.webhook_ingest(jsonb)')::oid AS oid) f;
SELECT is_definer(s, 'webhook_ingest', ARRAY['text', 'jsonb', 'bytea', 'text'],
    'webhook_ingest (bytea body) is SECURITY DEFINER') FROM tap_schema;
SELECT is_definer(s, 'webhook_ingest', ARRAY['text', 'jsonb', 'text', 'text'],
    'webhook_ingest (text body) is SECURITY DEFINER') FROM tap_schema;
SELECT is_definer(s, 'webhook_ingest', ARRAY['jsonb'],
    'webhook_ingest (envelope) is SECURITY DEFINER') FROM tap_schema;

--------------------------------------------------------------------------
-- SPEC 4: tables, columns, types, defaults, keys
--------------------------------------------------------------------------

SELECT has_table(s, tab, format('table %s exists', tab))
  FROM tap_schema, (SELECT DISTINCT tab FROM tap_spec_columns) t ORDER BY tab;

SELECT has_column(s, c.tab, c.col, format('%s has column %s', c.tab, c.col))
  FROM tap_schema, tap_spec_columns c ORDER BY c.ord;

SELECT col_type_is(s, c.tab, c.col, c.typ, format('%s.%s is %s', c.tab, c.col, c.typ))
  FROM tap_schema, tap_spec_columns c WHERE c.typ IS NOT NULL ORDER BY c.ord;

SELECT col_default_is(s, 'webhook_providers', 'tolerance_seconds', '300'::text,
    'webhook_providers.tolerance_seconds defaults to 300') FROM tap_schema;
SELECT col_default_is(s, 'webhook_providers', 'enabled', 'true'::text,
    'webhook_providers.enabled defaults to true') FROM tap_schema;
SELECT col_default_is(s, 'webhook_payments', 'state', 'pending'::text,
    'webhook_payments.state defaults to pending') FROM tap_schema;
SELECT col_default_is(s, 'webhook_payments', 'amount_captured', '0'::text,
    'webhook_payments.amount_captured defaults to 0') FROM tap_schema;
SELECT col_default_is(s, 'webhook_payments', 'amount_refunded', '0'::text,
    'webhook_payments.amount_refunded defaults to 0') FROM tap_schema;
SELECT col_default_is(s, 'webhook_orders', 'state', 'open'::text,
    'webhook_orders.state defaults to open') FROM tap_schema;
SELECT col_default_is(s, 'webhook_orders', 'amount_paid', '0'::text,
    'webhook_orders.amount_paid defaults to 0') FROM tap_schema;
SELECT col_default_is(s, 'webhook_orders', 'amount_refunded', '0'::text,
    'webhook_orders.amount_refunded defaults to 0') FROM tap_schema;

SELECT col_is_pk(s, tab, cols, format('%s has PRIMARY KEY (%s)', tab, array_to_string(cols, ', ')))
  FROM tap_schema, (VALUES
      ('webhook_providers'::name, ARRAY['name']::name[]),
      ('webhook_secrets', ARRAY['id']),
      ('webhook_certificates', ARRAY['cert_url']),
      ('webhook_deliveries', ARRAY['id']),
      ('webhook_events', ARRAY['id']),
      ('webhook_payments', ARRAY['id']),
      ('webhook_orders', ARRAY['ref']),
      ('webhook_refunds', ARRAY['id']),
      ('webhook_currencies', ARRAY['code']),
      ('webhook_event_actions', ARRAY['scheme', 'event_type'])) AS k(tab, cols);

SELECT col_is_unique(s, tab, cols, format('%s has UNIQUE (%s)', tab, array_to_string(cols, ', ')))
  FROM tap_schema, (VALUES
      ('webhook_events'::name, ARRAY['provider', 'event_id']::name[]),
      ('webhook_payments', ARRAY['provider', 'reference']),
      ('webhook_payments', ARRAY['provider', 'external_id']),
      ('webhook_refunds', ARRAY['provider', 'refund_id'])) AS k(tab, cols);

SELECT fk_ok(s, 'webhook_secrets', ARRAY['provider']::name[], s, 'webhook_providers', ARRAY['name']::name[],
    'webhook_secrets.provider REFERENCES webhook_providers(name)') FROM tap_schema;
SELECT fk_ok(s, 'webhook_payments', ARRAY['order_ref']::name[], s, 'webhook_orders', ARRAY['ref']::name[],
    'webhook_payments.order_ref REFERENCES webhook_orders(ref)') FROM tap_schema;
SELECT fk_ok(s, 'webhook_refunds', ARRAY['payment_id']::name[], s, 'webhook_payments', ARRAY['id']::name[],
    'webhook_refunds.payment_id REFERENCES webhook_payments(id)') FROM tap_schema;

SELECT * FROM finish();
ROLLBACK;
