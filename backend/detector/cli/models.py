"""`detector models measure DETECTOR_DIR --data DIR...` and `detector models list`: bring your own detector.

measure runs a detector folder (or `builtin`, the shipped 32x32 network) over
labelled pictures: each DIR holds REAL/ and FAKE/, and a picture's source is
the part of its file name before the first `__`, else the name of DIR. It
reports, per source and pooled, the ROC-AUC with P(REAL) as the score, the mean
of the per-source AUCs, the accuracy per confidence band and kind of picture
with calibration fitted across sources (each source calibrated by a fit on the
others), its ECE and its share of confidently wrong answers, and writes all of
it, with a fingerprint of the pictures, to measurement.json beside the model.
Only then does the service let the detector speak (docs/detectors.md).

list shows the built-in model and every folder under DETECTORS_DIR with its
state: measured, not measured, or failed to load, and why.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .base import UserError, load_classifier
from .predict import DEFAULT_MODEL_PATH

BUILTIN = "builtin"


def add_parser(commands) -> None:
    """The `models` subcommand with its `measure` and `list` commands."""
    parser = commands.add_parser(
        "models",
        help="measure brought detectors on your pictures, and list them",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    measure = actions.add_parser(
        "measure",
        help="measure a detector on labelled pictures, per held-out source",
        description=__doc__.split("\n\n")[1],
    )
    measure.add_argument("detector", metavar="DETECTOR_DIR", help=f"a detector folder, or {BUILTIN!r}")
    measure.add_argument(
        "--data",
        type=Path,
        action="append",
        required=True,
        metavar="DIR",
        help="a folder with REAL/ and FAKE/ (repeat for more)",
    )
    measure.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    measure.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH, help="the built-in model (for builtin)")
    measure.set_defaults(handler=run_measure)
    listing = actions.add_parser("list", help="every detector with its state", description=__doc__.split("\n\n")[2])
    listing.add_argument(
        "folder",
        nargs="?",
        default=os.environ.get("DETECTORS_DIR") or os.environ.get("FLASK_DETECTORS_DIR"),
        metavar="DETECTORS_DIR",
        help="the folder of detectors (default: $DETECTORS_DIR)",
    )
    listing.add_argument("--json", action="store_true", help="print one JSON object per detector")
    listing.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH, help="the built-in model")
    listing.set_defaults(handler=run_list)


def run_measure(args: argparse.Namespace) -> int:
    """Measure one detector and write measurement.json beside it."""
    from ..detectors.folder import FolderError, read_folder
    from ..detectors.measure import (
        DataError,
        labelled_files,
        measurement,
        progress_bar,
        report,
        score_files,
        text_report,
        write_measurement,
    )
    from ..detectors.runtime import BuiltinDetector, LoadError, load

    try:
        files = labelled_files(args.data)
        if args.detector == BUILTIN:
            folder = read_folder(Path(args.model).parent)
            detector = BuiltinDetector(folder, load_classifier(args.model))
        else:
            folder = read_folder(Path(args.detector))
            detector = load(folder)
    except (DataError, FolderError, LoadError) as error:
        raise UserError(str(error)) from None
    update, close = progress_bar(len(files))
    try:
        scored = score_files(detector, files, update)
    except DataError as error:
        raise UserError(str(error)) from None
    finally:
        close()
    result = measurement(folder, scored)
    try:
        path = write_measurement(folder, result)
    except OSError as error:
        raise UserError(f"cannot write {folder.measurement_path}: {error.strerror or error}") from None
    if args.json:
        print(json.dumps(report(result)))
    else:
        print(text_report(result))
    print(f"wrote {path}", file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print every detector and its state."""
    from ..detectors.registry import Registry

    registry = Registry.load(args.folder, None, args.model)
    rows = registry.status()
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        figures = row["measurement"]
        auc = f"mean per-source ROC-AUC {figures['mean_source_roc_auc']}" if figures else ""
        on = f" on {figures['pictures']:,} pictures from {figures['sources']} sources" if figures else ""
        lead = f", leads #{row['lead_rank']}" if row["lead_rank"] else ""
        state = row["state"].replace("_", " ")
        print(f"{row['name']:<{width}}  {row['format'] or '?':<11} {state}{lead}  {auc}{on}".rstrip())
        if row["reason"]:
            print(f"{'':<{width}}  {row['reason']}")
    return 0
