"""What every command-line program of the project shares: user errors, the model, the exit status."""

from __future__ import annotations

import os
import sys
from pathlib import Path


class UserError(Exception):
    """A problem the user can fix; the program prints it and exits with status 2."""


def load_classifier(model_path: str | Path):
    """The serving classifier, or a UserError that says why the model cannot be used."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from detector.classifier import Classifier, ModelLoadError

    try:
        return Classifier.load(model_path)
    except ModelLoadError as error:
        raise UserError(str(error)) from None


def exit_status(main, *args) -> int:
    """Call main(*args) and turn a UserError into a message and status 2, Ctrl-C into status 130."""
    try:
        return main(*args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run_main(main) -> None:
    """Run a script's main() and exit with its status (see exit_status)."""
    sys.exit(exit_status(main))
