--
-- paypal: PayPal's RSA-SHA256 signatures over "id|time|webhook_id|crc32"
-- against the official vectors PP-1 and PP-2 (reference/providers.md 5.6),
-- then webhook_add_certificate with a throwaway certificate chain.
--
-- The chain below (an EC root and intermediate, RSA leaves) was made with
-- the openssl command line for this test only; it is test data, not a
-- secret, and its keys were not kept.  Leaves: "good" names
-- messageverificationcerts.sandbox.paypal.com (CN and SAN) until
-- 2099-06-30 12:00 UTC; "san" names messageverificationcerts.paypal.com in
-- its SAN only, until 2098-01-01; "wrong" names another host; "expired"
-- ended in 2021; "ec" has an EC key; "short" a 1024-bit RSA key.  Each
-- line that should fail fails for one reason only.
--
CREATE SCHEMA paypal_test;
SET search_path = paypal_test;
CREATE EXTENSION webhook SCHEMA paypal_test;
SET webhook.clock_override = '2026-03-01 12:00:00+00';

-- An independent CRC-32 (reflected 0xEDB88320), to check the vectors'.
CREATE FUNCTION crc32(b bytea) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    c bigint := 4294967295;
BEGIN
    FOR i IN 0 .. length(b) - 1 LOOP
        c := c # get_byte(b, i);
        FOR k IN 1 .. 8 LOOP
            c := CASE WHEN c & 1 = 1 THEN (c >> 1) # 3988292384 ELSE c >> 1 END;
        END LOOP;
    END LOOP;
    RETURN c # 4294967295;
END
$$;

CREATE TABLE vec (name text PRIMARY KEY, body bytea NOT NULL, id text, ts text, wid text, sig text);

-- PP-1: PayPal-Java-SDK SSLUtilTest.testValidateWebhook; 1288 bytes, no newline.
INSERT INTO vec VALUES ('pp1', convert_to('{"id":"WH-2W7266712B616591M-36507203HX6402335","create_time":"2015-05-12T18:14:14Z","resource_type":"sale","event_type":"PAYMENT.SALE.COMPLETED","summary":"Payment completed for $ 20.0 USD","resource":{"id":"7DW85331GX749735N","create_time":"2015-05-12T18:13:18Z","update_time":"2015-05-12T18:13:36Z","amount":{"total":"20.00","currency":"USD"},"payment_mode":"INSTANT_TRANSFER","state":"completed","protection_eligibility":"ELIGIBLE","protection_eligibility_type":"ITEM_NOT_RECEIVED_ELIGIBLE,UNAUTHORIZED_PAYMENT_ELIGIBLE","parent_payment":"PAY-1A142943SV880364LKVJEFPQ","transaction_fee":{"value":"0.88","currency":"USD"},"links":[{"href":"https://api.sandbox.paypal.com/v1/payments/sale/7DW85331GX749735N","rel":"self","method":"GET"},{"href":"https://api.sandbox.paypal.com/v1/payments/sale/7DW85331GX749735N/refund","rel":"refund","method":"POST"},{"href":"https://api.sandbox.paypal.com/v1/payments/payment/PAY-1A142943SV880364LKVJEFPQ","rel":"parent_payment","method":"GET"}]},"links":[{"href":"https://api.sandbox.paypal.com/v1/notifications/webhooks-events/WH-2W7266712B616591M-36507203HX6402335","rel":"self","method":"GET"},{"href":"https://api.sandbox.paypal.com/v1/notifications/webhooks-events/WH-2W7266712B616591M-36507203HX6402335/resend","rel":"resend","method":"POST"}]}', 'UTF8'),
    'b2384410-f8d2-11e4-8bf3-77339302725b', '2015-05-12T18:14:14Z', '3RN13029J36659323',
    'vSOIQFIZQHv8G2vpbOpD/4fSC4/MYhdHyv+AmgJyeJQq6q5avWyHIe/zL6qO5hle192HSqKbYveLoFXGJun2od2zXN3Q45VBXwdX3woXYGaNq532flAtiYin+tQ/0pNwRDsVIufCxa3a8HskaXy+YEfXNnwCSL287esD3HgOHmuAs0mYKQdbR4e8Evk8XOOQaZzGeV7GNXXz19gzzvyHbsbHmDz5VoRl9so5OoHqvnc5RtgjZfG8KA9lXh2MTPSbtdTLQb9ikKYnOGM+FasFMxk5stJisgmxaefpO9Q1qm3rCjaJ29aAOyDNr3Q7WkeN3w4bSXtFMwyRBOF28pJg9g==');

-- PP-2: PayPal-Python-SDK notifications_test.py TestWebhookEvents.
INSERT INTO vec VALUES ('pp2', convert_to('{"id":"WH-0G2756385H040842W-5Y612302CV158622M","create_time":"2015-05-18T15:45:13Z","resource_type":"sale","event_type":"PAYMENT.SALE.COMPLETED","summary":"Payment completed for $ 20.0 USD","resource":{"id":"4EU7004268015634R","create_time":"2015-05-18T15:44:02Z","update_time":"2015-05-18T15:44:21Z","amount":{"total":"20.00","currency":"USD"},"payment_mode":"INSTANT_TRANSFER","state":"completed","protection_eligibility":"ELIGIBLE","protection_eligibility_type":"ITEM_NOT_RECEIVED_ELIGIBLE,UNAUTHORIZED_PAYMENT_ELIGIBLE","parent_payment":"PAY-86C81811X5228590KKVNARQQ","transaction_fee":{"value":"0.88","currency":"USD"},"links":[{"href":"https://api.sandbox.paypal.com/v1/payments/sale/4EU7004268015634R","rel":"self","method":"GET"},{"href":"https://api.sandbox.paypal.com/v1/payments/sale/4EU7004268015634R/refund","rel":"refund","method":"POST"},{"href":"https://api.sandbox.paypal.com/v1/payments/payment/PAY-86C81811X5228590KKVNARQQ","rel":"parent_payment","method":"GET"}]},"links":[{"href":"https://api.sandbox.paypal.com/v1/notifications/webhooks-events/WH-0G2756385H040842W-5Y612302CV158622M","rel":"self","method":"GET"},{"href":"https://api.sandbox.paypal.com/v1/notifications/webhooks-events/WH-0G2756385H040842W-5Y612302CV158622M/resend","rel":"resend","method":"POST"}]}', 'UTF8'),
    'dfb3be50-fd74-11e4-8bf3-77339302725b', '2015-05-18T15:45:13Z', '4JH86294D6297924G',
    'thy4/U002quzxFavHPwbfJGcc46E8rc5jzgyeafWm5mICTBdY/8rl7WJpn8JA0GKA+oDTPsSruqusw+XXg5RLAP7ip53Euh9Xu3UbUhQFX7UgwzE2FeYoY6lyRMiiiQLzy9BvHfIzNIVhPad4KnC339dr6y2l+mN8ALgI4GCdIh3/SoJO5wE64Bh/ueWtt8EVuvsvXfda2Le5a2TrOI9vLEzsm9GS79hAR/5oLexNz8UiZr045Mr5ObroH4w4oNfmkTaDk9Rj0G19uvISs5QzgmBpauKr7Nw++JI0pr/v5mFctQkoWJSGfBGzPRXawrvIIVHQ9Wer48GR2g9ZiApWg==');

-- test: signed by the "good" leaf over
-- "test-transmission-1|2026-03-01T12:00:00Z|WEBHOOK_ID|2204188068".
INSERT INTO vec VALUES ('test', convert_to('{"id":"WH-TEST-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"CAPTURE001"}}', 'UTF8'),
    'test-transmission-1', '2026-03-01T12:00:00Z', 'WEBHOOK_ID',
    'eqGnQGPnH/I1sac5/2w8VO4BHQ4G1RcZtvLDgRu3onSctU7Sb219P2xyvT99058CN+E1QWwsnHIPDYXxqs5luXhFxzqt1Hhepsm783Ivn0Mg0MLGhTinpWMDHPvg+cFTn0GTdB/fr7OL614leQ7zl3/fI3tsz/Ea1izX293+e8n4F3cDajOstrY6fqSwj24cmZsTbZxGxBaPLG+5l/2PRbBBNpjaPyWu6goqKRvwjPGWYh3T0t8Rdtn9K2i1I6ZLnmknnuS6LBPLCtkcBOJGP8/nkFrhf0Cge45nVPg76SyiVv5AYu9SzWqh2jirukZyIAoSfcyeHK0g8XpYPC7uSg==');

CREATE TABLE pems (name text PRIMARY KEY, pem text NOT NULL);

-- The public key of PayPal's sandbox certificate CERT-360caa42-fca2a594-a5cafa77 (expired 2017).
INSERT INTO pems VALUES ('paypal_key', '-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyF4MCY9RPrzzizQO3t5x
bEaUKuxtQhXKAjXkYBSBkX3eIrbdowUT3x139Xnlzg0OlcEzD+q1WKyNxwULuUmU
WSjt4ACz4gVk3M+RYVaL2A8/3fw7WrAOS+5dcZkTPhhjxHvw9xEz3sspuhkwLiM0
dY7tQbkkJVZyK3CCwx6xWaNEcqhR9XjS96GH4M/mQr/lh+ua4UutFaMIiwG9pbAE
XJCdj/MCiKbN2FMQKlRuUifR+PbngQyNNcBMxP/ufSfLPRk4ZmzE6j+seDJ3gHBj
dUz4phnfcGZW8MKwmA7QqKhQ3MTFYLw/N7j6yIpxcEyDl8Ot0Er/P/gDbmsAXDSQ
6wIDAQAB
-----END PUBLIC KEY-----');

INSERT INTO pems VALUES ('root', '-----BEGIN CERTIFICATE-----
MIIBwzCCAWmgAwIBAgICEAAwCgYIKoZIzj0EAwIwNzEdMBsGA1UEAwwUd2ViaG9v
ayB0ZXN0IHJvb3QgQ0ExFjAUBgNVBAoMDXdlYmhvb2sgdGVzdHMwIBcNMjQwMTAx
MDAwMDAwWhgPMjA5OTEyMzEyMzU5NTlaMDcxHTAbBgNVBAMMFHdlYmhvb2sgdGVz
dCByb290IENBMRYwFAYDVQQKDA13ZWJob29rIHRlc3RzMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEcsmBgtIqBGvg6kAjCYN/Ai/uuoadNhXTSInmIZcnvHibvGwi
2G7A/Ljxi8vnESyieFv5PLlA+/WZ9Inmp3gVgaNjMGEwDwYDVR0TAQH/BAUwAwEB
/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFAJFYbnJdrAEJo7Gy2MQiKusPmEl
MB8GA1UdIwQYMBaAFAJFYbnJdrAEJo7Gy2MQiKusPmElMAoGCCqGSM49BAMCA0gA
MEUCIQCjOrkoFXad8ArWuqxDhtxEx8yR8kE40WD2shENvRQs7wIgJa6HIPb1Zyh8
lWMj6IVmJaQuO7bT+sFpDLkLiXge2bI=
-----END CERTIFICATE-----
');
INSERT INTO pems VALUES ('intermediate', '-----BEGIN CERTIFICATE-----
MIIByzCCAXGgAwIBAgICEAEwCgYIKoZIzj0EAwIwNzEdMBsGA1UEAwwUd2ViaG9v
ayB0ZXN0IHJvb3QgQ0ExFjAUBgNVBAoMDXdlYmhvb2sgdGVzdHMwIBcNMjQwMTAx
MDAwMDAwWhgPMjA5OTEyMzEyMzU5NTlaMD8xJTAjBgNVBAMMHHdlYmhvb2sgdGVz
dCBpbnRlcm1lZGlhdGUgQ0ExFjAUBgNVBAoMDXdlYmhvb2sgdGVzdHMwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQfsHZxhc8DW+Qxegk9SYbTPl0Wb6WFrZYKb1vl
Ky18QHkT7Go7rxUtQMwtUsSMkHjrl6JZoagR1mssbfuntqhlo2MwYTAPBgNVHRMB
Af8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUeSAfJx6H79J1yn5G
s5SAVzAqUCwwHwYDVR0jBBgwFoAUAkVhucl2sAQmjsbLYxCIq6w+YSUwCgYIKoZI
zj0EAwIDSAAwRQIgTIcq9S0Sx7LRt9hSe6lDr5Y+MM9kUpVqaY+9hFfSm1ACIQCt
ZY+0EuAA4FuPxiqn6fQ8+XWbKFeOwPRr1o4O5th+UA==
-----END CERTIFICATE-----
');
INSERT INTO pems VALUES ('good', '-----BEGIN CERTIFICATE-----
MIIDAjCCAqigAwIBAgICEAIwCgYIKoZIzj0EAwIwPzElMCMGA1UEAwwcd2ViaG9v
ayB0ZXN0IGludGVybWVkaWF0ZSBDQTEWMBQGA1UECgwNd2ViaG9vayB0ZXN0czAg
Fw0yNDAxMDEwMDAwMDBaGA8yMDk5MDYzMDEyMDAwMFowTTE0MDIGA1UEAwwrbWVz
c2FnZXZlcmlmaWNhdGlvbmNlcnRzLnNhbmRib3gucGF5cGFsLmNvbTEVMBMGA1UE
CgwMUGF5UGFsLCBJbmMuMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA
r0mFXheCiqpCoAivFdNWxa9ZfO7mS9WKXnsCbLfsQvSQGUbUFKpMzZViRxxtOkBb
qUsQNdOwJ47XSg/vOqRamt+EWwmqQgZipFFGY46qVKzPB2pjScZ71Rm+OvInZUVK
j+KXZtY4me2ZVPJoLJiLE8HDP13MYNGxOTaM9JyV5RygNG2dkOHbUsfhGzHL5d7B
kEyM0Y73jtQO6ApRhl3Ps9jzqJW9ZXMHEoHuCGkZyYC0wfpnZ3OghTVlhRmGy84q
C111KY5zXZ32jGL6KJohW2zOiJDZ1Lkb8eJwH42ycBXTMaZY5Ktl+thQ+IJPPsc5
Pmu+dStSlkxMKfIvjslFQwIDAQABo4G4MIG1MAwGA1UdEwEB/wQCMAAwDgYDVR0P
AQH/BAQDAgeAMB0GA1UdJQQWMBQGCCsGAQUFBwMCBggrBgEFBQcDATAdBgNVHQ4E
FgQUlCKeKfOX8MFEchpXnejhWE/qWSMwHwYDVR0jBBgwFoAUeSAfJx6H79J1yn5G
s5SAVzAqUCwwNgYDVR0RBC8wLYIrbWVzc2FnZXZlcmlmaWNhdGlvbmNlcnRzLnNh
bmRib3gucGF5cGFsLmNvbTAKBggqhkjOPQQDAgNIADBFAiAcx7/gtA+a+HRzmwC8
KwmWuXp9XcZNCWQ1JN4YB9w5hAIhAIseFH7/x6D2Uq3WDfEYtStCUeWdjQmRuFc8
Fun7ZXVH
-----END CERTIFICATE-----
');
INSERT INTO pems VALUES ('san', '-----BEGIN CERTIFICATE-----
MIICzDCCAnGgAwIBAgICEAMwCgYIKoZIzj0EAwIwPzElMCMGA1UEAwwcd2ViaG9v
ayB0ZXN0IGludGVybWVkaWF0ZSBDQTEWMBQGA1UECgwNd2ViaG9vayB0ZXN0czAg
Fw0yNDAxMDEwMDAwMDBaGA8yMDk4MDEwMTAwMDAwMFowPTEkMCIGA1UEAwwbUGF5
UGFsIG1lc3NhZ2UgdmVyaWZpY2F0aW9uMRUwEwYDVQQKDAxQYXlQYWwsIEluYy4w
ggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDKyBKEzqICypGe9UAftfRG
AYr2ZUPrGhpEznI2GEtkIsCvpW9ThpJ5g2eMUDUe5VgqoKnk/xuDg4O+02rfFhtY
SF5XdcVwd6ybT9hj4ZjfS/I3JXGl2Se9e6zz04BAR8PAJY3zQBVA8f9yf3yYpRFJ
KLwikMMFufGsU/mdohi+0/XlpkdfUIiVQphgqaB6ELirFeTdK2UfLvh45vA4peW0
i/CEvXPZH8jHkwrUpmF7lxzWfeUF2VG2NWLU7acmInzUwzuporpiTrtED8X/izQN
YG4rtrJl/e0yku8nwgyvXH8H34yoP708JvgaBF+L82YUulDEygS1lDJj0KGTLLmt
AgMBAAGjgZEwgY4wDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCB4AwHQYDVR0O
BBYEFEbrnE0cOc5b4SPhQvMxCJB5Oz06MB8GA1UdIwQYMBaAFHkgHyceh+/Sdcp+
RrOUgFcwKlAsMC4GA1UdEQQnMCWCI21lc3NhZ2V2ZXJpZmljYXRpb25jZXJ0cy5w
YXlwYWwuY29tMAoGCCqGSM49BAMCA0kAMEYCIQCHhBFkWNgaV6n7C+aQhyN5sMXF
9PvvYGDiAIUKTz/XEQIhAIhXhZn0yV3W6GcpIACdDWpZi9f/dZGntl34jwvsfo5U
-----END CERTIFICATE-----
');
INSERT INTO pems VALUES ('wrong', '-----BEGIN CERTIFICATE-----
MIICrjCCAlSgAwIBAgICEAQwCgYIKoZIzj0EAwIwPzElMCMGA1UEAwwcd2ViaG9v
ayB0ZXN0IGludGVybWVkaWF0ZSBDQTEWMBQGA1UECgwNd2ViaG9vayB0ZXN0czAg
Fw0yNDAxMDEwMDAwMDBaGA8yMDk5MTIzMTIzNTk1OVowUjE5MDcGA1UEAwwwbWVz
c2FnZXZlcmlmaWNhdGlvbmNlcnRzLnBheXBhbC5jb20uZXZpbC5leGFtcGxlMRUw
EwYDVQQKDAxQYXlQYWwsIEluYy4wggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK
AoIBAQC+KC0iaZ2KRNwTX+B4rpOkGUA8pkOPLRxbsfjh+t6oxKvsILPaI+R5hfqY
HfmyOu+QesuMojGhL8nehp9FAChFr8RECj/PnHAk6MuE+sM7am+3nvfxtHcY7vAW
HLO/FRSuB7nM8WcaksOJ1ulI8vwLRJxePeYoecYP7g1ttJ2t6YnVDdz7g1yp2HXd
yJGx+6qdQq8dSz704nwl5mHU5B358u0ymyGtRm+9VnmmpOujhtpDEFw1ivLy1g1M
Y0lPIC0UJplCCcZ29xPHfHUsHF/g8l/3UiqNGWe5ltAu08mTP5WNIIljNPdqUXA1
dK/hKfXMeb9eeeBGW2uTEuiLtIFvAgMBAAGjYDBeMAwGA1UdEwEB/wQCMAAwDgYD
VR0PAQH/BAQDAgeAMB0GA1UdDgQWBBT5ENdNNDdDdDbwzsBurYoxlvIcnTAfBgNV
HSMEGDAWgBR5IB8nHofv0nXKfkazlIBXMCpQLDAKBggqhkjOPQQDAgNIADBFAiAz
bgA8zSfRTzC7KxvH+vrOBSqUnRGuSJJJUo1MXnIxnwIhAJW4ezL8cjhH9zqDf/nP
7gV/+0tHMx2np1Cw7nWNkkRS
-----END CERTIFICATE-----
');
INSERT INTO pems VALUES ('expired', '-----BEGIN CERTIFICATE-----
MIIDATCCAqagAwIBAgICEAUwCgYIKoZIzj0EAwIwPzElMCMGA1UEAwwcd2ViaG9v
ayB0ZXN0IGludGVybWVkaWF0ZSBDQTEWMBQGA1UECgwNd2ViaG9vayB0ZXN0czAe
Fw0yMDAxMDEwMDAwMDBaFw0yMTAxMDEwMDAwMDBaME0xNDAyBgNVBAMMK21lc3Nh
Z2V2ZXJpZmljYXRpb25jZXJ0cy5zYW5kYm94LnBheXBhbC5jb20xFTATBgNVBAoM
DFBheVBhbCwgSW5jLjCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAK/J
f+vDg9PY2trCZnKdfvKi3LU8Co62jXl/6le52nthX4J13PmYHl9zB2W2Jadhul4c
+ILIDQXvNazIbs9eZ0GbB70n0i1JiSiFos0hR6WsxkzesHe7LvkLZ2CgLE++2lPj
2q1heopqmsY5ioOScvqVapciQPOePa+21TNlyqNETs/+SnuFoY2+CUeNQvRc2arV
4XDjpnMXW2gDH8pIkK/SRNBDNB1OGwP93Hev2SG5uADIGNlCSUq5mtUhAD8TwqqE
Dt007pVe41tHeMq8LRzy83MYsSTp19LWxIr7yTgjgDWuyQqNCyQx+74prMbWi50O
iQ/OiaPC2MLUYLqcG1MCAwEAAaOBuDCBtTAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB
/wQEAwIHgDAdBgNVHSUEFjAUBggrBgEFBQcDAgYIKwYBBQUHAwEwHQYDVR0OBBYE
FPmTP6DHjYpG179joZPHn6sykrJKMB8GA1UdIwQYMBaAFHkgHyceh+/Sdcp+RrOU
gFcwKlAsMDYGA1UdEQQvMC2CK21lc3NhZ2V2ZXJpZmljYXRpb25jZXJ0cy5zYW5k
Ym94LnBheXBhbC5jb20wCgYIKoZIzj0EAwIDSQAwRgIhAIcDWYESphb+qJK7Xgrp
aMttE3qy7A2T10XQE8gvxVjFAiEAxGniQ7UKxU1zoNcunFq98zBoMs+V8lvqlL6I
LshAskA=
-----END CERTIFICATE-----
');
INSERT INTO pems VALUES ('ec', '-----BEGIN CERTIFICATE-----
MIICNjCCAd2gAwIBAgICEAYwCgYIKoZIzj0EAwIwPzElMCMGA1UEAwwcd2ViaG9v
ayB0ZXN0IGludGVybWVkaWF0ZSBDQTEWMBQGA1UECgwNd2ViaG9vayB0ZXN0czAg
Fw0yNDAxMDEwMDAwMDBaGA8yMDk5MTIzMTIzNTk1OVowTTE0MDIGA1UEAwwrbWVz
c2FnZXZlcmlmaWNhdGlvbmNlcnRzLnNhbmRib3gucGF5cGFsLmNvbTEVMBMGA1UE
CgwMUGF5UGFsLCBJbmMuMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGQVnl7A/
VLWD4AJayPOluGchFjr5e+5ptRyI2cHELg7jUKkDtyUsBltnZgUUQJmFUt3TdPvp
pbHnciqvwMv80aOBuDCBtTAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDAd
BgNVHSUEFjAUBggrBgEFBQcDAgYIKwYBBQUHAwEwHQYDVR0OBBYEFPY4vP+eDHYX
56tF7HRdncnd/y8ZMB8GA1UdIwQYMBaAFHkgHyceh+/Sdcp+RrOUgFcwKlAsMDYG
A1UdEQQvMC2CK21lc3NhZ2V2ZXJpZmljYXRpb25jZXJ0cy5zYW5kYm94LnBheXBh
bC5jb20wCgYIKoZIzj0EAwIDRwAwRAIge+9NYIeJiwz968DsR4o/s4us9jiAr8zc
tVToR2JrqQsCIE/zsld2Gcy00P1OvjcRDrZbp8NU0xOhc4vOzhKE8MM4
-----END CERTIFICATE-----
');
INSERT INTO pems VALUES ('short', '-----BEGIN CERTIFICATE-----
MIICfTCCAiSgAwIBAgICEAcwCgYIKoZIzj0EAwIwPzElMCMGA1UEAwwcd2ViaG9v
ayB0ZXN0IGludGVybWVkaWF0ZSBDQTEWMBQGA1UECgwNd2ViaG9vayB0ZXN0czAg
Fw0yNDAxMDEwMDAwMDBaGA8yMDk5MTIzMTIzNTk1OVowTTE0MDIGA1UEAwwrbWVz
c2FnZXZlcmlmaWNhdGlvbmNlcnRzLnNhbmRib3gucGF5cGFsLmNvbTEVMBMGA1UE
CgwMUGF5UGFsLCBJbmMuMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC3L/nC
2y24+qUQmuK5oVWFAKSnGCsXdZbhbPTtDdYHfQ0Tm2DEo5WNPyZec74bRtj0kCPf
P+j8yP7p4XOttuasGof/8pe4E3tmgexzJx5U+ZA94CMMOUYrQtkLhFH1Yc0nuHTR
f+Z4PR8/Vcmn45sTumw/A3d10kjmkFTrL+ru9QIDAQABo4G4MIG1MAwGA1UdEwEB
/wQCMAAwDgYDVR0PAQH/BAQDAgeAMB0GA1UdJQQWMBQGCCsGAQUFBwMCBggrBgEF
BQcDATAdBgNVHQ4EFgQU+6q7rlaEDh+SMOFS7ge2fL9W/mcwHwYDVR0jBBgwFoAU
eSAfJx6H79J1yn5Gs5SAVzAqUCwwNgYDVR0RBC8wLYIrbWVzc2FnZXZlcmlmaWNh
dGlvbmNlcnRzLnNhbmRib3gucGF5cGFsLmNvbTAKBggqhkjOPQQDAgNHADBEAiBN
ltxVUtkbtNxcbzlptKu0orZzl31TJsX7jX9S36l4oQIgfDtglIQzdLnm7Nde8OWg
F4CixuQDG0aKU/al5scT87U=
-----END CERTIFICATE-----
');
-- A leaf followed by the intermediate that issued it, as a server sends it.
INSERT INTO pems SELECT name || '+intermediate', pem || (SELECT pem FROM pems WHERE name = 'intermediate')
  FROM pems WHERE name IN ('good', 'san', 'wrong', 'expired', 'ec', 'short');

CREATE FUNCTION pem(n text) RETURNS text LANGUAGE sql STABLE AS $$ SELECT pem FROM pems WHERE name = n $$;

--
-- The vectors: exact bodies, their SHA-256 and CRC-32 as providers.md gives them.
--
SELECT name, octet_length(body), encode(sha256(body), 'hex') AS sha256, crc32(body) FROM vec ORDER BY name;

--
-- webhook_verify_paypal
--
SELECT name, webhook_verify_paypal(body, id, ts, wid, sig, pem('paypal_key')) FROM vec WHERE name <> 'test' ORDER BY name;
-- text body overload
SELECT name, webhook_verify_paypal(convert_from(body, 'UTF8'), id, ts, wid, sig, pem('paypal_key')) FROM vec WHERE name <> 'test' ORDER BY name;
-- a certificate's key, alone or followed by its intermediate
SELECT webhook_verify_paypal(body, id, ts, wid, sig, pem('good')) FROM vec WHERE name = 'test';
SELECT webhook_verify_paypal(body, id, ts, wid, sig, pem('good+intermediate')) FROM vec WHERE name = 'test';
-- keys are kept by the exact certificate text: another certificate, used
-- in the same session, verifies with its own key (false), then the first
-- still verifies
SELECT webhook_verify_paypal(body, id, ts, wid, sig, pem('paypal_key')) FROM vec WHERE name = 'test';
SELECT webhook_verify_paypal(body, id, ts, wid, sig, pem('good')) FROM vec WHERE name = 'test';
-- the signature only: the certificate's dates are not looked at here
SET webhook.clock_override = '2000-01-01 00:00:00+00';
SELECT webhook_verify_paypal(body, id, ts, wid, sig, pem('good')) FROM vec WHERE name = 'test';
SET webhook.clock_override = '2026-03-01 12:00:00+00';

-- PP-2 with the webhook id of another test class
SELECT webhook_verify_paypal(body, id, ts, '6HY79521VR978045E', sig, pem('paypal_key')) FROM vec WHERE name = 'pp2';
-- one byte of the body changed ("WH-2W7..." to "WH-3W7..."): another CRC-32
SELECT crc32(set_byte(body, 10, ascii('3'))) AS crc32,
       webhook_verify_paypal(set_byte(body, 10, ascii('3')), id, ts, wid, sig, pem('paypal_key'))
  FROM vec WHERE name = 'pp1';
-- a body one byte longer
SELECT webhook_verify_paypal(body || '\x0a'::bytea, id, ts, wid, sig, pem('paypal_key')) FROM vec WHERE name = 'pp1';
-- another vector's transmission id, time, and signature
SELECT webhook_verify_paypal(body, 'dfb3be50-fd74-11e4-8bf3-77339302725b', ts, wid, sig, pem('paypal_key')) FROM vec WHERE name = 'pp1';
SELECT webhook_verify_paypal(body, id, '2015-05-12T18:14:15Z', wid, sig, pem('paypal_key')) FROM vec WHERE name = 'pp1';
SELECT webhook_verify_paypal(body, id, ts, wid, (SELECT sig FROM vec WHERE name = 'pp2'), pem('paypal_key')) FROM vec WHERE name = 'pp1';
-- the time is signed verbatim: the same instant written otherwise fails
SELECT webhook_verify_paypal(body, id, '2026-03-01T12:00:00+00:00', wid, sig, pem('good')) FROM vec WHERE name = 'test';
-- the message is "...|<crc32 in decimal>": a signature over the hex CRC fails
SELECT webhook_verify_paypal(body, id, ts, wid, 'MJCcnUbMPwRtG6lXjDUXzZ8paIy4fI0dtQBl2QDhFdfu26NbiVR6lburQxAfpGrkzE3yvWRJB8CYDZJ7xHzGK6ogakMZ7rFTxXKjS3xRLWDjrqLmqpZFuj8q89oOR44pyJ4oenJoTzNloBnltd224N9LpnsAgVxcRC4rXy+ilhmoIAq//zUS6R+/A2wUqn0jXIkee4gLQIWfIY0q5p0nRNQUNfyYCOhYA28+fuDAFCok2Ypjsg1h+5e/WIzPNe9RTkr8WYwZp0gbsAph/6h9ov2TEOkF4IBpCmm7vozhEQqYbzFFRc9j4aH9rUbqwAYoV8iPzmwiH/2L5K2db9MwGw==', pem('good')) FROM vec WHERE name = 'test';
-- another key
SELECT webhook_verify_paypal(body, id, ts, wid, sig, pem('paypal_key')) FROM vec WHERE name = 'test';
SELECT webhook_verify_paypal(body, id, ts, wid, sig, pem('good')) FROM vec WHERE name = 'pp1';
-- signatures that are not strict base64 are false, not errors
SELECT webhook_verify_paypal(body, id, ts, wid, rtrim(sig, '='), pem('paypal_key')) FROM vec WHERE name = 'pp1';
SELECT webhook_verify_paypal(body, id, ts, wid, translate(sig, '+/', '-_'), pem('paypal_key')) FROM vec WHERE name = 'pp1';
SELECT webhook_verify_paypal(body, id, ts, wid, substr(sig, 1, 172) || E'\n' || substr(sig, 173), pem('paypal_key')) FROM vec WHERE name = 'pp1';
SELECT webhook_verify_paypal(body, id, ts, wid, 'not base64!', pem('paypal_key')) FROM vec WHERE name = 'pp1';
SELECT webhook_verify_paypal(body, id, ts, wid, '', pem('paypal_key')) FROM vec WHERE name = 'pp1';
SELECT webhook_verify_paypal(body, id, ts, wid, repeat('A', 4000), pem('paypal_key')) FROM vec WHERE name = 'pp1';
-- a signature of the wrong length (the first 255 of 256 bytes)
SELECT webhook_verify_paypal(body, id, ts, wid, encode(substr(decode(sig, 'base64'), 1, 255), 'base64'), pem('paypal_key')) FROM vec WHERE name = 'pp1';
-- keys that cannot verify are false, not errors: garbage, an EC key, a certificate cut short
SELECT webhook_verify_paypal(body, id, ts, wid, sig, 'not a pem') FROM vec WHERE name = 'test';
SELECT webhook_verify_paypal(body, id, ts, wid, sig, pem('ec')) FROM vec WHERE name = 'test';
SELECT webhook_verify_paypal(body, id, ts, wid, sig, substr(pem('good'), 1, 400)) FROM vec WHERE name = 'test';
-- strict
SELECT webhook_verify_paypal(NULL::bytea, id, ts, wid, sig, pem('paypal_key')) IS NULL AS is_null FROM vec WHERE name = 'pp1';

--
-- webhook_add_certificate: the URL
--
\set url 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77'
SELECT webhook_add_certificate('http://api.sandbox.paypal.com/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://evil.example/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://paypal.com/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com./v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://user@api.paypal.com/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com@evil.example/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com:443/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com?x=/v1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api%2epaypal.com/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com\@evil.example/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com/v1/notifications/certs/../../x', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com/v1/./certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com//evil.example/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com/v1/notifications/certs/CERT%2D1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com/v1/notifications/certs/CERT-1#x', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com/v1/notifications/certs/CERT 1', pem('good+intermediate'));
SELECT webhook_add_certificate(' https://api.paypal.com/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https:/api.paypal.com/v1/notifications/certs/CERT-1', pem('good+intermediate'));
SELECT webhook_add_certificate('https://api.paypal.com/v1/notifications/certs/' || repeat('x', 2048), pem('good+intermediate'));
SELECT webhook_add_certificate(NULL, pem('good+intermediate'));
SELECT webhook_add_certificate(:'url', NULL);

--
-- webhook_add_certificate: the certificate
--
SELECT webhook_add_certificate(:'url', 'not a pem');
SELECT webhook_add_certificate(:'url', '');
SELECT webhook_add_certificate(:'url', pem('paypal_key'));
SELECT webhook_add_certificate(:'url', replace(pem('good'), 'MII', 'M!I'));
SELECT webhook_add_certificate(:'url', pem('wrong+intermediate'));
SELECT webhook_add_certificate(:'url', pem('root'));
SELECT webhook_add_certificate(:'url', pem('intermediate') || pem('good'));
SELECT webhook_add_certificate(:'url', pem('expired+intermediate'));
SELECT webhook_add_certificate(:'url', pem('ec+intermediate'));
SELECT webhook_add_certificate(:'url', pem('short+intermediate'));
SET webhook.clock_override = '2023-12-31 23:59:59+00';
SELECT webhook_add_certificate(:'url', pem('good+intermediate'));
SET webhook.clock_override = '2099-07-01 00:00:00+00';
SELECT webhook_add_certificate(:'url', pem('good+intermediate'));
SET webhook.clock_override = '2026-03-01 12:00:00+00';
SELECT count(*) FROM webhook_certificates;

-- Stored: our test root is not in the system trust store, so with a WARNING.
SELECT webhook_add_certificate(:'url', pem('good+intermediate'));
SELECT cert_url, not_after AT TIME ZONE 'UTC' AS not_after_utc, pem = pem('good+intermediate') AS pem_as_given
  FROM webhook_certificates;
-- it verifies what its key signed
SELECT webhook_verify_paypal(v.body, v.id, v.ts, v.wid, v.sig, c.pem)
  FROM vec v, webhook_certificates c WHERE v.name = 'test' AND c.cert_url = :'url';
-- the upper-case scheme and host are accepted as given
SELECT webhook_add_certificate('HTTPS://API-M.PayPal.com/v1/notifications/certs/CERT-2?v=1', pem('san'));
SELECT cert_url, not_after AT TIME ZONE 'UTC' AS not_after_utc FROM webhook_certificates ORDER BY cert_url;
-- upsert: the same URL again replaces the certificate and its expiry
SELECT webhook_add_certificate(:'url', pem('san+intermediate'));
SELECT count(*) FROM webhook_certificates;
SELECT cert_url, not_after AT TIME ZONE 'UTC' AS not_after_utc, pem = pem('san+intermediate') AS pem_replaced
  FROM webhook_certificates WHERE cert_url = :'url';
-- and a refused certificate leaves the stored one alone
SELECT webhook_add_certificate(:'url', pem('expired+intermediate'));
SELECT count(*), bool_and(not_after > '2097-01-01') FROM webhook_certificates;

-- Ingest: PAYPAL-CERT-URL names a stored certificate, chained to config.ca_pem
\set url3 'https://api-m.sandbox.paypal.com/v1/notifications/certs/CERT-3'
SELECT webhook_add_certificate(:'url3', pem('good+intermediate')) IS NOT NULL AS stored;
SELECT webhook_add_provider('paypal', 'paypal', NULL, jsonb_build_object('webhook_id', 'WEBHOOK_ID', 'ca_pem', pem('root')));
SELECT webhook_add_provider('paypal_system', 'paypal', NULL, '{"webhook_id": "WEBHOOK_ID"}');
SELECT webhook_add_provider('paypal_other', 'paypal', NULL, jsonb_build_object('webhook_id', 'WH-OTHER', 'ca_pem', pem('root')));
SELECT webhook_add_provider('paypal_hosts', 'paypal', NULL, jsonb_build_object('webhook_id', 'WEBHOOK_ID', 'ca_pem', pem('root'), 'cert_hosts', '["api.paypal.com"]'::jsonb));
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('paypal', 'P-1', 'CAPTURE001', 5, 'USD');
CREATE FUNCTION pp(provider text, url text, algo text DEFAULT 'SHA256withRSA') RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome', 'payment=' || (r->'payment'->>'state'),
                     '(' || (r->>'detail') || ')', 'cert_url=' || (r->>'cert_url'))
      FROM vec v, LATERAL webhook_ingest(provider, jsonb_build_object('PAYPAL-TRANSMISSION-ID', v.id,
           'PAYPAL-TRANSMISSION-TIME', v.ts, 'PAYPAL-TRANSMISSION-SIG', v.sig, 'PAYPAL-CERT-URL', url,
           'PAYPAL-AUTH-ALGO', algo), v.body) r
     WHERE v.name = 'test'
$$;
-- a certificate not stored yet: 503 and where to fetch it
SELECT pp('paypal', 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-unknown');
SELECT pp('paypal', :'url3');
SELECT pp('paypal', :'url3');
SELECT pp('paypal', 'https://evil.example/v1/notifications/certs/CERT-3');
SELECT pp('paypal_hosts', :'url3');
SELECT pp('paypal', :'url3', 'SHA1withRSA');
SELECT pp('paypal_system', :'url3');
SELECT pp('paypal_other', :'url3');
SET webhook.clock_override = '2100-01-01 00:00:00+00';
SELECT pp('paypal', :'url3');
SET webhook.clock_override = '2026-03-01 12:00:00+00';
SELECT event_id, event_type, action, object_id, status FROM webhook_events;
SELECT outcome, http_status, body IS NOT NULL AS body_kept FROM webhook_deliveries ORDER BY id;
-- once the certificate is stored, the refused delivery can be run again
SELECT webhook_add_certificate('https://api.sandbox.paypal.com/v1/notifications/certs/CERT-unknown', pem('good+intermediate')) IS NOT NULL AS stored;
SELECT r->>'http_status' AS http_status, r->>'outcome' AS outcome
  FROM webhook_deliveries d, LATERAL webhook_redeliver(d.id) r WHERE d.outcome = 'unknown_certificate';

-- webhook_add_certificate also takes a host that some paypal provider's
-- config.cert_hosts names (a staging mock); ingest still holds every
-- provider to its own hosts
\set url_staging 'https://paypal-mock.staging.example/v1/notifications/certs/CERT-S'
SELECT webhook_add_certificate(:'url_staging', pem('good+intermediate'));
SELECT webhook_add_provider('paypal_staging', 'paypal', NULL, jsonb_build_object('webhook_id', 'WEBHOOK_ID', 'ca_pem', pem('root'), 'cert_hosts', '["paypal-mock.staging.example"]'::jsonb));
SELECT webhook_add_certificate(:'url_staging', pem('good+intermediate')) IS NOT NULL AS stored;
SELECT pp('paypal_staging', :'url_staging');
SELECT pp('paypal', :'url_staging');

RESET webhook.clock_override;
RESET search_path;
DROP SCHEMA paypal_test CASCADE;
