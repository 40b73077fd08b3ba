"""The admin in headless Chromium (Debian's chromium), logged in as a
superuser: the deliveries list, an event's page and the stats page, each
dumped (--dump-dom) and checked for what the database holds, and
screenshotted (--screenshot) into .run/python/.

Logging in: the test site's /e2e/login/?token=... (a test-only view,
enabled by E2E_LOGIN_TOKEN) logs the superuser in and redirects to the
page asked for; Chromium keeps the session cookie across the redirect.
"""

import os
import re
import subprocess
import unittest
import urllib.parse
import uuid

import harness
from harness import OUT, post_stripe, request, stripe_body, value

CHROMIUM = "/usr/bin/chromium"


def chromium(url, *mode, timeout=90):
    """Run headless Chromium on URL with MODE flags; its stdout."""
    profile = os.path.join(OUT, "chromium-profile")
    argv = [CHROMIUM, "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
            "--user-data-dir=" + profile, "--virtual-time-budget=5000"]
    if os.geteuid() == 0:
        argv.append("--no-sandbox")     # Chromium's sandbox refuses root
    proc = subprocess.run(argv + list(mode) + [url], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, cwd=OUT)
    if proc.returncode != 0:
        raise AssertionError("chromium exited %d: %s" % (proc.returncode,
                                                         proc.stderr.decode(errors="replace")[-2000:]))
    return proc.stdout.decode("utf-8", "replace")


def text_of(dom):
    """The visible text of a dumped DOM, near enough: tags out, spaces folded."""
    dom = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", dom)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


class Admin(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not harness.package_ready():
            raise AssertionError("python/pgwebhook/django is missing")
        if not os.access(CHROMIUM, os.X_OK):
            raise AssertionError("%s is missing" % CHROMIUM)
        cls.port = harness.site().port
        tag = "A" + uuid.uuid4().hex[:6]
        [(ref, pi, minor)] = harness.add_payments(tag, 1)
        cls.ref, cls.event_id = ref, "evt_" + ref
        status, _, _ = post_stripe(cls.port, stripe_body(cls.event_id, pi, ref, minor))
        assert status == 200, status
        post_stripe(cls.port, stripe_body("evt_bad_" + tag, pi, ref, minor), secret="whsec_wrong")
        status, urls, _ = request(cls.port, "GET", "/e2e/admin-urls/?token=" + harness.LOGIN_TOKEN)
        assert status == 200, urls
        cls.urls = urls

    def login_url(self, path):
        return "http://127.0.0.1:%d/e2e/login/?%s" % (self.port, urllib.parse.urlencode(
            {"token": harness.LOGIN_TOKEN, "user": harness.ADMIN_USER, "next": path}))

    def page(self, path, shot):
        """The text of PATH as the logged-in admin sees it, and its screenshot."""
        dom = chromium(self.login_url(path), "--dump-dom")
        png = os.path.join(OUT, shot)
        if os.path.exists(png):
            os.unlink(png)
        chromium(self.login_url(path), "--screenshot=" + png, "--window-size=1400,1000")
        self.assertTrue(os.path.isfile(png), "no screenshot " + png)
        with open(png, "rb") as f:
            head = f.read(8)
        self.assertEqual(head, b"\x89PNG\r\n\x1a\n", png)
        self.assertGreater(os.path.getsize(png), 10000, png)
        harness.log("%s: %s (%d bytes)" % (path, os.path.relpath(png, harness.REPO),
                                           os.path.getsize(png)))
        text = text_of(dom)
        self.assertNotIn("Log in | Django site admin", dom, "not logged in")
        return text

    def test_deliveries_list(self):
        text = self.page(self.urls["Delivery"]["changelist"], "admin-deliveries.png")
        self.assertIn(self.event_id, text)
        self.assertIn("applied", text)
        self.assertIn("invalid_signature", text)
        self.assertRegex(text, r"Select delivery to|deliveries")

    def test_event_page(self):
        pk = value("SELECT id FROM webhook_events WHERE event_id = %s", [self.event_id])
        path = self.urls["Event"]["change"].replace("{pk}", str(pk))
        text = self.page(path, "admin-event.png")
        self.assertIn(self.event_id, text)
        self.assertIn("applied", text)                       # its status
        self.assertIn("payment_intent.succeeded", text)      # its type
        self.assertIn(self.ref, text)                        # in the payload shown

    def test_stats_page(self):
        path = self.urls["Delivery"]["changelist"] + "stats/"
        text = self.page(path, "admin-stats.png")
        self.assertIn("webhook_stats", text)
        self.assertIn("stripe", text)
        self.assertNotIn("permission denied", text)

    def test_login_door_needs_its_token(self):
        status, _, _ = request(self.port, "GET", "/e2e/login/?token=wrong&next=/admin/")
        self.assertEqual(status, 403)
        status, _, headers = request(self.port, "GET", self.urls["Delivery"]["changelist"])
        self.assertEqual(status, 302)
        self.assertIn("/admin/login/", headers.get("Location", ""))


if __name__ == "__main__":
    unittest.main()
