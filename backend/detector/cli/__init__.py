"""The `detector` command: `detector predict FILE...`, `detector scan PATH... --out FILE`, `detector models`.

Installed with the backend package (`make install` gives .venv/bin/detector);
`python -m detector.cli` runs the same. Each subcommand's module says what it does.
"""

from __future__ import annotations

import argparse

from . import models, predict, scan
from .base import exit_status


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, parsed: the subcommand's options and its handler."""
    parser = argparse.ArgumentParser(prog="detector", description="Tell real photographs from AI-generated images.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    predict.add_parser(commands)
    scan.add_parser(commands)
    models.add_parser(commands)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the subcommand; the exit status."""
    args = parse_args(argv)
    return exit_status(args.handler, args)
