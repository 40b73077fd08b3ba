--
-- crypto: the signing and verification helpers against the providers'
-- official test vectors (reference/providers.md), then their edges.
-- Each line that should fail verification fails for one reason only.
--
CREATE EXTENSION webhook;

-- The exact bodies, byte for byte.
CREATE TEMP TABLE vec (name text PRIMARY KEY, body bytea NOT NULL);

-- SV-1: stripe-dotnet's event_test_signature.json: LF line endings and a
-- trailing LF (the literal below spans lines; its length is checked).
INSERT INTO vec VALUES ('sv1', convert_to('{
  "id": "evt_123",
  "object": "event",
  "account": "acct_123",
  "api_version": "2017-05-25",
  "created": 1533204620,
  "data": {
    "object": {
      "id": "cus_123",
      "object": "customer",
      "created": 123456789,
      "email": "test@stripe.com",
      "livemode": false,
      "metadata": {}
    }
  },
  "livemode": false,
  "pending_webhooks": 1,
  "request": {
    "id": "req_123",
    "idempotency_key": "idempotency-key-123"
  },
  "type": "customer.created"
}
', 'UTF8'));
INSERT INTO vec VALUES ('sv2', convert_to('{"id":"evt_test_webhook","object":"event"}', 'UTF8'));
INSERT INTO vec VALUES ('gh1', convert_to('Hello, World!', 'UTF8'));
INSERT INTO vec VALUES ('gh2', convert_to('{"foo":"bar"}', 'UTF8'));
INSERT INTO vec VALUES ('gh3', convert_to(E'{\n  "foo": "bar"\n}\n', 'UTF8'));
-- GH-4: literal backslash escapes (\n, \u001B) and eight UTF-8 hearts
INSERT INTO vec VALUES ('gh4', convert_to(E'{\n  "foo": "Foo\\n\\u001B[34mbar: ♥♥♥♥♥♥♥♥\\nthis-is-lost\\u001B[0m\\u001B[2K"\n}\n', 'UTF8'));
-- GH-5: the JSON text holds two backslashes and u001b
INSERT INTO vec VALUES ('gh5', convert_to(E'{\n  "foo": "\\\\u001b"\n}\n', 'UTF8'));
INSERT INTO vec VALUES ('sh1', convert_to('{"foo": "bar"}', 'UTF8'));

SELECT name, octet_length(body), position('\x0d'::bytea IN body) AS has_cr
  FROM vec ORDER BY name;
-- GH-4: the hearts are E2 99 A5, eight of them, and the backslashes literal
SELECT position('\xe299a5e299a5e299a5e299a5e299a5e299a5e299a5e299a5'::bytea IN body) > 0 AS hearts,
       position('\x5c7530303142'::bytea IN body) > 0 AS backslash_u001B
  FROM vec WHERE name = 'gh4';

--------------------------------------------------------------------------
-- Stripe SV-1 (official): secret webhook_secret, t = 1533204620
--------------------------------------------------------------------------

-- the v1, by the Stripe signer and by the plain HMAC over "t.body"
SELECT webhook_sign_stripe(body, 'webhook_secret', 1533204620) FROM vec WHERE name = 'sv1';
SELECT encode(webhook_hmac(convert_to('1533204620.', 'UTF8') || body, 'webhook_secret'::bytea), 'hex')
  FROM vec WHERE name = 'sv1';

\set sv1_header 't=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef'

-- now = t + 100: accepted
SET webhook.clock_override = '2018-08-02 10:12:00+00';
SELECT webhook_verify_stripe(body, :'sv1_header', 'webhook_secret') FROM vec WHERE name = 'sv1';
-- now = t + 400: rejected with the default 300, accepted with 400
SET webhook.clock_override = '2018-08-02 10:17:00+00';
SELECT webhook_verify_stripe(body, :'sv1_header', 'webhook_secret') FROM vec WHERE name = 'sv1';
SELECT webhook_verify_stripe(body, :'sv1_header', 'webhook_secret', 400) FROM vec WHERE name = 'sv1';
-- now = t - 400 (the timestamp is in the future): rejected too
SET webhook.clock_override = '2018-08-02 10:03:40+00';
SELECT webhook_verify_stripe(body, :'sv1_header', 'webhook_secret') FROM vec WHERE name = 'sv1';
-- now = t - 100: accepted (tolerance is both ways)
SET webhook.clock_override = '2018-08-02 10:08:40+00';
SELECT webhook_verify_stripe(body, :'sv1_header', 'webhook_secret') FROM vec WHERE name = 'sv1';
-- the edges: t + 300 accepted, t + 301 rejected
SET webhook.clock_override = '2018-08-02 10:15:20+00';
SELECT webhook_verify_stripe(body, :'sv1_header', 'webhook_secret') FROM vec WHERE name = 'sv1';
SET webhook.clock_override = '2018-08-02 10:15:21+00';
SELECT webhook_verify_stripe(body, :'sv1_header', 'webhook_secret') FROM vec WHERE name = 'sv1';
-- tolerance 0 at exactly t
SET webhook.clock_override = '2018-08-02 10:10:20+00';
SELECT webhook_verify_stripe(body, :'sv1_header', 'webhook_secret', 0) FROM vec WHERE name = 'sv1';

-- the body as text (text overload)
SELECT webhook_verify_stripe(convert_from(body, 'UTF8'), :'sv1_header', 'webhook_secret') FROM vec WHERE name = 'sv1';
-- upper-case hex is accepted
SELECT webhook_verify_stripe(body, 't=1533204620,v1=2220F87EF101A04665F11CDF770523143F875572008577FA0F20882DDB9CC3C7', 'webhook_secret') FROM vec WHERE name = 'sv1';
-- one byte less of body (no trailing LF): rejected
SELECT webhook_verify_stripe(substring(body FROM 1 FOR 483), :'sv1_header', 'webhook_secret') FROM vec WHERE name = 'sv1';
-- CRLF line endings: rejected
SELECT webhook_verify_stripe(replace(convert_from(body, 'UTF8'), E'\n', E'\r\n'), :'sv1_header', 'webhook_secret') FROM vec WHERE name = 'sv1';

--------------------------------------------------------------------------
-- Stripe SV-2 (derived): rotation, v0 only, key handling; t = 1614265330
--------------------------------------------------------------------------

SET webhook.clock_override = '2021-02-25 15:02:10+00';

SELECT webhook_sign_stripe(body, 'whsec_test_secret', 1614265330) FROM vec WHERE name = 'sv2';
SELECT webhook_sign_stripe(body, 'whsec_old_secret', 1614265330) FROM vec WHERE name = 'sv2';

\set sv2_rotation 't=1614265330,v1=0bd52fa4d903c293d2100b1a76b93123c6841823d26752a394d1f06090e57b45,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39'
\set sv2_new 't=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff'

-- the rotation header verifies with either secret
SELECT webhook_verify_stripe(body, :'sv2_rotation', 'whsec_test_secret') FROM vec WHERE name = 'sv2';
SELECT webhook_verify_stripe(body, :'sv2_rotation', 'whsec_old_secret') FROM vec WHERE name = 'sv2';
-- and not with a third
SELECT webhook_verify_stripe(body, :'sv2_rotation', 'whsec_other_secret') FROM vec WHERE name = 'sv2';
SELECT webhook_verify_stripe(body, :'sv2_new', 'whsec_test_secret') FROM vec WHERE name = 'sv2';
-- v0 only: rejected, even though it carries the right MAC
SELECT webhook_verify_stripe(body, 't=1614265330,v0=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';
-- key handling: the secret is the whole string, used as given
SELECT webhook_verify_stripe(body, :'sv2_new', 'test_secret') FROM vec WHERE name = 'sv2';
SELECT webhook_verify_stripe(body, :'sv2_new', 'WHSEC_test_secret') FROM vec WHERE name = 'sv2';
SELECT webhook_verify_stripe(body, :'sv2_new', E'whsec_test_secret\n') FROM vec WHERE name = 'sv2';
-- nor transformed: decoding the rest as Standard Webhooks does is not even
-- possible ("test_secret" is not base64), and the base64 form fails
SELECT webhook_verify_stripe(body, :'sv2_new', encode('whsec_test_secret'::bytea, 'base64')) FROM vec WHERE name = 'sv2';

-- the signed t is part of the MAC: the same v1 under another t fails
SET webhook.clock_override = '2021-02-25 15:02:11+00';
SELECT webhook_verify_stripe(body, 't=1614265331,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';
SET webhook.clock_override = '2021-02-25 15:02:10+00';

--------------------------------------------------------------------------
-- Stripe-Signature parsing: one defect per line
--------------------------------------------------------------------------

-- v1 values that do not decode, or are not 32 bytes, are skipped
SELECT webhook_verify_stripe(body, 't=1614265330,v1=zz,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';
SELECT webhook_verify_stripe(body, 't=1614265330,v1=3c58,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';
SELECT webhook_verify_stripe(body, 't=1614265330,v1=,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';
-- other schemes are ignored, wherever they are
SELECT webhook_verify_stripe(body, 'v2=abc,t=1614265330,v0=x,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';
-- rejected:
SELECT webhook_verify_stripe(body, 'v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- no t
SELECT webhook_verify_stripe(body, 't=1614265330,t=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- two t
SELECT webhook_verify_stripe(body, 't=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff,t=1', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- two t, the second last
SELECT webhook_verify_stripe(body, 'garbage', 'whsec_test_secret') FROM vec WHERE name = 'sv2';
SELECT webhook_verify_stripe(body, '', 'whsec_test_secret') FROM vec WHERE name = 'sv2';
SELECT webhook_verify_stripe(body, 't=1614265330', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- no v1
SELECT webhook_verify_stripe(body, 't=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dcc', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- v1 one byte short
SELECT webhook_verify_stripe(body, 't=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff,junk', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- item without '='
SELECT webhook_verify_stripe(body, 't=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff,', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- trailing comma
SELECT webhook_verify_stripe(body, 't=1614265330, v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- space: key " v1"
SELECT webhook_verify_stripe(body, ' t=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- space: key " t"
SELECT webhook_verify_stripe(body, 'T=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- key "T"
SELECT webhook_verify_stripe(body, 't=+1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- signed t
SELECT webhook_verify_stripe(body, 't=1614265330.0,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- fractional t
SELECT webhook_verify_stripe(body, 't=1614265330abc,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- t with trailing letters
SELECT webhook_verify_stripe(body, 't=,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- empty t
SELECT webhook_verify_stripe(body, 't=1234567890123456789,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- 19-digit t
SELECT webhook_verify_stripe(body, 't=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff ', 'whsec_test_secret') FROM vec WHERE name = 'sv2';  -- trailing space in v1
-- the caller's mistake is an error
SELECT webhook_verify_stripe(body, :'sv2_new', 'whsec_test_secret', -1) FROM vec WHERE name = 'sv2';

--------------------------------------------------------------------------
-- webhook_sign_stripe
--------------------------------------------------------------------------

-- NULL ts is now (here the clock override): the same as passing t
SELECT webhook_sign_stripe(body, 'whsec_test_secret') = webhook_sign_stripe(body, 'whsec_test_secret', 1614265330) AS same
  FROM vec WHERE name = 'sv2';
SELECT webhook_sign_stripe('{"id":"evt_test_webhook","object":"event"}', 'whsec_test_secret', 1614265330);  -- text overload
SELECT webhook_sign_stripe(NULL::bytea, 'whsec_test_secret', 1) IS NULL AS null_body;
SELECT webhook_sign_stripe('\x00'::bytea, NULL, 1) IS NULL AS null_secret;
SELECT webhook_sign_stripe('', 'whsec_test_secret', 0);  -- empty body, t = 0
SELECT webhook_sign_stripe('{}'::bytea, 'whsec_test_secret', -1);
SELECT webhook_sign_stripe('{}'::bytea, 'whsec_test_secret', 1000000000000000000);
-- what it signs, it verifies: at the wall clock too
RESET webhook.clock_override;
SELECT webhook_verify_stripe('{"a":1}', webhook_sign_stripe('{"a":1}', 'whsec_x'), 'whsec_x');
SET webhook.clock_override = '2021-02-25 15:02:10+00';

--------------------------------------------------------------------------
-- GitHub GH-1 (official) to GH-5: sha256= + lower-case hex over the body
--------------------------------------------------------------------------

SELECT name, webhook_sign_hmac(body, convert_to(secret, 'UTF8')) AS signature
  FROM vec JOIN (VALUES ('gh1', 'It''s a Secret to Everybody'), ('gh2', 'mysecret'),
                        ('gh3', 'mysecret'), ('gh4', 'development'), ('gh5', 'development')) AS s(n, secret)
       ON name = n
 ORDER BY name;

SELECT webhook_verify_hmac(body, 'It''s a Secret to Everybody'::bytea, 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17') FROM vec WHERE name = 'gh1';
SELECT webhook_verify_hmac(body, 'mysecret'::bytea, 'sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3') FROM vec WHERE name = 'gh2';
SELECT webhook_verify_hmac(body, 'mysecret'::bytea, 'sha256=e3eccac34c43c7dc1cbb905488b1b81347fcc700a7b025697a9d07862256023f') FROM vec WHERE name = 'gh3';
SELECT webhook_verify_hmac(body, 'development'::bytea, 'sha256=9dacf9003316b09be07df56d86a2d0d6872e42a1e6c72c3bad9ff915a7c5603e') FROM vec WHERE name = 'gh4';
SELECT webhook_verify_hmac(body, 'development'::bytea, 'sha256=87316067e2011fae39998b18c46a14d83b3e7c3ffdd88fb2ee5afb7d11288e60') FROM vec WHERE name = 'gh5';
-- GH-4 re-serialised with lower-case \u001b no longer verifies
SELECT webhook_verify_hmac(replace(convert_from(body, 'UTF8'), 'u001B', 'u001b'), 'development', 'sha256=9dacf9003316b09be07df56d86a2d0d6872e42a1e6c72c3bad9ff915a7c5603e') FROM vec WHERE name = 'gh4';
-- the text overloads
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
SELECT webhook_sign_hmac('Hello, World!', 'It''s a Secret to Everybody');
SELECT encode(webhook_hmac('Hello, World!', 'It''s a Secret to Everybody'), 'hex');

--------------------------------------------------------------------------
-- Shopify SH-1 (official library test): base64
--------------------------------------------------------------------------

SELECT webhook_sign_hmac(body, 'test_secret_key'::bytea, 'sha256', 'base64') FROM vec WHERE name = 'sh1';
SELECT webhook_verify_hmac(body, 'test_secret_key'::bytea, 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=', 'sha256', 'base64') FROM vec WHERE name = 'sh1';
SELECT webhook_verify_hmac('{"foo": "bar"}', 'test_secret_key', 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=', 'sha256', 'base64');
-- without its padding: accepted
SELECT webhook_verify_hmac('{"foo": "bar"}', 'test_secret_key', 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g', 'sha256', 'base64');
-- with a prefix: accepted
SELECT webhook_verify_hmac('{"foo": "bar"}', 'test_secret_key', 'sha256=B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=', 'sha256', 'base64');
-- rejected:
SELECT webhook_verify_hmac('{"foo":"bar"}', 'test_secret_key', 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=', 'sha256', 'base64');  -- body without the space
SELECT webhook_verify_hmac('{"foo": "bar"}', 'test_secret_key', 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g==', 'sha256', 'base64');  -- too much padding
SELECT webhook_verify_hmac('{"foo": "bar"}', 'test_secret_key', ' B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=', 'sha256', 'base64');  -- leading space
SELECT webhook_verify_hmac('{"foo": "bar"}', 'test_secret_key', 'B23tXN681gZ0qIWNRrgtzBE9X SDo5yaUu6wfmhu3a7g=', 'sha256', 'base64');  -- inner space
SELECT webhook_verify_hmac('{"foo": "bar"}', 'test_secret_key', 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=', 'sha256', 'hex');  -- base64 read as hex

--------------------------------------------------------------------------
-- webhook_verify_hmac: prefixes, case, lengths, algorithms
--------------------------------------------------------------------------

\set gh1_hex '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'

SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', :'gh1_hex');  -- no prefix
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', upper(:'gh1_hex'));  -- upper-case hex
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'SHA256=' || upper(:'gh1_hex'));  -- upper-case prefix
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', :'gh1_hex', 'SHA256', 'HEX');  -- names in any case
-- rejected:
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha1=' || :'gh1_hex');  -- prefix names another algorithm
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'md5=' || :'gh1_hex');  -- unknown prefix
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha256=sha256=' || :'gh1_hex');  -- two prefixes
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha256:' || :'gh1_hex');  -- ':' is no prefix
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha256=');  -- prefix only
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', '');  -- empty
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', left(:'gh1_hex', 62));  -- one byte short
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', left(:'gh1_hex', 63));  -- odd length
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', :'gh1_hex' || '00');  -- one byte long
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', :'gh1_hex' || :'gh1_hex' || :'gh1_hex');  -- far too long
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'g' || right(:'gh1_hex', 63));  -- not hex
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', :'gh1_hex' || ' ');  -- trailing space
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', :'gh1_hex', 'sha256', 'base64');  -- hex read as base64 (48 bytes)
SELECT webhook_verify_hmac('Hello, World!', 'It''s a secret to everybody', :'gh1_hex');  -- wrong secret
SELECT webhook_verify_hmac('Hello, World?', 'It''s a Secret to Everybody', :'gh1_hex');  -- wrong message

-- sha1 and sha512, hex and base64
SELECT webhook_sign_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha1');
SELECT webhook_sign_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha1', 'base64');
SELECT webhook_sign_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha512');
SELECT webhook_sign_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha512', 'base64');
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59', 'sha1');
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'AdwQ0Mg+cu0kYhnN2RZpZn/iylk=', 'sha1', 'base64');
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'AdwQ0Mg-cu0kYhnN2RZpZn_iylk=', 'sha1', 'base64');  -- URL-safe alphabet: rejected
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'sha512=11ed355a617e98134e842012a7944ccf59c10256cb182357bd7e3a42013ff07c376f8c14cf5cc1923da20b51d64256b2fb8ebbf100aa67a61326f61fea8111bc', 'sha512');
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', 'Ee01WmF+mBNOhCASp5RMz1nBAlbLGCNXvX46QgE/8Hw3b4wUz1zBkj2iC1HWQlay+4678QCqZ6YTJvYf6oERvA==', 'sha512', 'base64');
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', '01dc10d0c83e72ed246219cdd91669667fe2ca59');  -- a sha1 MAC checked as sha256
SELECT webhook_verify_hmac('Hello, World!', 'It''s a Secret to Everybody', :'gh1_hex', 'sha512');  -- a sha256 MAC checked as sha512
SELECT encode(webhook_hmac('Hello, World!'::bytea, 'It''s a Secret to Everybody'::bytea, 'sha1'), 'hex');
SELECT octet_length(webhook_hmac('x'::bytea, 'k'::bytea, 'sha512'));

-- empty key and empty message (RFC 2104 allows both)
SELECT encode(webhook_hmac(''::bytea, ''::bytea), 'hex');
SELECT webhook_verify_hmac(''::bytea, ''::bytea, 'b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad');
-- a key longer than the block size is hashed first (RFC 4231 test case 6)
SELECT encode(webhook_hmac(convert_to('Test Using Larger Than Block-Size Key - Hash Key First', 'UTF8'),
                           decode(repeat('aa', 131), 'hex')), 'hex');

-- strict: NULL in, NULL out
SELECT webhook_verify_hmac(NULL::bytea, 'k'::bytea, '00') IS NULL AS null_message;
SELECT webhook_hmac('m'::bytea, NULL::bytea) IS NULL AS null_secret;
SELECT webhook_sign_hmac('m', 'k', NULL) IS NULL AS null_algorithm;
SELECT webhook_verify_stripe('{}', NULL, 'whsec_x') IS NULL AS null_header;

--------------------------------------------------------------------------
-- Errors for the caller's mistakes; a secret is never echoed
--------------------------------------------------------------------------

SELECT webhook_hmac('m'::bytea, 'k'::bytea, 'md5');
SELECT webhook_hmac('m', 'k', 'sha-256');
SELECT webhook_sign_hmac('m'::bytea, 'k'::bytea, 'sha384');
SELECT webhook_verify_hmac('m'::bytea, 'k'::bytea, '00', '');
SELECT webhook_verify_hmac('m', 'k', '00', 'sha256', 'base32');
SELECT webhook_sign_hmac('m', 'k', 'sha256', 'base64url');
-- a secret passed where the algorithm goes is not shown
SELECT webhook_hmac('m', 'sha256', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
SELECT webhook_sign_hmac('m', 'k', 'sha256', 'shpss_4f1c9e2d7a6b');
-- the SQLSTATE is invalid_parameter_value
DO $$
BEGIN
    PERFORM webhook_hmac('m'::bytea, 'k'::bytea, 'md5');
EXCEPTION WHEN invalid_parameter_value THEN
    RAISE NOTICE 'invalid_parameter_value: %', SQLERRM;
END
$$;

--------------------------------------------------------------------------
-- Declarations: volatility, strictness, parallel safety, no PUBLIC grant
--------------------------------------------------------------------------

SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
  FROM pg_proc p
 WHERE p.proname IN ('webhook_hmac', 'webhook_sign_hmac', 'webhook_verify_hmac',
                     'webhook_sign_stripe', 'webhook_verify_stripe')
 ORDER BY p.oid::regprocedure::text COLLATE "C";

RESET webhook.clock_override;
DROP TABLE vec;
-- pg_regress runs every test in one database: leave it as we found it
DROP EXTENSION webhook;
