-- bench/functions.sql: what the data scripts (setup.sql, kinds.sql,
-- vipps.sql) share; run after CREATE EXTENSION webhook.
\set ON_ERROR_STOP 1

-- A Stripe-looking id: prefix, then base62-ish characters derived from seed.
CREATE OR REPLACE FUNCTION bench_rid(prefix text, seed text, len int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT prefix || left(translate(encode(sha256(convert_to(seed, 'UTF8')), 'base64'), '+/=', ''), len)
$$;

-- A secret as Vipps MobilePay returns one at a webhook's registration
-- (88 characters of base64), derived from seed.
CREATE OR REPLACE FUNCTION bench_secret(seed text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(encode(sha512(convert_to(seed, 'UTF8')), 'base64'), E'\n', '')
$$;

-- The request headers the shop's web server passes on for body, from a
-- provider whose client says agent, with the provider's signature headers.
CREATE OR REPLACE FUNCTION bench_headers(body text, agent text, signature jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
               'Host', 'shop.example.com',
               'User-Agent', agent,
               'Content-Type', 'application/json; charset=utf-8',
               'Content-Length', octet_length(body)::text,
               'Accept', '*/*; q=0.5, application/xml',
               'Cache-Control', 'no-cache',
               'X-Forwarded-For', '54.187.174.169',
               'X-Forwarded-Proto', 'https') || signature
$$;

-- A Stripe delivery's headers, signed with secret at Unix time ts.
CREATE OR REPLACE FUNCTION bench_stripe_headers(body text, secret text, ts bigint) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT bench_headers(body, 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
                         jsonb_build_object('Stripe-Signature', webhook_sign_stripe(body, secret, ts)))
$$;
