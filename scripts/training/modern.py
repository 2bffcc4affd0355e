"""The modern REAL/FAKE set: today's photos and today's generators, from 13 public sources.

It comes as `modern-images.zip` (REAL/*.jpg, FAKE/*.jpg) with `manifest.csv.gz`
(file, label, source, generator, original size and format, split). Its `split`
column holds whole sources out for `val`, so validation measures pictures from
sources the model never trained on. See dataset/README.md for its confounds.

Pictures are kept as stored (longer side at most 256 px): training crops them
before the shrink, and evaluation shrinks them whole, exactly as uploads are.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .common import CLASS_NAMES, UserError, prepare_image, progress

ZIP_NAME = "modern-images.zip"
MANIFEST_NAME = "manifest.csv.gz"
# Images per (split, class) in the released set.
KNOWN_COUNTS = {("train", "REAL"): 1991, ("train", "FAKE"): 1842, ("val", "REAL"): 351, ("val", "FAKE"): 283}


@dataclass
class ModernImages:
    """Stored pictures of one split with their labels (1 = REAL) and manifest facts."""

    images: list[np.ndarray]  # uint8 RGB, each as stored (longer side <= 256)
    labels: np.ndarray
    sources: np.ndarray
    generators: np.ndarray
    original_sizes: np.ndarray  # (n, 2): width and height of the original file

    def __len__(self) -> int:
        return len(self.images)


def default_folder(data_dir: Path) -> Path | None:
    """DATA_DIR/modern when `scripts/dataset.py --modern` has filled it, else None."""
    folder = Path(data_dir) / "modern"
    return folder if folder.is_dir() else None


def read_manifest(folder: Path) -> list[dict]:
    """Rows of the manifest in folder."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise UserError(f"{path} does not exist: point --modern at the folder with {ZIP_NAME} and {MANIFEST_NAME}.")
    with gzip.open(path, "rt", newline="") as handle:
        return list(csv.DictReader(handle))


def _reader(folder: Path):
    """A function from a manifest file name to its bytes: from the zip, or from the extracted files."""
    zip_path = folder / ZIP_NAME
    if zip_path.is_file():
        try:
            archive = zipfile.ZipFile(zip_path)
        except zipfile.BadZipFile:
            raise UserError(f"{zip_path} is not a zip file.") from None
        return archive.read
    return lambda name: (folder / name).read_bytes()


def load_modern(folder: Path, split: str, show_progress: bool = True) -> ModernImages:
    """Decode every picture of one split ('train' or 'val') listed in folder's manifest."""
    folder = Path(folder)
    rows = [row for row in read_manifest(folder) if row["split"] == split]
    if not rows:
        raise UserError(f"{folder / MANIFEST_NAME} lists no pictures in split {split!r}.")
    read = _reader(folder)
    images = []
    for row in progress(rows, f"decoding modern {split}", enabled=show_progress):
        try:
            data = read(row["file"])
        except (KeyError, OSError):
            raise UserError(f"{row['file']} is listed in the manifest but missing from {folder}.") from None
        with Image.open(io.BytesIO(data)) as image:
            images.append(np.asarray(image.convert("RGB")))
    return ModernImages(
        images=images,
        labels=np.asarray([CLASS_NAMES.index(row["label"]) for row in rows], dtype=np.int64),
        sources=np.asarray([row["source"] for row in rows]),
        generators=np.asarray([row["generator"] for row in rows]),
        original_sizes=np.asarray([(int(row["orig_width"]), int(row["orig_height"])) for row in rows]),
    )


def whole_pictures(data: ModernImages) -> np.ndarray:
    """Each stored picture shrunk whole by the serving preprocessing, as an upload of it would be."""
    return np.stack([prepare_image(_png(image)).pixels for image in data.images])


def _png(image: np.ndarray) -> bytes:
    """Lossless bytes of a picture, so the stored JPEG is not compressed twice."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def extract(source: Path, dest: Path) -> int:
    """Unpack the zip and copy the manifest from source into dest; returns files written."""
    zip_path, manifest = source / ZIP_NAME, source / MANIFEST_NAME
    if not zip_path.is_file() or not manifest.is_file():
        raise UserError(f"{source} must hold {ZIP_NAME} and {MANIFEST_NAME}.")
    dest.mkdir(parents=True, exist_ok=True)
    written = 0
    with zipfile.ZipFile(zip_path) as archive:
        for info in progress(archive.infolist(), ZIP_NAME):
            name = Path(info.filename)
            if info.is_dir() or len(name.parts) != 2 or name.parts[0] not in CLASS_NAMES:
                continue
            target = dest / name
            if target.is_file() and target.stat().st_size == info.file_size:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            written += 1
    (dest / MANIFEST_NAME).write_bytes(manifest.read_bytes())
    return written


def check_counts(folder: Path) -> dict[tuple[str, str], int]:
    """Pictures per (split, class) in folder's manifest that exist on disk; UserError if any is missing."""
    counts: dict[tuple[str, str], int] = {}
    missing = []
    for row in read_manifest(folder):
        if not (folder / row["file"]).is_file():
            missing.append(row["file"])
        key = (row["split"], row["label"])
        counts[key] = counts.get(key, 0) + 1
    if missing:
        raise UserError(f"{len(missing)} picture(s) listed in the manifest are missing, e.g. {missing[0]}.")
    return counts
