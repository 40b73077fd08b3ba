#!/usr/bin/env python3
"""Pre-signed Stripe deliveries for bench/django.sh, as raw HTTP requests.

One payment_intent.succeeded per payment: event i (FIRST <= i < FIRST +
COUNT) is for payment R-i (PaymentIntent pi_bench_i, order SO-i), its body
bench/event.json (2.7 KB, Stripe's own layout) filled in as
bench/setup.sql fills it, its Stripe-Signature "t=<now>,v1=<HMAC-SHA256 of
t.body>" with the whole whsec_ secret as key.  The amounts follow
payment_amount_minor(i), the same formula as the SQL that loads the
payments.

Writes OUT.1 ... OUT.T: request k to file (k mod T) + 1, so that each of
wrk's T threads sends its own; each request is "<bytes>\\n<request>".
"""
import argparse
import hashlib
import hmac
import os
import re
import time

CURRENCIES = ["eur", "eur", "eur", "nok", "sek", "dkk", "gbp", "usd"]
NAMES = ["Kari Nordmann", "Erik Johansson", "Anna Schmidt", "Jean Dupont", "Maria Rossi",
         "Olivia Smith", "Lars Hansen", "Sofia Garcia"]
STREETS = ["Storgata", "Drottninggatan", "Hauptstrasse", "Rue de Rivoli", "Via Roma",
           "High Street", "Norrebrogade", "Calle Mayor"]
CITIES = ["Oslo", "Stockholm", "Berlin", "Paris", "Milano", "London", "Kobenhavn", "Madrid"]
COUNTRIES = ["NO", "SE", "DE", "FR", "IT", "GB", "DK", "ES"]


def payment_amount_minor(i):
    """Also in bench/django.sh's load SQL: 500 + (i * 7919) % 149500."""
    return 500 + (i * 7919) % 149500


def rid(prefix, seed, n=24):
    return prefix + hashlib.sha256(seed.encode()).hexdigest()[:n]


def body_of(template, i, ts):
    name = "%s %d" % (NAMES[i % 8], i % 97)
    values = {
        1: rid("evt_", "evt%d" % i), 2: str(ts - 2 - i % 20), 3: "pi_bench_%d" % i,
        4: str(payment_amount_minor(i)), 5: rid("pi_bench_%d_secret_" % i, "cs%d" % i, 24),
        6: str(ts - 40 - i % 600), 7: CURRENCIES[i % 8], 8: rid("cus_", "cus%d" % i, 14),
        10: rid("ch_", "ch%d" % i), 11: "R-%d" % i, 12: "SO-%d" % i, 13: rid("pm_", "pm%d" % i),
        14: "%s.%d@example.net" % (NAMES[i % 8].split()[0].lower(), i), 15: name,
        16: "%d %s" % (i % 180 + 1, STREETS[(i // 8) % 8]), 17: CITIES[(i // 8) % 8],
        18: "%05d" % ((i * 104729) % 99999), 19: COUNTRIES[(i // 8) % 8],
        20: rid("req_", "req%d" % i, 14), 21: rid("", "idem%d" % i, 32),
        22: rid("cart_", "cart%d" % i, 16), 23: "C%06d" % (i % 50000), 24: ("SO-%d" % i)[-8:],
    }
    return re.sub(r"%(\d+)\$s", lambda m: values.get(int(m.group(1)), ""), template).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--template", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--path", default="/hooks/stripe/")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    template = open(args.template).read()
    ts = int(time.time())
    files = [open("%s.%d" % (args.out, t + 1), "wb") for t in range(args.threads)]
    total = 0
    for k in range(args.count):
        i = args.first + k
        body = body_of(template, i, ts)
        sig = hmac.new(args.secret.encode(), b"%d." % ts + body, hashlib.sha256).hexdigest()
        head = ("POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n"
                "Accept: */*; q=0.5, application/xml\r\nCache-Control: no-cache\r\n"
                "Content-Type: application/json; charset=utf-8\r\nStripe-Signature: t=%d,v1=%s\r\n"
                "Content-Length: %d\r\n\r\n" % (args.path, args.host, ts, sig, len(body))).encode()
        req = head + body
        f = files[k % args.threads]
        f.write(b"%d\n" % len(req))
        f.write(req)
        total += len(body)
    for f in files:
        f.close()
    print("%d requests, body %d bytes on average, signed at %d" % (args.count, total // max(args.count, 1), ts))


if __name__ == "__main__":
    main()
