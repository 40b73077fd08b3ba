--------------------------------------------------------------------------
-- Signing and verification helpers (src/sqlfuncs.c)
--
-- They judge exactly as webhook_ingest does: but for webhook_hmac (the
-- raw HMAC), each signs or verifies through its scheme's own C code, the
-- code webhook_sign and webhook_verify below call.  The bytea and the text
-- form of a helper are one C function; text forms take the UTF-8 bytes of
-- their text arguments.  Nothing is granted to PUBLIC; the README gives
-- the GRANTs.
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.webhook_hmac(message pg_catalog.bytea, secret pg_catalog.bytea,
                                         algorithm pg_catalog.text DEFAULT 'sha256')
RETURNS pg_catalog.bytea LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_hmac';
CREATE FUNCTION @extschema@.webhook_hmac(message pg_catalog.text, secret pg_catalog.text,
                                         algorithm pg_catalog.text DEFAULT 'sha256')
RETURNS pg_catalog.bytea LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_hmac';

CREATE FUNCTION @extschema@.webhook_sign_hmac(body pg_catalog.bytea, secret pg_catalog.bytea,
                                              algorithm pg_catalog.text DEFAULT 'sha256',
                                              encoding pg_catalog.text DEFAULT 'hex')
RETURNS pg_catalog.text LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_hmac';
CREATE FUNCTION @extschema@.webhook_sign_hmac(body pg_catalog.text, secret pg_catalog.text,
                                              algorithm pg_catalog.text DEFAULT 'sha256',
                                              encoding pg_catalog.text DEFAULT 'hex')
RETURNS pg_catalog.text LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_hmac';

CREATE FUNCTION @extschema@.webhook_verify_hmac(message pg_catalog.bytea, secret pg_catalog.bytea,
                                                signature pg_catalog.text,
                                                algorithm pg_catalog.text DEFAULT 'sha256',
                                                encoding pg_catalog.text DEFAULT 'hex')
RETURNS pg_catalog.bool LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_verify_hmac';
CREATE FUNCTION @extschema@.webhook_verify_hmac(message pg_catalog.text, secret pg_catalog.text,
                                                signature pg_catalog.text,
                                                algorithm pg_catalog.text DEFAULT 'sha256',
                                                encoding pg_catalog.text DEFAULT 'hex')
RETURNS pg_catalog.bool LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_verify_hmac';

-- Not strict: a NULL ts means now, so NULL body or secret is handled in C.
CREATE FUNCTION @extschema@.webhook_sign_stripe(body pg_catalog.bytea, secret pg_catalog.text,
                                                ts pg_catalog.int8 DEFAULT NULL)
RETURNS pg_catalog.text LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_stripe';
CREATE FUNCTION @extschema@.webhook_sign_stripe(body pg_catalog.text, secret pg_catalog.text,
                                                ts pg_catalog.int8 DEFAULT NULL)
RETURNS pg_catalog.text LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_stripe';

-- Volatile: "now" is the wall clock, or webhook.clock_override.
CREATE FUNCTION @extschema@.webhook_verify_stripe(body pg_catalog.bytea,
                                                  signature_header pg_catalog.text,
                                                  secret pg_catalog.text,
                                                  tolerance_seconds pg_catalog.int4 DEFAULT 300)
RETURNS pg_catalog.bool LANGUAGE C VOLATILE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_verify_stripe';
CREATE FUNCTION @extschema@.webhook_verify_stripe(body pg_catalog.text,
                                                  signature_header pg_catalog.text,
                                                  secret pg_catalog.text,
                                                  tolerance_seconds pg_catalog.int4 DEFAULT 300)
RETURNS pg_catalog.bool LANGUAGE C VOLATILE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_verify_stripe';

REVOKE ALL ON FUNCTION @extschema@.webhook_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_sign_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_sign_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_verify_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_verify_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_sign_stripe(pg_catalog.bytea, pg_catalog.text, pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_sign_stripe(pg_catalog.text, pg_catalog.text, pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_verify_stripe(pg_catalog.bytea, pg_catalog.text, pg_catalog.text, pg_catalog.int4) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_verify_stripe(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.int4) FROM PUBLIC;

COMMENT ON FUNCTION @extschema@.webhook_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text) IS
    'HMAC of message with secret; algorithm sha1, sha256 (default) or sha512.';
COMMENT ON FUNCTION @extschema@.webhook_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'HMAC of the UTF-8 bytes of message with the UTF-8 bytes of secret; algorithm sha1, sha256 (default) or sha512.';
COMMENT ON FUNCTION @extschema@.webhook_sign_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text, pg_catalog.text) IS
    'The signature a generic HMAC header carries for body: the HMAC in lower-case hex (default) or base64, without prefix.';
COMMENT ON FUNCTION @extschema@.webhook_sign_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'As webhook_sign_hmac(bytea, bytea, ...), over the UTF-8 bytes of body and secret.';
COMMENT ON FUNCTION @extschema@.webhook_verify_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Whether signature (hex in either case, or base64; with or without a "sha256="-style prefix) is the HMAC of message.  Constant time; false for an undecodable or wrong-length signature.';
COMMENT ON FUNCTION @extschema@.webhook_verify_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'As webhook_verify_hmac(bytea, bytea, ...), over the UTF-8 bytes of message and secret.';
COMMENT ON FUNCTION @extschema@.webhook_sign_stripe(pg_catalog.bytea, pg_catalog.text, pg_catalog.int8) IS
    'The Stripe-Signature value "t=<ts>,v1=<hex>" for body, signed with the whole secret string (whsec_ included) at Unix time ts (NULL: now).';
COMMENT ON FUNCTION @extschema@.webhook_sign_stripe(pg_catalog.text, pg_catalog.text, pg_catalog.int8) IS
    'As webhook_sign_stripe(bytea, ...), over the UTF-8 bytes of body.';
COMMENT ON FUNCTION @extschema@.webhook_verify_stripe(pg_catalog.bytea, pg_catalog.text, pg_catalog.text, pg_catalog.int4) IS
    'Whether a Stripe-Signature header verifies for body with secret (any v1; v0 ignored) and its t is within tolerance_seconds of now (webhook.clock_override honoured).  A malformed header gives false.';
COMMENT ON FUNCTION @extschema@.webhook_verify_stripe(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.int4) IS
    'As webhook_verify_stripe(bytea, ...), over the UTF-8 bytes of body.';

-- Any scheme of the registry, as webhook_ingest's verification judges it
-- (src/ingest.c): the scheme's own verify with one secret.
CREATE FUNCTION @extschema@.webhook_verify(scheme pg_catalog.text, headers pg_catalog.jsonb,
                                           body pg_catalog.bytea, secret pg_catalog.text,
                                           config pg_catalog.jsonb DEFAULT '{}')
RETURNS pg_catalog.bool LANGUAGE C VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'webhook_verify';
REVOKE ALL ON FUNCTION @extschema@.webhook_verify(pg_catalog.text, pg_catalog.jsonb, pg_catalog.bytea, pg_catalog.text, pg_catalog.jsonb) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_verify(pg_catalog.text, pg_catalog.jsonb, pg_catalog.bytea, pg_catalog.text, pg_catalog.jsonb) IS
    'Whether headers and body verify for scheme with secret (NULL for paypal) and config, as webhook_ingest would judge them (tolerance 300 seconds, webhook.clock_override honoured).  False for a missing or malformed header, a secret that cannot serve the scheme, or a signature that does not verify.';

-- The headers a sender of any scheme sends (src/ingest.c, through the
-- registry): what webhook_ingest and webhook_verify then accept.
CREATE FUNCTION @extschema@.webhook_sign(scheme pg_catalog.text, body pg_catalog.bytea,
                                         secret pg_catalog.text,
                                         options pg_catalog.jsonb DEFAULT '{}')
RETURNS pg_catalog.jsonb LANGUAGE C VOLATILE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign';
REVOKE ALL ON FUNCTION @extschema@.webhook_sign(pg_catalog.text, pg_catalog.bytea, pg_catalog.text, pg_catalog.jsonb) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_sign(pg_catalog.text, pg_catalog.bytea, pg_catalog.text, pg_catalog.jsonb) IS
    'The headers a sender of scheme sends for body signed with secret.  options: the scheme''s signing inputs (a timestamp, a message or event id, a URL) and its config keys, as README "Functions" lists them.  A scheme whose provider signs with a key the shop does not hold cannot sign here.';

CREATE FUNCTION @extschema@.webhook_sign_standard(body bytea, secret text, msg_id text, ts bigint DEFAULT NULL)
RETURNS text LANGUAGE C VOLATILE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_standard';
CREATE FUNCTION @extschema@.webhook_sign_standard(body text, secret text, msg_id text, ts bigint DEFAULT NULL)
RETURNS text LANGUAGE C VOLATILE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_standard';
COMMENT ON FUNCTION @extschema@.webhook_sign_standard(bytea, text, text, bigint) IS
    'The webhook-signature value ("v1,<base64>") Standard Webhooks would send: HMAC-SHA256 over msg_id.ts.body with the whsec_ secret base64-decoded; ts NULL is now.';
COMMENT ON FUNCTION @extschema@.webhook_sign_standard(text, text, text, bigint) IS
    'webhook_sign_standard over the UTF-8 bytes of a text body.';
REVOKE ALL ON FUNCTION @extschema@.webhook_sign_standard(bytea, text, text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_sign_standard(text, text, text, bigint) FROM PUBLIC;

CREATE FUNCTION @extschema@.webhook_sign_vipps(body bytea, secret text, path text, host text, date text DEFAULT NULL)
RETURNS jsonb LANGUAGE C VOLATILE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_vipps';
CREATE FUNCTION @extschema@.webhook_sign_vipps(body text, secret text, path text, host text, date text DEFAULT NULL)
RETURNS jsonb LANGUAGE C VOLATILE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_vipps';
COMMENT ON FUNCTION @extschema@.webhook_sign_vipps(bytea, text, text, text, text) IS
    'The four headers Vipps MobilePay would send for body (x-ms-date, x-ms-content-sha256, host, Authorization); the secret is used as given; date NULL is now.';
COMMENT ON FUNCTION @extschema@.webhook_sign_vipps(text, text, text, text, text) IS
    'webhook_sign_vipps over the UTF-8 bytes of a text body.';
REVOKE ALL ON FUNCTION @extschema@.webhook_sign_vipps(bytea, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_sign_vipps(text, text, text, text, text) FROM PUBLIC;
