"""The model card a training run writes beside the model: what it is, what it was trained on, its limits.

Every field comes from this run's real inputs, so nothing of an earlier model
survives a retrain; evaluate.py later adds the measured metrics and plots.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shlex
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from detector.calibration import DEFAULT_UNSURE_BELOW

from .common import CLASS_NAMES, IMAGE_SIZE, ROOT, SEED, THRESHOLD
from .model import HEAD_WIDTH
from .pipeline import (
    CROP_AREA_RANGE,
    DOWN_WEIGHTED_SOURCES,
    JPEG_QUALITY_RANGE,
    MODERN_JPEG_QUALITY_RANGE,
)
from .stages import CIFAKE_ACCURACY_FLOOR

# What the model cannot do, written into the model card: the API, the web UI
# and the README show these words and no others.
LIMITATIONS = [
    f"Every picture is shrunk to {IMAGE_SIZE}x{IMAGE_SIZE} pixels before the model sees it, so the fine "
    "detail that gives away many of today's generators is lost.",
    "On today's photos and generators the model is right only a little more often than a coin toss "
    "(see the measured accuracy per kind of picture); on CIFAKE-like thumbnails it is right about 98% "
    "of the time. Its confidence is calibrated separately for each kind, so it rarely sounds sure on photos.",
    "Generators, edits and kinds of picture that none of its training sources contain (screenshots, "
    "scans, drawings, heavily edited photos) are outside what it was trained on.",
    "Content Credentials and generator metadata, when present, say more than the pixels; their absence "
    "proves nothing, because most platforms and screenshots remove them.",
    "A verdict is a statistical estimate, not proof: do not use it alone to accuse anyone of faking an image.",
]


def model_version(model_path: Path) -> str:
    """The training date and a digest of the model file: two models never share a version."""
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()[:8]
    return f"{time.strftime('%Y.%m.%d', time.gmtime())}+{digest}"


def hardware_description() -> str:
    """A short description of the machine, for the model card."""
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return f"{len(gpus)} GPU(s): " + ", ".join(
            tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus
        )
    return f"CPU only, {os.cpu_count()} cores ({platform.machine()})"


def class_counts(labels: np.ndarray) -> dict[str, int]:
    """Images per class name."""
    return {name: int(np.sum(labels == index)) for index, name in enumerate(CLASS_NAMES)}


def training_card(
    argv: list[str],
    args,
    model,
    data,
    train_idx,
    val_idx,
    modern_train,
    modern_val,
    temperature,
    val_accuracy,
    kinds,
    wall_seconds,
) -> dict:
    """A fresh model card from this run's real inputs: nothing of an earlier model survives."""
    modern_note = (
        f"; modern set: {len(modern_train):,} training pictures from {len(set(modern_train.sources))} sources "
        f"({args.modern_variants} random crops each, "
        + (
            f"sources weighted equally per class, {', '.join(DOWN_WEIGHTED_SOURCES)} at half weight"
            if args.balance_sources
            else "every picture weighted alike"
        )
        + f", mean weight {args.modern_weight:g}), {len(modern_val):,} validation pictures from "
        f"{len(set(modern_val.sources))} other sources"
        if modern_train
        else ""
    )
    return {
        "name": "ai-image-detector-cnn",
        "version": model_version(args.out),
        "description": "Tells a real photograph from an AI-generated picture by its pixels, shrunk to "
        f"{IMAGE_SIZE}x{IMAGE_SIZE}: trained on CIFAKE thumbnails"
        + (" and on today's photos and generators." if modern_train else ".")
        + (
            f" A CNN trained on CIFAKE alone ({args.base_model.name}), frozen, with a head of {HEAD_WIDTH} units "
            "on the mean activations of its three stages trained on CIFAKE and the modern set together; the "
            "last layer weighs the CIFAKE score and the head."
            if args.base_model
            else ""
        ),
        "class_names": list(CLASS_NAMES),
        "positive_class": CLASS_NAMES[1],
        "threshold": THRESHOLD,
        "input": {
            "shape": [None, IMAGE_SIZE, IMAGE_SIZE, 3],
            "dtype": "float32",
            "range": [0, 255],
            "color": "RGB",
            "rescaling": "inside the model",
        },
        "output": {
            "shape": [None, 1],
            "meaning": "sigmoid probability that the image is REAL",
            "decision": f"REAL if > {THRESHOLD}, else FAKE",
        },
        "test_time_augmentation": "inside the model: it averages its logits for the image and its mirror image",
        "parameters": int(model.count_params()),
        "file_size_bytes": args.out.stat().st_size,
        "training": {
            "data": f"CIFAKE train split: {class_counts(data.labels)}, {args.val_fraction:.0%} held out for "
            f"validation (seed {SEED}){modern_note}",
            "cifake_images": class_counts(data.labels),
            "train_images": int(len(train_idx)),
            "validation_images": int(len(val_idx)),
            "modern_train_images": class_counts(modern_train.labels) if modern_train else None,
            "modern_validation_images": class_counts(modern_val.labels) if modern_val else None,
            "command": command_line(argv),
            "base_model": str(args.base_model) if args.base_model else None,
            "seed": SEED,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "learning_rate": args.learning_rate,
            "augmentation": "random horizontal flips and whole-pixel shifts of up to 4 pixels; for a random half "
            "of each batch, the image re-encoded as JPEG (CIFAKE: quality "
            f"{JPEG_QUALITY_RANGE[0]}-{JPEG_QUALITY_RANGE[1]}); modern pictures: random crops of "
            f"{CROP_AREA_RANGE[0]:.0%}-{CROP_AREA_RANGE[1]:.0%} of the area, aspect changed up to 4:3, "
            f"re-encoded at JPEG quality {MODERN_JPEG_QUALITY_RANGE[0]}-{MODERN_JPEG_QUALITY_RANGE[1]} "
            "and shrunk whole by the serving preprocessing",
            "checkpoint_selection": "modern val ROC-AUC among epochs with a CIFAKE validation accuracy "
            "(averaged with the mirror image) >= "
            f"{CIFAKE_ACCURACY_FLOOR}"
            if modern_train
            else "CIFAKE validation accuracy",
            "calibration": f"temperature scaling on the CIFAKE validation split, T = {temperature:.3f}, folded "
            "into the model",
            "validation_accuracy": round(val_accuracy, 5),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "wall_time_seconds": round(wall_seconds),
            "hardware": hardware_description(),
        },
        "calibration": {"unsure_below": DEFAULT_UNSURE_BELOW, "kinds": kinds},
        "limitations": LIMITATIONS,
        "library_versions": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
    }


def command_line(argv: list[str]) -> str:
    """This run's command as typed, without machine-specific absolute paths."""
    root = str(ROOT) + os.sep
    return " ".join(["python scripts/train.py", *(shlex.quote(arg.replace(root, "")) for arg in argv)])
