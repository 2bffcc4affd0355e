"""CIFAKE in the Kaggle layout: filling a folder from zips, an unpacked copy or Kaggle, and checking the counts.

`scripts/dataset.py` runs these; training and evaluation read the result with common.load_split.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from .common import CLASS_NAMES, IMAGE_SUFFIXES, UserError, progress

KAGGLE_DATASET = "birdy654/cifake-real-and-ai-generated-synthetic-images"
SPLITS = ("train", "test")
# Images per (split, class) in the known releases: Kaggle's original, and the
# de-duplicated copy without the train/test leak (see dataset/README.md).
KNOWN_COUNTS = {
    "kaggle original": {
        ("train", "REAL"): 50000,
        ("train", "FAKE"): 50000,
        ("test", "REAL"): 10000,
        ("test", "FAKE"): 10000,
    },
    "de-duplicated": {
        ("train", "REAL"): 50000,
        ("train", "FAKE"): 48702,
        ("test", "REAL"): 10000,
        ("test", "FAKE"): 9962,
    },
}


def is_layout_member(name: str) -> bool:
    """True for paths like train/REAL/123.jpg."""
    parts = Path(name).parts
    return (
        len(parts) == 3
        and parts[0] in SPLITS
        and parts[1] in CLASS_NAMES
        and Path(name).suffix.lower() in IMAGE_SUFFIXES
    )


def extract_zip(zip_path: Path, dest: Path) -> int:
    """Extract the layout's images from zip_path into dest, skipping files already there. Returns files written."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        raise UserError(f"{zip_path} is not a zip file.") from None
    with archive:
        members = [info for info in archive.infolist() if is_layout_member(info.filename)]
        written = 0
        for info in progress(members, zip_path.name):
            target = dest / info.filename
            if target.is_file() and target.stat().st_size == info.file_size:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            written += 1
    return written


def copy_tree(source: Path, dest: Path) -> int:
    """Copy an unpacked Kaggle layout into dest, skipping files already there. Returns files written."""
    files = [
        p
        for split in SPLITS
        for p in sorted((source / split).glob("*/*"))
        if is_layout_member(str(p.relative_to(source)))
    ]
    written = 0
    for path in progress(files, source.name):
        target = dest / path.relative_to(source)
        if target.is_file() and target.stat().st_size == path.stat().st_size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written += 1
    return written


def fill_from(source: Path, dest: Path) -> int:
    """Fill dest from a zip, a folder of zips, or an unpacked layout."""
    if source.resolve() == dest.resolve():
        raise UserError("--source and --dest are the same folder.")
    if source.is_file():
        return extract_zip(source, dest)
    if not source.is_dir():
        raise UserError(f"{source} does not exist.")
    zips = sorted(source.glob("*.zip"))
    if zips:
        return sum(extract_zip(zip_path, dest) for zip_path in zips)
    if any((source / split).is_dir() for split in SPLITS):
        return copy_tree(source, dest)
    raise UserError(f"{source} holds neither zip files nor train/ and test/ folders in the Kaggle layout.")


def download_from_kaggle() -> Path:
    """Download (or reuse kagglehub's cache of) the dataset and return its folder."""
    try:
        import kagglehub
    except ImportError:
        raise UserError("kagglehub is not installed: pip install kagglehub (or use --source).") from None
    try:
        return Path(kagglehub.dataset_download(KAGGLE_DATASET))
    except Exception as error:  # kagglehub raises many kinds: network, HTTP, credentials
        raise UserError(
            f"could not download {KAGGLE_DATASET} from Kaggle ({type(error).__name__}: {error}). "
            "Check the network, and set KAGGLE_USERNAME and KAGGLE_KEY (or ~/.kaggle/kaggle.json) "
            "if Kaggle asks for credentials; or download the archive yourself and use --source."
        ) from None


def count_images(dest: Path) -> dict[tuple[str, str], int]:
    """Images per (split, class) in dest."""
    return {
        (split, name): sum(1 for p in (dest / split / name).glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if (dest / split / name).is_dir()
        else 0
        for split in SPLITS
        for name in CLASS_NAMES
    }


def check_counts(counts: dict[tuple[str, str], int], allow_partial: bool) -> str:
    """Name of the release the counts match, or 'partial'; UserError if they cannot be used."""
    for release, expected in KNOWN_COUNTS.items():
        if counts == expected:
            return release
    empty = [f"{split}/{name}" for (split, name), n in counts.items() if n == 0]
    if empty:
        raise UserError(f"no images in {', '.join(empty)}: the source is not CIFAKE in the Kaggle layout.")
    if not allow_partial:
        raise UserError("the counts match no known CIFAKE release; pass --allow-partial to keep a subset.")
    return "partial"
