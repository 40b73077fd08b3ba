-- helpers.sql: the signing and verifying helpers of SPEC 7, beside the
-- generic webhook_sign and webhook_verify.
--
--   * each helper's two SQL signatures, bytea and text, are one C function
--     (the same symbol), declared alike: volatility, strictness, parallel
--     safety, SECURITY DEFINER, settings, owner and grants;
--   * a text argument is its UTF-8 bytes: with non-ASCII characters in the
--     body and the secret, each text form gives what its bytea form gives
--     for convert_to(..., 'UTF8');
--   * each per-scheme helper agrees with the generic function over the same
--     scheme: the sign helpers give the header value webhook_sign gives,
--     the verify helpers the verdict webhook_verify gives, for a good, a
--     tampered and (stripe) a stale request.
BEGIN;
CREATE EXTENSION webhook;

CREATE TEMP VIEW tap_helpers AS
SELECT p.proname, p.oid::regprocedure AS sig, p.proargtypes[0]::regtype AS first_type,
       p.prosrc, p.probin, p.provolatile, p.proisstrict, p.proparallel, p.prosecdef,
       p.proconfig, p.proowner, p.proacl
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass
                             AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'webhook'
 WHERE p.proname IN ('webhook_hmac', 'webhook_sign_hmac', 'webhook_verify_hmac',
                     'webhook_sign_stripe', 'webhook_verify_stripe', 'webhook_sign_standard',
                     'webhook_sign_vipps', 'webhook_verify_paypal');

SELECT plan(1 + 2 * 8 + 8 + 7);

--------------------------------------------------------------------------
-- Two signatures, one C function
--------------------------------------------------------------------------

SELECT is(ARRAY(SELECT h.proname || '(' || h.first_type || ')' FROM tap_helpers h ORDER BY 1)::text[],
          ARRAY(SELECT n || '(' || t || ')'
                  FROM pg_catalog.unnest(ARRAY['webhook_hmac', 'webhook_sign_hmac', 'webhook_sign_standard',
                                               'webhook_sign_stripe', 'webhook_sign_vipps', 'webhook_verify_hmac',
                                               'webhook_verify_paypal', 'webhook_verify_stripe']) n,
                       pg_catalog.unnest(ARRAY['bytea', 'text']) t
                 ORDER BY 1),
    'each of the eight helpers has a bytea and a text form');
SELECT is(t.prosrc, b.prosrc, format('%s(text, ...) is the C function of %s(bytea, ...)', b.proname, b.proname))
  FROM tap_helpers b JOIN tap_helpers t ON t.proname = b.proname AND t.first_type = 'text'::regtype
 WHERE b.first_type = 'bytea'::regtype ORDER BY b.proname;
SELECT ok((t.probin, t.provolatile, t.proisstrict, t.proparallel, t.prosecdef, t.proconfig, t.proowner, t.proacl)
          IS NOT DISTINCT FROM
          (b.probin, b.provolatile, b.proisstrict, b.proparallel, b.prosecdef, b.proconfig, b.proowner, b.proacl),
          format('%s: both forms are declared alike (security %s, settings %s)', b.proname,
                 CASE WHEN b.prosecdef THEN 'definer' ELSE 'invoker' END, coalesce(b.proconfig::text, 'none')))
  FROM tap_helpers b JOIN tap_helpers t ON t.proname = b.proname AND t.first_type = 'text'::regtype
 WHERE b.first_type = 'bytea'::regtype ORDER BY b.proname;

--------------------------------------------------------------------------
-- A text argument is its UTF-8 bytes
--------------------------------------------------------------------------

\set body '{"name": "Zoë Straße", "note": "♥ \\u00e9 ✓"}'
\set secret 'clé ♥ secrète'
SET webhook.clock_override = '2024-05-01 12:00:00+00';

SELECT is(webhook_hmac(:'body'::text, :'secret'::text, 'sha512'),
          webhook_hmac(convert_to(:'body', 'UTF8'), convert_to(:'secret', 'UTF8'), 'sha512'),
    'webhook_hmac: the text form is the HMAC of the UTF-8 bytes');
SELECT is(webhook_sign_hmac(:'body'::text, :'secret'::text, 'sha1', 'base64'),
          webhook_sign_hmac(convert_to(:'body', 'UTF8'), convert_to(:'secret', 'UTF8'), 'sha1', 'base64'),
    'webhook_sign_hmac: the text form signs the UTF-8 bytes');
SELECT ok(webhook_verify_hmac(:'body'::text, :'secret'::text,
                              'sha256=' || webhook_sign_hmac(convert_to(:'body', 'UTF8'), convert_to(:'secret', 'UTF8'))),
    'webhook_verify_hmac: the text form verifies the signature of the UTF-8 bytes');
SELECT is(webhook_sign_stripe(:'body'::text, :'secret', 1714564800),
          webhook_sign_stripe(convert_to(:'body', 'UTF8'), :'secret', 1714564800),
    'webhook_sign_stripe: the text form signs the UTF-8 bytes');
SELECT ok(webhook_verify_stripe(:'body'::text, webhook_sign_stripe(convert_to(:'body', 'UTF8'), :'secret', 1714564800), :'secret'),
    'webhook_verify_stripe: the text form verifies the signature of the UTF-8 bytes');
SELECT is(webhook_sign_standard(:'body'::text, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1714564800),
          webhook_sign_standard(convert_to(:'body', 'UTF8'), 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1714564800),
    'webhook_sign_standard: the text form signs the UTF-8 bytes');
SELECT is(webhook_sign_vipps(:'body'::text, :'secret', '/hooks/vipps?x=ø', 'shop.example', 'Wed, 01 May 2024 12:00:00 GMT'),
          webhook_sign_vipps(convert_to(:'body', 'UTF8'), :'secret', '/hooks/vipps?x=ø', 'shop.example', 'Wed, 01 May 2024 12:00:00 GMT'),
    'webhook_sign_vipps: the text form signs the UTF-8 bytes');
-- the RSA vectors of the text form are in test/sql/paypal.sql; here, that it reads its body as text
SELECT is(webhook_verify_paypal(:'body'::text, 'id', 'time', 'wid', 'not base64!', 'no pem'),
          webhook_verify_paypal(convert_to(:'body', 'UTF8'), 'id', 'time', 'wid', 'not base64!', 'no pem'),
    'webhook_verify_paypal: the text form runs and judges as the bytea form');

--------------------------------------------------------------------------
-- The helpers agree with webhook_sign and webhook_verify
--------------------------------------------------------------------------

CREATE TEMP TABLE tap_bodies (b bytea);
INSERT INTO tap_bodies VALUES (''), (convert_to(:'body', 'UTF8')), ('\x00ff0a0d'::bytea);

SELECT is(ARRAY(SELECT format('%s/%s/%s', encode(b, 'hex'), alg, enc)
                  FROM tap_bodies, pg_catalog.unnest(ARRAY['sha1', 'sha256', 'sha512']) alg,
                       pg_catalog.unnest(ARRAY['hex', 'base64']) enc
                 WHERE webhook_sign_hmac(b, convert_to(:'secret', 'UTF8'), alg, enc)
                       IS DISTINCT FROM webhook_sign('hmac', b, :'secret',
                                                     jsonb_build_object('algorithm', alg, 'encoding', enc))->>'X-Signature'),
          ARRAY[]::text[],
    'webhook_sign_hmac gives the X-Signature of webhook_sign(''hmac'') for every algorithm and encoding');
SELECT is(ARRAY(SELECT format('%s/%s', encode(b, 'hex'), tampered)
                  FROM tap_bodies, (VALUES (false), (true)) AS x(tampered),
                       LATERAL (SELECT webhook_sign_hmac(b, convert_to(:'secret', 'UTF8'), 'sha512', 'base64') AS s) s,
                       LATERAL (SELECT CASE WHEN tampered THEN b || '\x20'::bytea ELSE b END AS m) m
                 WHERE webhook_verify_hmac(m, convert_to(:'secret', 'UTF8'), s, 'sha512', 'base64')
                       IS DISTINCT FROM webhook_verify('hmac', jsonb_build_object('X-Signature', s), m, :'secret',
                                                       '{"algorithm": "sha512", "encoding": "base64"}')),
          ARRAY[]::text[],
    'webhook_verify_hmac judges as webhook_verify(''hmac'') a good and a tampered body');
SELECT is(ARRAY(SELECT encode(b, 'hex') FROM tap_bodies
                 WHERE webhook_sign_stripe(b, :'secret', 1714564800)
                       IS DISTINCT FROM webhook_sign('stripe', b, :'secret', '{"ts": 1714564800}')->>'Stripe-Signature'),
          ARRAY[]::text[],
    'webhook_sign_stripe gives the Stripe-Signature of webhook_sign(''stripe'')');
SELECT is(ARRAY(SELECT format('%s/%s/%s', encode(b, 'hex'), ts, tampered)
                  FROM tap_bodies, (VALUES (1714564800), (1714564800 - 301)) AS t(ts),
                       (VALUES (false), (true)) AS x(tampered),
                       LATERAL (SELECT webhook_sign_stripe(b, :'secret', ts) AS h) h,
                       LATERAL (SELECT CASE WHEN tampered THEN b || '\x20'::bytea ELSE b END AS m) m
                 WHERE webhook_verify_stripe(m, h, :'secret')
                       IS DISTINCT FROM webhook_verify('stripe', jsonb_build_object('Stripe-Signature', h), m, :'secret')),
          ARRAY[]::text[],
    'webhook_verify_stripe judges as webhook_verify(''stripe'') a good, a stale and a tampered request');
SELECT ok(webhook_verify_stripe(b, webhook_sign_stripe(b, :'secret'), :'secret')
          AND NOT webhook_verify_stripe(b, webhook_sign_stripe(b, :'secret', 1714564800 - 301), :'secret'),
    'webhook_verify_stripe accepts a fresh signature and refuses a stale one (the comparison above is not vacuous)')
  FROM tap_bodies WHERE b = '';
SELECT is(ARRAY(SELECT encode(b, 'hex') FROM tap_bodies
                 WHERE webhook_sign_standard(b, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_2', 1714564800)
                       IS DISTINCT FROM webhook_sign('standard', b, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
                                                     '{"msg_id": "msg_2", "ts": 1714564800}')->>'webhook-signature'),
          ARRAY[]::text[],
    'webhook_sign_standard gives the webhook-signature of webhook_sign(''standard'')');
SELECT is(ARRAY(SELECT encode(b, 'hex') FROM tap_bodies
                 WHERE webhook_sign_vipps(b, :'secret', '/hooks/vipps?x=1', 'shop.example')
                       IS DISTINCT FROM webhook_sign('vipps', b, :'secret',
                                                     '{"path": "/hooks/vipps?x=1", "host": "shop.example"}')),
          ARRAY[]::text[],
    'webhook_sign_vipps gives the headers of webhook_sign(''vipps''), its date now');

RESET webhook.clock_override;
SELECT * FROM finish();
ROLLBACK;
