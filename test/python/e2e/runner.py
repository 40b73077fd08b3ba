"""Run the end-to-end tests and print TAP-ish results.

    /usr/bin/python3 test/python/e2e/runner.py [module[.Class[.test]] ...]

One line per test ("ok 3 - test_http.Statuses.test_applied", "not ok ...",
"ok ... # SKIP why"), diagnostics as "# " lines, and last
"python-e2e: N passed, N failed" (skipped tests are neither).  The database
e2e_webhook is made afresh first; every server is stopped at the end.
"""

import glob
import os
import signal
import sys
import time
import traceback
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MODULES = ["test_scale", "test_http", "test_badinput", "test_worker", "test_pgbouncer",
           "test_admin", "test_exporter"]


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0
        self.passed = 0
        self.failed = 0
        self.started = 0.0

    def startTest(self, test):
        super().startTest(test)
        self.started = time.time()

    def _name(self, test):
        return "%s (%.1fs)" % (test.id(), time.time() - self.started)

    def addSuccess(self, test):
        self.n += 1
        self.passed += 1
        print("ok %d - %s" % (self.n, self._name(test)), flush=True)

    def _fail(self, test, err):
        self.n += 1
        self.failed += 1
        print("not ok %d - %s" % (self.n, self._name(test)), flush=True)
        harness.log("".join(traceback.format_exception(*err))[-6000:])

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        if isinstance(test, unittest.suite._ErrorHolder):
            # setUpClass or setUpModule failed: every test under it is lost
            self.n += 1
            self.failed += 1
            print("not ok %d - %s" % (self.n, test.id()), flush=True)
            harness.log("".join(traceback.format_exception(*err))[-6000:])
            return
        self._fail(test, err)

    def addSkip(self, test, reason):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, test.id(), reason), flush=True)

    def addExpectedFailure(self, test, err):
        self.addSuccess(test)

    def addUnexpectedSuccess(self, test):
        self._fail(test, (AssertionError, AssertionError("unexpected success"), None))

    def addSubTest(self, test, subtest, err):
        if err is not None:
            self._fail(subtest, err)


def main(argv):
    # a TERM (scripts/test.sh's timeout) ends the run through the finally
    # below, which stops the servers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    names = argv or MODULES
    for old in glob.glob(os.path.join(harness.OUT, "worker-*.log")):
        os.unlink(old)    # the workers' logs are named after their consumers
    result = TapResult()
    try:
        harness.log("database %s afresh, Django's tables" % harness.DBNAME)
        try:
            harness.setup_database()
            if harness.package_ready():
                harness.setup_django()
        except Exception:
            print("not ok 1 - setup of %s" % harness.DBNAME)
            harness.log(traceback.format_exc()[-6000:])
            print("python-e2e: 0 passed, 1 failed")
            return 1
        suite = unittest.TestSuite()
        loader = unittest.TestLoader()
        for name in names:
            try:
                suite.addTests(loader.loadTestsFromName(name))
            except Exception:
                result.n += 1
                result.failed += 1
                print("not ok %d - load %s" % (result.n, name))
                harness.log(traceback.format_exc()[-3000:])
        suite.run(result)
    finally:
        harness.stop_all()
    print("1..%d" % result.n)
    print("python-e2e: %d passed, %d failed" % (result.passed, result.failed), flush=True)
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
