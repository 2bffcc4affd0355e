"""Fill dataset/ with CIFAKE in the Kaggle layout, from Kaggle or from local zip files.

    python scripts/dataset.py --source path/to/cifake      # folder with cifake-train.zip / cifake-test.zip
    python scripts/dataset.py --kaggle                     # download with the official kagglehub client
    python scripts/dataset.py --modern path/to/modern      # folder with modern-images.zip + manifest.csv.gz

Idempotent: files already in place are not copied again. Afterwards the image
counts per split and class are checked against the known CIFAKE releases, and
the modern set (which is not on Kaggle) is unpacked into dest/modern/.
"""

from __future__ import annotations

import argparse
import shutil
import zipfile
from pathlib import Path

import modern
from common import CLASS_NAMES, IMAGE_SUFFIXES, ROOT, UserError, progress, run_main

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


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--source",
        type=Path,
        help="folder holding zips in the Kaggle layout (or the unpacked train/ and test/), or one zip",
    )
    where.add_argument("--kaggle", action="store_true", help=f"download {KAGGLE_DATASET} with kagglehub")
    parser.add_argument(
        "--modern",
        type=Path,
        help=f"folder holding {modern.ZIP_NAME} and {modern.MANIFEST_NAME}: unpacked into DEST/modern",
    )
    parser.add_argument("--dest", type=Path, default=ROOT / "dataset")
    parser.add_argument(
        "--allow-partial", action="store_true", help="accept counts that match no known release (for a subset)"
    )
    args = parser.parse_args(argv)
    if not (args.source or args.kaggle or args.modern):
        parser.error("give --source or --kaggle for CIFAKE, and/or --modern")
    return args


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


def main(argv=None) -> int:
    """Fill, count, report."""
    args = parse_args(argv)
    args.dest.mkdir(parents=True, exist_ok=True)
    if args.source or args.kaggle:
        source = download_from_kaggle() if args.kaggle else args.source
        written = fill_from(source, args.dest)
        counts = count_images(args.dest)
        release = check_counts(counts, args.allow_partial)
        for (split, name), n in counts.items():
            print(f"{split}/{name}: {n:,}")
        print(f"{written:,} file(s) written to {args.dest}; counts match the {release} release")
    if args.modern:
        modern_dest = args.dest / "modern"
        written = modern.extract(args.modern, modern_dest)
        counts = modern.check_counts(modern_dest)
        for (split, name), n in sorted(counts.items()):
            print(f"modern {split}/{name}: {n:,}")
        if counts != modern.KNOWN_COUNTS and not args.allow_partial:
            raise UserError("the modern counts match no known release; pass --allow-partial to keep a subset.")
        print(f"{written:,} file(s) written to {modern_dest}")
    return 0


if __name__ == "__main__":
    run_main(main)
