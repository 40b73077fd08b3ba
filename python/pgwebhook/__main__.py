"""python -m pgwebhook --version: print the package version."""

import argparse
import sys

from . import __version__


def main(argv=None) -> int:
    """Parse argv; print the version for --version; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m pgwebhook",
                                     description="Python and Django package of the webhook extension.")
    parser.add_argument("--version", action="version", version="pgwebhook " + __version__)
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
