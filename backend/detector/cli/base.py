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


def detectors_default() -> str | None:
    """The folder of brought detectors the environment names (the service's variable, with or without FLASK_)."""
    return os.environ.get("DETECTORS_DIR") or os.environ.get("FLASK_DETECTORS_DIR") or None


def load_detectors(folder: str | Path | None, classifier, model_path: str | Path):
    """The brought detectors under folder (none when folder is None); each one refused is named on stderr."""
    from detector.detectors.registry import FAILED, Registry

    registry = Registry.load(folder, classifier, model_path)
    for entry in registry.entries:
        if entry.state == FAILED:
            print(f"detector refused: {entry.reason}", file=sys.stderr)
        elif entry.detector is None:
            print(f"detector {entry.name} stays silent: {entry.reason}", file=sys.stderr)
    return registry


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
