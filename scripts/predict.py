"""Classify image files from the command line: the same as `detector predict`.

    python scripts/predict.py photo.jpg screenshot.png [--model backend/model/classifier.h5] [--json]

Kept for the notebook and old habits; the command lives in the backend package
(detector/cli/predict.py), installed as `detector` by `make install`.
"""

from __future__ import annotations

import sys

from training.common import run_main

from detector.cli import main as detector
from detector.cli import parse_args as detector_args
from detector.cli.predict import describe

__all__ = ["describe", "main", "parse_args"]


def parse_args(argv: list[str] | None = None):
    """The options of `detector predict`, parsed from these arguments."""
    return detector_args(["predict", *(sys.argv[1:] if argv is None else argv)])


def main(argv: list[str] | None = None) -> int:
    """`detector predict` with these arguments."""
    return detector(["predict", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    run_main(main)
