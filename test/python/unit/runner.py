"""Run the unit tests (test_*.py here) and print TAP-like lines and a summary.

Prints "ok N - test" / "not ok N - test" per test, the tracebacks of
failures, and last "python-unit: N passed, N failed" (skips are counted
apart, on the line before); exits 1 when anything failed.
"""

import logging
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class TapResult(unittest.TextTestResult):
    """A result that prints one TAP line per test as it ends."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = 0
        self.passed = 0

    def _line(self, ok, test, note=""):
        self.number += 1
        self.stream.writeln("%s %d - %s%s" % ("ok" if ok else "not ok", self.number, test.id(), note))
        self.stream.flush()

    def addSuccess(self, test):
        unittest.TestResult.addSuccess(self, test)
        self.passed += 1
        self._line(True, test)

    def addFailure(self, test, err):
        unittest.TestResult.addFailure(self, test, err)
        self._line(False, test)

    def addError(self, test, err):
        unittest.TestResult.addError(self, test, err)
        self._line(False, test)

    def addSkip(self, test, reason):
        unittest.TestResult.addSkip(self, test, reason)
        self._line(True, test, " # SKIP %s" % reason)

    def addExpectedFailure(self, test, err):
        unittest.TestResult.addExpectedFailure(self, test, err)
        self._line(False, test, " # expected failure")

    def addUnexpectedSuccess(self, test):
        unittest.TestResult.addUnexpectedSuccess(self, test)
        self._line(False, test, " # unexpected success")


def main(argv):
    """Discover and run the tests (or the modules named in argv); return the exit status."""
    sys.path.insert(0, HERE)
    if not os.environ.get("PYUNIT_LOG"):          # the worker logs each failure it is made to meet
        logging.getLogger("pgwebhook").setLevel(logging.CRITICAL)
    loader = unittest.TestLoader()
    if argv:
        suite = loader.loadTestsFromNames(argv)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    runner = unittest.TextTestRunner(stream=sys.stdout, resultclass=TapResult, verbosity=0)
    result = runner.run(suite)
    try:
        import harness
        if "djsetup" in sys.modules:
            sys.modules["djsetup"].teardown()
        harness.drop_roles()
    except Exception as exc:      # a database left behind holds the roles
        print("# could not drop the test roles: %s" % exc)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    print("# skipped %d" % len(result.skipped))
    print("python-unit: %d passed, %d failed" % (result.passed, failed))
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
