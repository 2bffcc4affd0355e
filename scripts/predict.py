"""Classify image files from the command line: label and P(REAL) per file.

    python scripts/predict.py photo.jpg screenshot.png [--model backend/model/classifier.h5] [--json]

Any size and format Pillow opens (JPEG, PNG, GIF, WebP, BMP, TIFF) goes
through the same preprocessing as the API. Exit status 1 if any file could not
be classified, 2 if the model cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from common import DEFAULT_MODEL_PATH, load_classifier, run_main


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", type=Path, nargs="+")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Print one line per file."""
    args = parse_args(argv)
    from detector.classifier import label_for
    from detector.preprocessing import ImageError, prepare_image

    classifier = load_classifier(args.model)

    failures = 0
    for path in args.images:
        try:
            pixels = prepare_image(path.read_bytes()).pixels
        except (ImageError, OSError) as error:
            failures += 1
            message = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            print(json.dumps({"file": str(path), "error": message}) if args.json
                  else f"{path}\terror: {message}", file=sys.stdout if args.json else sys.stderr)
            continue
        probability = float(classifier.predict(np.asarray(pixels)[None])[0])
        label = label_for(probability, classifier.threshold)
        print(json.dumps({"file": str(path), "label": label, "probability_real": round(probability, 6)})
              if args.json else f"{path}\t{label}\tP(REAL)={probability:.4f}")
    return 1 if failures else 0


if __name__ == "__main__":
    run_main(main)
