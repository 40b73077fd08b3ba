--------------------------------------------------------------------------
-- The scheme registry (src/schemes.c): the signature schemes the library
-- knows.  The providers' CHECK asks it, so that only the seeds of
-- sql/parts/schemes/ name a scheme.
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.webhook_schemes() RETURNS text[]
    LANGUAGE C STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'webhook_schemes';
COMMENT ON FUNCTION @extschema@.webhook_schemes() IS
    'The signature schemes the library knows, in the registry''s order: what webhook_providers.scheme may be.';
REVOKE ALL ON FUNCTION @extschema@.webhook_schemes() FROM PUBLIC;

-- IMMUTABLE, as a CHECK wants it: the registry is compiled into the
-- library and changes only with the library's version.
CREATE FUNCTION @extschema@.webhook_scheme_known(scheme text) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'webhook_scheme_known';
COMMENT ON FUNCTION @extschema@.webhook_scheme_known(text) IS
    'Whether scheme is one of webhook_schemes(): the CHECK of webhook_providers.scheme.';
REVOKE ALL ON FUNCTION @extschema@.webhook_scheme_known(text) FROM PUBLIC;
