"""The ``nhsstd`` command.

Exit status: 0 when everything checked is valid, 1 when something is invalid,
2 for usage errors and unreadable input (argparse's own convention).

Sub-commands register themselves through a ``register(subparsers)`` function
in their own private module, so this file stays a small dispatcher.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nhsstd import _cli_check, _cli_conform, _cli_ods, _cli_sandbox, _cli_validate
from nhsstd._version import __version__

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="nhsstd",
        description="NHS data standards: validate UK health identifiers and NHS data.",
    )
    parser.add_argument("--version", action="version", version=f"nhsstd {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    _cli_validate.register(subparsers)
    _cli_check.register(subparsers)
    _cli_ods.register(subparsers)
    _cli_sandbox.register(subparsers)
    _cli_conform.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = args.handler
    status: int = handler(args)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
