--------------------------------------------------------------------------
-- PayPal certificates and signatures (src/paypal.c)
--------------------------------------------------------------------------

-- SECURITY DEFINER: a role that fetches certificates needs no rights on
-- webhook_certificates.  The URL allow-list is the default one (the four
-- api[-m][.sandbox].paypal.com hosts); a later version may take a provider
-- and honour its config.cert_hosts.
CREATE FUNCTION @extschema@.webhook_add_certificate(cert_url pg_catalog.text, pem pg_catalog.text)
RETURNS void LANGUAGE C CALLED ON NULL INPUT VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'webhook_add_certificate';
REVOKE ALL ON FUNCTION @extschema@.webhook_add_certificate(pg_catalog.text, pg_catalog.text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_add_certificate(pg_catalog.text, pg_catalog.text) IS
    'Store or replace the PayPal certificate served at cert_url (https:// on api[-m][.sandbox].paypal.com).  Refuses a pem without a readable certificate, one not naming messageverificationcerts[.sandbox].paypal.com, one expired or not yet valid at webhook_now(), and one without an RSA key of 2048 bits or more; stores one whose chain the system trust store does not verify with a WARNING (webhook_ingest checks the chain each time it uses it).';

-- The signature only: no chain, date or name check, so IMMUTABLE.  Both
-- forms are one C function.
CREATE FUNCTION @extschema@.webhook_verify_paypal(body pg_catalog.bytea,
                                                  transmission_id pg_catalog.text,
                                                  transmission_time pg_catalog.text,
                                                  webhook_id pg_catalog.text,
                                                  signature pg_catalog.text,
                                                  pem pg_catalog.text)
RETURNS pg_catalog.bool LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_verify_paypal';
CREATE FUNCTION @extschema@.webhook_verify_paypal(body pg_catalog.text,
                                                  transmission_id pg_catalog.text,
                                                  transmission_time pg_catalog.text,
                                                  webhook_id pg_catalog.text,
                                                  signature pg_catalog.text,
                                                  pem pg_catalog.text)
RETURNS pg_catalog.bool LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_verify_paypal';
REVOKE ALL ON FUNCTION @extschema@.webhook_verify_paypal(pg_catalog.bytea, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_verify_paypal(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_verify_paypal(pg_catalog.bytea, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Whether signature (PAYPAL-TRANSMISSION-SIG, base64) is the RSA-SHA256 signature of "transmission_id|transmission_time|webhook_id|crc32(body)" with the key of pem (a certificate or a PUBLIC KEY).  Checks the signature only, not the certificate; false for undecodable base64 or a pem without an RSA key.';
COMMENT ON FUNCTION @extschema@.webhook_verify_paypal(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'As webhook_verify_paypal(bytea, ...), over the UTF-8 bytes of body.';
