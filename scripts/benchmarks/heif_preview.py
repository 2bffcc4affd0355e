"""How far reading a HEIC's stored preview moves the pixel model's answer.

    python -m scripts.benchmarks.heif_preview --heic PHONE_HEICS/
    python -m scripts.benchmarks.heif_preview --manifest dataset/native/manifest.csv.gz --mirrors MIRRORS \
        --per-source 12

Phones store a small preview in a HEIC (an iPhone's is 320x240), and the service
reads it instead of decoding the whole HEVC picture, as it decodes a JPEG at
reduced scale (backend/detector/preprocessing.py). This measures what that
changes: for each picture, P(REAL) from the full picture and from its preview,
both through the serving preprocessing and the shipped model.

The service reads a preview only after checking it against a few of the
picture's tiles (backend/detector/previews.py), so the HEICs made here are
stored in tiles, as phones store them.

    python -m scripts.benchmarks.heif_preview --tile-check PICTURES.zip --count 60

--tile-check measures that check instead, on pictures from a folder or a zip
(such as the modern set's): each is made a 1024x768 HEIC of 8x6 tiles with a
320x240 preview (an iPhone's layout at a quarter of its size), and every tile
is compared with its own preview and with the preview of the next picture (a
substituted preview). Prints how far each differs, and how often a substituted
preview would pass the check of previews.CHECKED_TILES random tiles.

--heic takes real HEIC files (or folders of them); those without a usable
preview are counted and left out. --manifest takes the native-resolution data
set (scripts/build_sources.py): up to --per-source pictures of each source in
--split are read from their git repositories, cut to --longest pixels on the
longer side (HEVC encoding is slow) and stored as HEIC with a 320-pixel
preview, as an iPhone stores one. Prints, per group, the mean and largest
change in P(REAL), how many labels flip at the threshold and the accuracy both
ways, and writes them to performance/heif_preview.json.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import os
import random
import sys
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageOps
from sources.gitfiles import locate, read_blobs
from sources.pictures import Unusable, open_picture
from training.common import DEFAULT_MODEL_PATH, PERFORMANCE_DIR, ROOT, SEED, load_classifier, progress, run_main

from detector import previews
from detector.preprocessing import ImageError, PreparedImage, prepare_image

sys.path.insert(0, str(ROOT / "backend" / "tests"))
import hostile_files  # noqa: E402  (substituted previews, made as the hostile-input benchmark makes them)

PREVIEW_SIDE = 320  # an iPhone's HEIC preview, on its longer side
# An iPhone stores its 4032x3024 pictures in 8 columns of 512x512 tiles.
TILE_COLUMNS = 8
# --tile-check: an iPhone's layout (8x6 tiles, a 320x240 preview) at a quarter of its size.
CHECK_SIZE = (1024, 768)


def full_and_preview(data: bytes) -> tuple[PreparedImage, PreparedImage] | None:
    """The model input from the whole picture and from its preview; None when no preview is read."""
    preview = prepare_image(data)
    if preview.preview is None:
        return None
    pillow_heif.options.THUMBNAILS = False  # previews unlisted: the picture is decoded in full
    try:
        full = prepare_image(data)
    finally:
        pillow_heif.options.THUMBNAILS = True
    return full, preview


def as_phone_heic(pixels: np.ndarray, longest: int, quality: int) -> bytes:
    """The picture as a HEIC with a 320-pixel preview, its longer side cut to at most longest."""
    image = Image.fromarray(pixels)
    image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    return phone_heic(image, quality)


def phone_heic(image: Image.Image, quality: int) -> bytes:
    """The picture as a phone stores it: in tiles (TILE_COLUMNS across) with a 320-pixel preview."""
    buffer = io.BytesIO()
    tile = -(-max(image.size) // TILE_COLUMNS)
    image.save(buffer, format="HEIF", quality=quality, thumbnails=[PREVIEW_SIDE], tile_size=tile)
    return buffer.getvalue()


def pictures_in(source: Path, count: int) -> list[Image.Image]:
    """Up to count pictures from a folder or a zip, cut and scaled to CHECK_SIZE, in a fixed random order."""
    if source.suffix == ".zip":
        archive = zipfile.ZipFile(source)
        names = sorted(name for name in archive.namelist() if not name.endswith("/"))
        read = archive.read
    else:
        names = sorted(str(path) for path in source.rglob("*") if path.is_file())
        read = lambda name: Path(name).read_bytes()  # noqa: E731
    random.Random(SEED).shuffle(names)
    found = []
    for name in names:
        if len(found) == count:
            break
        try:
            with Image.open(io.BytesIO(read(name))) as picture:
                found.append(ImageOps.fit(picture.convert("RGB"), CHECK_SIZE, Image.Resampling.LANCZOS))
        except (OSError, ValueError, SyntaxError):
            continue
    return found


def all_tile_differences(data: bytes) -> list[float]:
    """The service's check over every tile of a HEIC's picture against its stored preview."""
    check = previews.plan(data, count=None)
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (64, 64))  # the preview, as the service reads it
        return previews.tile_differences(data, check, image)


def tile_check(source: Path, count: int, quality: int) -> dict:
    """Every tile's difference from its own preview and from the next picture's, over count pictures."""
    heics = [phone_heic(picture, quality) for picture in progress(pictures_in(source, count), "encoding")]
    own, other = [], []
    for index, data in enumerate(progress(heics, "checking")):
        own.append(all_tile_differences(data))
        other.append(all_tile_differences(hostile_files.heic_with_preview_of(data, heics[(index + 1) % len(heics)])))
    largest_own = np.array([max(values) for values in own])
    tiles = len(own[0])
    # A substituted preview passes when every checked tile is within the limit.
    passing = [math.comb(sum(v <= previews.MAX_DIFFERENCE for v in values), previews.CHECKED_TILES) for values in other]
    passes = np.array(passing) / math.comb(tiles, previews.CHECKED_TILES)
    return {
        "pictures": len(heics),
        "tiles": tiles,
        "own_preview_largest_tile_difference": _spread(largest_own),
        "own_previews_refused": int(np.sum(largest_own > previews.MAX_DIFFERENCE)),
        "other_preview_tile_difference": _spread(np.concatenate([np.array(values) for values in other])),
        "other_preview_chance_to_pass": {"mean": round(float(passes.mean()), 4), "max": round(float(passes.max()), 4)},
        "max_difference": previews.MAX_DIFFERENCE,
        "checked_tiles": previews.CHECKED_TILES,
    }


def _spread(values: np.ndarray) -> dict:
    """Median, 5th and 95th percentiles, least and largest, rounded."""
    points = {"min": 0, "p5": 5, "median": 50, "p95": 95, "max": 100}
    return {name: round(float(np.percentile(values, point)), 2) for name, point in points.items()}


def heic_files(paths: list[Path]) -> list[Path]:
    """The HEIC/HEIF files named, or found in the folders named."""
    found = []
    for path in paths:
        members = sorted(path.rglob("*")) if path.is_dir() else [path]
        found += [each for each in members if each.suffix.lower() in (".heic", ".heif")]
    return found


def sampled_rows(manifest: Path, split: str, per_source: int) -> list[dict]:
    """Up to per_source manifest rows of each source in split, half of each label where there are both."""
    groups = defaultdict(list)
    with gzip.open(manifest, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["split"] == split:
                groups[(row["source"], row["label"])].append(row)
    rng, chosen = random.Random(SEED), []
    labels_per_source = Counter(source for source, _label in groups)
    for (source, _label), rows in sorted(groups.items()):
        rng.shuffle(rows)
        chosen += rows[: max(1, per_source // labels_per_source[source])]
    return chosen


def dataset_heics(args) -> list[tuple[str, int | None, bytes]]:
    """(source, label 1 = REAL, HEIC bytes) for the sampled pictures of the native data set."""
    rows = sampled_rows(args.manifest, args.split, args.per_source)
    by_repo = defaultdict(list)
    for row in rows:
        by_repo[(row["repo"], row["commit"])].append(row)
    made = []
    for (repo, commit), members in progress(sorted(by_repo.items()), "repositories"):
        git_dir = locate(repo, commit, args.mirrors, None, "")
        names = [f"{commit}:{row['path']}" for row in members]
        for row, (_name, data) in zip(members, read_blobs(git_dir, names), strict=True):
            if data is None:
                continue
            try:
                picture = open_picture(data)
            except Unusable:
                continue
            heic = as_phone_heic(picture.pixels, args.longest, args.quality)
            made.append((row["source"], int(row["label"] == "REAL"), heic))
    return made


def summary(changes: np.ndarray, labels: list, full: np.ndarray, preview: np.ndarray, threshold: float) -> dict:
    """How far P(REAL) moved, how many labels flipped, and the accuracy both ways where labels are known."""
    flips = int(np.sum((full >= threshold) != (preview >= threshold)))
    result = {
        "pictures": len(changes),
        "mean_abs_change": round(float(np.mean(changes)), 4),
        "p95_abs_change": round(float(np.percentile(changes, 95)), 4),
        "max_abs_change": round(float(np.max(changes)), 4),
        "labels_flipped": flips,
    }
    if labels and None not in labels:
        truth = np.asarray(labels)
        result["accuracy_full"] = round(float(np.mean((full >= threshold) == truth)), 4)
        result["accuracy_preview"] = round(float(np.mean((preview >= threshold) == truth)), 4)
    return result


def compare(items: list[tuple[str, int | None, bytes]], classifier) -> tuple[dict, int]:
    """Per group: the summary of full vs preview answers; and how many items had no usable preview."""
    read, without = [], 0
    for group, label, data in progress(items, "decoding"):
        try:
            pair = full_and_preview(data)
        except ImageError:
            pair = None
        if pair is None:
            without += 1
        else:
            read.append((group, label, *pair))
    if not read:
        return {}, without
    # One pass of the model over every picture, both ways; groups are summarised from these answers.
    full = classifier.predict(np.stack([whole.pixels for _group, _label, whole, _preview in read]))
    preview = classifier.predict(np.stack([small.pixels for _group, _label, _whole, small in read]))
    groups = np.array([group for group, _label, _whole, _preview in read])
    labels = [label for _group, label, _whole, _preview in read]

    def summarised(rows: np.ndarray) -> dict:
        chosen = [labels[i] for i in np.flatnonzero(rows)]
        return summary(np.abs(full - preview)[rows], chosen, full[rows], preview[rows], classifier.threshold)

    report = {group: summarised(groups == group) for group in sorted(set(groups))}
    labelled = np.array([label is not None for label in labels])
    if len(report) > 1 and labelled.any():
        report["all labelled"] = summarised(labelled)
    return report, without


def print_table(report: dict) -> None:
    print(
        "| group | pictures | mean abs change in P(REAL) | 95th pct | largest | labels flipped "
        "| accuracy full / preview |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for group, row in report.items():
        accuracy = f"{row['accuracy_full']:.3f} / {row['accuracy_preview']:.3f}" if "accuracy_full" in row else "-"
        print(
            f"| {group} | {row['pictures']} | {row['mean_abs_change']:.4f} | {row['p95_abs_change']:.4f} | "
            f"{row['max_abs_change']:.4f} | {row['labels_flipped']} | {accuracy} |"
        )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--heic", type=Path, nargs="*", default=[], help="real HEIC files or folders of them")
    parser.add_argument("--tile-check", type=Path, help="measure the preview check on pictures of a folder or zip")
    parser.add_argument("--count", type=int, default=60, help="pictures for --tile-check")
    parser.add_argument("--manifest", type=Path, help="manifest.csv.gz of the native-resolution data set")
    parser.add_argument("--mirrors", type=Path, default=os.environ.get("SOURCES_MIRRORS"), help="git mirrors")
    parser.add_argument("--split", default="val", help="which split of the data set to sample")
    parser.add_argument("--per-source", type=int, default=12, help="pictures per source")
    parser.add_argument("--longest", type=int, default=2048, help="longer side of the HEICs made, in pixels")
    parser.add_argument("--quality", type=int, default=80, help="HEVC quality of the HEICs made")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--out", type=Path, default=PERFORMANCE_DIR / "heif_preview.json")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.tile_check:
        report = tile_check(args.tile_check, args.count, args.quality)
        print(json.dumps(report, indent=1))
        out = args.out.with_name("heif_preview_check.json")
        out.write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {out}")
        return 0
    items = [("phone HEIC files", None, path.read_bytes()) for path in heic_files(args.heic)]
    if args.manifest:
        items += dataset_heics(args)
    if not items:
        raise SystemExit("nothing to compare: pass --heic and/or --manifest")
    classifier = load_classifier(args.model)
    report, without = compare(items, classifier)
    print_table(report)
    print(f"{without} of {len(items)} files had no preview the service reads")
    summary_json = {"groups": report, "without_preview": without, "files": len(items)}
    args.out.write_text(json.dumps(summary_json, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    run_main(main)
