"""`detector predict FILE...`: the verdict and the evidence for a few files, printed as they are classified.

Any size and format the API accepts goes through the same preprocessing,
provenance reading and verdict rule as the API. --json prints one API result
per line (the shape POST /api/predict answers, with the path as filename and
as `path`). Exit status 1 if any file could not be classified, 2 if the model
cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .. import DEFAULTS
from .base import detectors_default, load_classifier, load_detectors
from .classify import classify_files

# The shipped model, beside the package's source (backend/model/ in a checkout and in the image).
DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "model" / "classifier.h5"
# Files decoded and run through the model together: the API's limit for one request.
BATCH_SIZE = DEFAULTS["MAX_FILES"]

HEADLINES = {"FAKE": "AI-generated", "REAL": "real photograph", "UNSURE": "Can't tell"}
LEANS = {"FAKE": "an AI-generated picture", "REAL": "a real photo"}
BASIS = {
    "content_credentials": "from its Content Credentials",
    "metadata": "from the file's own metadata",
    "model": "the pixel model's guess",
}
EVIDENCE = [
    ("content_credentials", "Content Credentials"),
    ("generator_metadata", "Generator metadata"),
    ("camera_metadata", "Camera metadata"),
]


def add_parser(commands) -> None:
    """The `predict` subcommand and its options."""
    parser = commands.add_parser("predict", help="classify files and print each verdict", description=__doc__)
    parser.add_argument("images", nargs="+", metavar="FILE")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH, help="the Keras .h5 model")
    parser.add_argument("--json", action="store_true", help="one API result (JSON object) per line")
    parser.add_argument(
        "--detectors",
        default=detectors_default(),
        metavar="DIR",
        help="brought detectors, one folder each (default: $DETECTORS_DIR); only measured ones speak",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the verdict and the evidence for each file, or its error."""
    classifier = load_classifier(args.model)
    detectors = load_detectors(args.detectors, classifier, args.model)
    failures = 0
    for start in range(0, len(args.images), BATCH_SIZE):
        batch = args.images[start : start + BATCH_SIZE]
        for result in classify_files(classifier, batch, filename=str, detectors=detectors):
            failures += "error" in result
            if args.json:
                print(json.dumps(result), flush=True)
            elif "error" in result:
                print(f"{result['path']}\terror: {result['error']['description']}", file=sys.stderr)
            else:
                print(describe(result), flush=True)
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
    lines += [f"  {detector_line(line, verdict)}" for line in result.get("detectors", [])]
    lines.append(f"  {provenance['note']}")
    return "\n".join(lines)


def detector_line(line: dict, verdict: dict) -> str:
    """One brought detector's evidence: its lean, and how often answers like it were right on held-out sources."""
    leads = " (the verdict rests on it)" if verdict.get("pixel_evidence") == line["name"] else ""
    title = f"Detector {line['name']}{leads}"
    if line["label"] is None:
        return f"{title}: {line['note']}"
    says = f"{title}: leans {LEANS[line['label']]} ({line['confidence']:.0%})"
    band = line["band"]
    if band and band["accuracy"] is not None:
        return (
            f"{says}; on held-out sources, its answers on {line['input_kind']}s at {band['from']:.0%}-{band['to']:.0%} "
            f"confidence were right {band['accuracy']:.0%} of the time ({band['pictures']:,} pictures)"
        )
    return f"{says}; {line['note'] or 'how often it is right at this confidence was not measured'}"


def lean(verdict: dict) -> str:
    """The one line under "Can't tell": which way the pixel model leans, and how often it was right."""
    towards = f"The pixel model leans towards {LEANS[verdict['lean']]} ({verdict['confidence']:.0%})"
    accuracy = verdict["measured_accuracy"]
    if accuracy is None:
        return f"{towards}, but it is unsure."
    return f"{towards}, but on pictures like this it was right only {accuracy:.0%} of the time."
