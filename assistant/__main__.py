"""Command line: ``python -m assistant run``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot on its local defaults")
    parser.parse_args(argv)
    print("The Teams bot is not built yet (issue 3); `make test` checks the werkvorm core.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
