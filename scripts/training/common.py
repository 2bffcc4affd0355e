"""Names, paths and data loading shared by the training and evaluation scripts."""

from __future__ import annotations

import functools
import os
import sys
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from detector.cli.base import UserError, load_classifier, run_main
from detector.contract import CLASS_NAMES, IMAGE_SIZE, THRESHOLD
from detector.preprocessing import ImageError, prepare_image

ROOT = Path(__file__).resolve().parents[2]
SEED = 1337
DEFAULT_DATA_DIR = Path(os.environ.get("CIFAKE_DIR", ROOT / "dataset"))
DEFAULT_MODEL_PATH = ROOT / "backend" / "model" / "classifier.h5"
PERFORMANCE_DIR = ROOT / "performance"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}

__all__ = [
    "CLASS_NAMES",
    "IMAGE_SIZE",
    "THRESHOLD",
    "SEED",
    "UserError",
    "LabelledImages",
    "load_split",
    "load_classifier",
    "prepare_image",
    "progress",
    "run_main",
]


@dataclass
class LabelledImages:
    """Decoded images of one split: uint8 pixels, 0/1 labels, and what was skipped."""

    pixels: np.ndarray  # (n, IMAGE_SIZE, IMAGE_SIZE, 3) uint8
    labels: np.ndarray  # (n,) int64, 1 = REAL
    paths: list[Path]
    skipped: list[tuple[Path, str]]


def load_split(source: Path, split: str, show_progress: bool = True) -> LabelledImages:
    """Decode every image of split/{REAL,FAKE} in source, through the serving preprocessing.

    source is a folder in the Kaggle layout or a zip of it (such as
    cifake-test.zip). Unreadable files are skipped and counted rather than
    stopping a long run; a missing or empty class folder is refused.
    """
    source = Path(source)
    members = _zip_members(source, split) if source.suffix == ".zip" else _folder_members(source, split)
    pixels, labels, paths, skipped = [], [], [], []
    for path, label, read in progress(members, f"decoding {split}", enabled=show_progress):
        try:
            pixels.append(prepare_image(read()).pixels)
        except (ImageError, OSError) as error:
            skipped.append((path, str(error)))
            continue
        labels.append(label)
        paths.append(path)
    if skipped:
        print(
            f"warning: skipped {len(skipped)} unreadable file(s) in {source}, e.g. {skipped[0][0]}: {skipped[0][1]}",
            file=sys.stderr,
        )
    if len(set(labels)) < len(CLASS_NAMES):
        raise UserError(f"{source} has no readable {split} images of one class.")
    return LabelledImages(np.stack(pixels), np.asarray(labels, dtype=np.int64), paths, skipped)


def _folder_members(data_dir: Path, split: str) -> list:
    """(path, label, reader) for the images under data_dir/split/{REAL,FAKE}."""
    split_dir = data_dir / split
    if not data_dir.is_dir():
        raise UserError(f"Data directory {data_dir} does not exist. Run `python scripts/dataset.py` first.")
    if not split_dir.is_dir():
        raise UserError(
            f"{split_dir} is missing: expected the Kaggle layout {split}/REAL/*.jpg and {split}/FAKE/*.jpg."
        )
    members = []
    for label, name in enumerate(CLASS_NAMES):
        class_dir = split_dir / name
        if not class_dir.is_dir():
            raise UserError(f"{class_dir} is missing: expected the Kaggle layout {split}/REAL and {split}/FAKE.")
        files = sorted(p for p in class_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise UserError(f"{class_dir} holds no images.")
        members.extend((path, label, path.read_bytes) for path in files)
    return members


def _zip_members(zip_path: Path, split: str) -> list:
    """(member path, label, reader) for the images under split/{REAL,FAKE}/ in a zip."""
    if not zip_path.is_file():
        raise UserError(f"{zip_path} does not exist.")
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        raise UserError(f"{zip_path} is not a zip file.") from None
    members = []
    for label, name in enumerate(CLASS_NAMES):
        prefix = f"{split}/{name}/"
        names = sorted(
            n for n in archive.namelist() if n.startswith(prefix) and Path(n).suffix.lower() in IMAGE_SUFFIXES
        )
        if not names:
            raise UserError(f"{zip_path} has no images under {prefix}: expected the Kaggle layout.")
        members.extend((Path(n), label, functools.partial(archive.read, n)) for n in names)
    return members


def progress(items, description: str, enabled: bool = True):
    """Wrap items in a tqdm progress bar when enabled."""
    if not enabled:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=description, unit="img", mininterval=2.0)


def forward_moved(command: str, *homes: ModuleType):
    """A module __getattr__ for a command whose internals moved into this package: old imports keep working.

    `from train import make_model`, written when train.py held the model, gets
    training.model.make_model and a DeprecationWarning that names it.
    """

    def __getattr__(name: str):
        for home in homes:
            if not name.startswith("_") and hasattr(home, name):
                message = f"{command}.{name} has moved: import it from {home.__name__}"
                warnings.warn(message, DeprecationWarning, stacklevel=2)
                return getattr(home, name)
        raise AttributeError(f"module {command!r} has no attribute {name!r}")

    return __getattr__
