"""Classify image files from the command line: the evidence in each file and the combined verdict.

    python scripts/predict.py photo.jpg screenshot.png [--model backend/model/classifier.h5] [--json]

Any size and format Pillow opens (JPEG, PNG, GIF, WebP, BMP, TIFF) goes
through the same preprocessing, provenance reading and verdict rule as the
API. --json prints one API result per line (the shape POST /api/predict
answers, with the path as filename). Exit status 1 if any file could not be
classified, 2 if the model cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from common import DEFAULT_MODEL_PATH, load_classifier, run_main

BASIS = {
    "content_credentials": "from its Content Credentials",
    "metadata": "from the file's own metadata",
    "model": "the pixel model's guess",
}
HEADLINES = {"FAKE": "AI-generated", "REAL": "real photograph", "UNSURE": "Can't tell"}
LEANS = {"FAKE": "an AI-generated picture", "REAL": "a real photo"}
ERROR_NAMES = {400: "Bad Request", 415: "Unsupported Media Type", 422: "Unprocessable Entity"}
EVIDENCE = [
    ("content_credentials", "Content Credentials"),
    ("generator_metadata", "Generator metadata"),
    ("camera_metadata", "Camera metadata"),
]


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", type=Path, nargs="+")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--json", action="store_true", help="one API result (JSON object) per line")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Print the verdict and the evidence for each file."""
    args = parse_args(argv)
    from detector.preprocessing import ImageError, ImageTooLargeError, prepare_image
    from detector.report import prediction

    classifier = load_classifier(args.model)

    failures = 0
    for path in args.images:
        try:
            data = path.read_bytes()
            image = prepare_image(data)
        except (ImageError, OSError) as error:
            failures += 1
            message = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            code = 422 if isinstance(error, ImageTooLargeError) else 400 if isinstance(error, OSError) else 415
            if args.json:  # the API's per-file error shape
                print(
                    json.dumps(
                        {
                            "filename": str(path),
                            "error": {"code": code, "name": ERROR_NAMES[code], "description": message},
                        }
                    )
                )
            else:
                print(f"{path}\terror: {message}", file=sys.stderr)
            continue
        started = time.perf_counter()
        probability = float(classifier.predict(np.asarray(image.pixels)[None])[0])
        inference_ms = (time.perf_counter() - started) * 1000
        result = prediction(str(path), data, image, probability, inference_ms, classifier)
        print(json.dumps(result) if args.json else describe(result))
    return 1 if failures else 0


def describe(result: dict) -> str:
    """A result as a few lines a person reads: the verdict first, then each line of evidence."""
    verdict, assessment, provenance = result["verdict"], result["model_assessment"], result["provenance"]
    # "Can't tell" rests on nothing: the model's guess is only its lean, on the next line.
    basis = "nothing settles it" if verdict["lean"] else BASIS[verdict["basis"]]
    lines = [f"{result['filename']}: {HEADLINES[verdict['label']]} ({basis})"]
    if verdict["lean"]:
        lines.append(f"  {lean(verdict)}")
    lines.append(f"  {verdict['summary']}")
    for key, title in EVIDENCE:
        finding = provenance[key]
        strength = f" [{finding['strength']} evidence]" if finding["present"] and finding["strength"] != "none" else ""
        lines.append(f"  {title}: {finding['summary']}{strength}")
        if key == "generator_metadata" and finding.get("prompt_excerpt"):
            lines.append(f"    prompt: {finding['prompt_excerpt']}")
        if key == "content_credentials":
            lines += [
                f"    action: {action['action']}" + (f" ({action['meaning']})" if action["meaning"] else "")
                for action in finding["actions"]
            ]
    accuracy = assessment["measured_accuracy"]
    measured = f", measured accuracy {accuracy:.0%} on {assessment['input_kind']} pictures" if accuracy else ""
    lines.append(
        f"  Pixel model: {result['label']}, P(REAL)={result['probability_real']:.4f}, calibrated "
        f"confidence {assessment['confidence']:.0%}{measured}"
    )
    if assessment.get("note"):
        lines.append(f"    {assessment['note']}")
    lines.append(f"  {provenance['note']}")
    return "\n".join(lines)


def lean(verdict: dict) -> str:
    """The one line under "Can't tell": which way the pixel model leans, and how often it was right."""
    towards = f"The pixel model leans towards {LEANS[verdict['lean']]} ({verdict['confidence']:.0%})"
    accuracy = verdict["measured_accuracy"]
    if accuracy is None:
        return f"{towards}, but it is unsure."
    return f"{towards}, but on pictures like this it was right only {accuracy:.0%} of the time."


if __name__ == "__main__":
    run_main(main)
