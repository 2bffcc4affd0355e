"""Build the native-resolution data set from the listed repositories: manifest, shrunk pictures, crops.

    python scripts/build_sources.py --mirrors DIR --dest dataset/native        # local git mirrors
    python scripts/build_sources.py --clone-into dataset/git --dest dataset/native   # git clone each

Order: read each rule's files from git at its pinned commit (or its history); drop exact duplicates
(SHA-1 of the bytes) and files that are not usable pictures; drop perceptual near-duplicates across
the whole set (groups whose copies disagree on the label are dropped entirely); assign whole sources
to cross-validation folds. Writes into DEST:

    manifest.csv.gz     one row per picture (source, label, generator, size, format, JPEG quality, SHA-1, split, fold)
    modern-images.zip   each picture shrunk to at most 256 px, JPEG q95: what the 32x32 network trains on
                        (the layout of the modern set, so `train.py --modern DEST` reads it)
    crops.npy           (n, CROPS, S, S, 3) uint8: random S x S crops at native resolution, for training
    grid.npy            (n, ROWS*COLS, S, S, 3) uint8: crops on a fixed grid, as inference scores them
    build_report.json   what each rule found and why files were left out
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import re
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from detector.cli.base import UserError

from . import catalogue, dedup, folds, gitfiles, pictures

MANIFEST_COLUMNS = [
    "file", "label", "source", "generator", "orig_width", "orig_height", "orig_format", "jpeg_quality",
    "file_size", "sha1_original", "split", "fold", "repo", "commit", "path",
]  # fmt: skip


@dataclass
class Candidate:
    """One usable picture before near-duplicates are dropped."""

    rule: catalogue.Rule
    path: str
    sha1: str
    picture: pictures.Picture
    phash: int
    shrunk: bytes
    crops: np.ndarray
    grid: np.ndarray


@dataclass
class Report:
    """Counts for build_report.json: found per rule, and files left out per source and reason."""

    found: dict[str, dict] = field(default_factory=dict)
    dropped: Counter = field(default_factory=Counter)

    def drop(self, source: str, reason: str, count: int = 1) -> None:
        self.dropped[f"{source}: {reason}"] += count


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, default=Path("dataset/sources.csv"), help="the source list")
    parser.add_argument("--mirrors", type=Path, help="folder of local git mirrors (owner+name/, owner/name/ or name/)")
    parser.add_argument("--clone-into", type=Path, help="clone repositories missing from --mirrors here (bare)")
    parser.add_argument("--url-base", default="https://github.com", help="where --clone-into clones from")
    parser.add_argument("--dest", type=Path, default=Path("dataset/native"))
    parser.add_argument("--crop-size", type=int, default=96)
    parser.add_argument("--crops", type=int, default=8, help="random crops kept per picture")
    parser.add_argument("--grid", default="3x3", help="ROWSxCOLS of the fixed inference grid")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds of whole sources")
    parser.add_argument("--only", nargs="*", help="build only these source tags (for a quick look)")
    args = parser.parse_args(argv)
    if not (args.mirrors or args.clone_into):
        parser.error("give --mirrors, --clone-into or both")
    if not re.fullmatch(r"\d+x\d+", args.grid):
        parser.error("--grid is ROWSxCOLS, for example 3x3")
    return args


def collect(args, rules: list[catalogue.Rule], report: Report) -> list[Candidate]:
    """Every usable picture the rules find, in rule order, exact duplicates dropped."""
    rows, columns = (int(n) for n in args.grid.split("x"))
    by_repository: dict[tuple[str, str], list[catalogue.Rule]] = defaultdict(list)
    for rule in rules:
        by_repository[rule.repo, rule.commit].append(rule)
    label_of_sha1: dict[str, str] = {}
    candidates: list[Candidate] = []
    for (repo, commit), repo_rules in by_repository.items():
        try:
            git_dir = gitfiles.locate(repo, commit, args.mirrors, args.clone_into, args.url_base)
        except gitfiles.RepositoryMissing as error:
            raise UserError(str(error)) from None
        files = list(gitfiles.tree_files(git_dir, commit, any(rule.all_history for rule in repo_rules)))
        for rule in repo_rules:
            history = files if rule.all_history else list(gitfiles.tree_files(git_dir, commit, False))
            matched = [(path, blob) for path, blob in history if rule.matches(path)]
            blob_paths = {blob: path for path, blob in reversed(matched)}  # first path of each blob
            found = {"glob": rule.glob, "files": len(matched), "distinct": len(blob_paths), "missing": 0, "usable": 0}
            for blob, data in gitfiles.read_blobs(git_dir, list(blob_paths)):
                if data is None:
                    found["missing"] += 1
                    continue
                sha1 = hashlib.sha1(data).hexdigest()
                if sha1 in label_of_sha1:
                    reason = "same bytes as an earlier file" if label_of_sha1[sha1] == rule.label else "conflict"
                    if reason == "conflict":
                        label_of_sha1[sha1] = "conflict"
                    report.drop(rule.tag, reason)
                    continue
                label_of_sha1[sha1] = rule.label
                try:
                    picture = pictures.open_picture(data)
                except pictures.Unusable as why:
                    report.drop(rule.tag, str(why))
                    continue
                rng = np.random.default_rng(int(sha1[:16], 16))  # the same crops whatever the build order
                candidates.append(
                    Candidate(
                        rule=rule,
                        path=blob_paths[blob],
                        sha1=sha1,
                        picture=picture,
                        phash=dedup.perceptual_hash(picture.pixels),
                        shrunk=pictures.shrunk_jpeg(picture),
                        crops=pictures.random_crops(picture.pixels, args.crops, args.crop_size, rng),
                        grid=pictures.grid_crops(picture.pixels, rows, columns, args.crop_size),
                    )
                )
                picture.pixels = None  # keep the crops and facts, not the whole picture
                found["usable"] += 1
            report.found[f"{rule.tag}/{rule.label}/{rule.split}"] = {**found, "expected_at_commit": rule.expected_files}
            print(f"{rule.tag:14} {rule.label}: {found['files']:5} files, {found['usable']:5} usable", flush=True)
    # A file seen under both labels is dropped wherever it was kept.
    conflicted = {sha1 for sha1, label in label_of_sha1.items() if label == "conflict"}
    for candidate in candidates:
        if candidate.sha1 in conflicted:
            report.drop(candidate.rule.tag, "conflict")
    return [candidate for candidate in candidates if candidate.sha1 not in conflicted]


def file_name(candidate: Candidate) -> str:
    """The picture's name in the zip: label, source, a readable form of its path, and its SHA-1."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(candidate.path).stem)[:60]
    return f"{candidate.rule.label}/{candidate.rule.tag}__{readable}__{candidate.sha1[:10]}.jpg"


def write(dest: Path, kept: list[Candidate], fold_of: dict[str, int], report: Report) -> None:
    """The manifest, the zip of shrunk pictures, the crop arrays and the report."""
    dest.mkdir(parents=True, exist_ok=True)
    with gzip.open(dest / "manifest.csv.gz", "wt", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for candidate in kept:
            rule, picture = candidate.rule, candidate.picture
            writer.writerow(
                {
                    "file": file_name(candidate),
                    "label": rule.label,
                    "source": rule.tag,
                    "generator": "" if rule.label == "REAL" else rule.generators or "unspecified",
                    "orig_width": picture.width,
                    "orig_height": picture.height,
                    "orig_format": picture.format,
                    "jpeg_quality": picture.jpeg_quality or "",
                    "file_size": picture.file_size,
                    "sha1_original": candidate.sha1,
                    "split": rule.split,
                    "fold": fold_of[rule.tag],
                    "repo": rule.repo,
                    "commit": rule.commit,
                    "path": candidate.path,
                }
            )
    with zipfile.ZipFile(dest / "modern-images.zip", "w", zipfile.ZIP_STORED) as archive:
        for candidate in kept:
            archive.writestr(file_name(candidate), candidate.shrunk)
    np.save(dest / "crops.npy", np.stack([candidate.crops for candidate in kept]))
    np.save(dest / "grid.npy", np.stack([candidate.grid for candidate in kept]))
    counts = Counter((c.rule.tag, c.rule.label, c.rule.split) for c in kept)
    summary = {
        "pictures": len(kept),
        "per_source": {f"{tag}/{label}/{split}": n for (tag, label, split), n in sorted(counts.items())},
        "folds": fold_of,
        "found": report.found,
        "dropped": dict(sorted(report.dropped.items())),
    }
    (dest / "build_report.json").write_text(json.dumps(summary, indent=2) + "\n")


def main(argv=None) -> int:
    """Build the data set; exit status 0."""
    args = parse_args(argv)
    rules = catalogue.read_rules(args.sources)
    if args.only:
        rules = [rule for rule in rules if rule.tag in args.only]
    report = Report()
    candidates = collect(args, rules, report)
    groups = dedup.near_duplicate_groups([candidate.phash for candidate in candidates])
    reasons = dedup.drop_reasons(groups, [candidate.rule.label for candidate in candidates])
    for candidate, reason in zip(candidates, reasons, strict=True):
        if reason:
            report.drop(candidate.rule.tag, reason)
    kept = [candidate for candidate, reason in zip(candidates, reasons, strict=True) if reason is None]
    duplicates, conflicts = reasons.count(dedup.DUPLICATE), reasons.count(dedup.CONFLICT)
    fold_of = folds.assign_folds([candidate.rule.tag for candidate in kept], min(args.folds, len(rules)))
    write(args.dest, kept, fold_of, report)
    print(f"{len(kept):,} pictures ({duplicates} near-duplicates and {conflicts} in conflicting groups dropped)")
    print(f"written to {args.dest}")
    return 0
