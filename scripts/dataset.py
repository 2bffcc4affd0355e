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
from pathlib import Path

from training import cifake, modern
from training.common import ROOT, UserError, forward_moved, run_main

# Code written when this file held the loading itself still finds its names.
__getattr__ = forward_moved(__name__, cifake)


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--source",
        type=Path,
        help="folder holding zips in the Kaggle layout (or the unpacked train/ and test/), or one zip",
    )
    where.add_argument("--kaggle", action="store_true", help=f"download {cifake.KAGGLE_DATASET} with kagglehub")
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


def main(argv=None) -> int:
    """Fill, count, report."""
    args = parse_args(argv)
    args.dest.mkdir(parents=True, exist_ok=True)
    if args.source or args.kaggle:
        source = cifake.download_from_kaggle() if args.kaggle else args.source
        written = cifake.fill_from(source, args.dest)
        counts = cifake.count_images(args.dest)
        release = cifake.check_counts(counts, args.allow_partial)
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
