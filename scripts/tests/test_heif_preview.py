"""benchmarks/heif_preview.py: the model's answer from a HEIC's preview against the whole picture."""

from __future__ import annotations

import csv
import gzip
import io
import json

import numpy as np
import pillow_heif
from benchmarks import heif_preview


def heic(with_preview: bool, seed: int = 0) -> bytes:
    """A photo-like 512x384 HEIC as phones store theirs (8x6 tiles), with a 160x120 preview or none."""
    picture = heif_preview.hostile_files.photo_like((512, 384), seed=seed)
    buffer = io.BytesIO()
    picture.save(buffer, format="HEIF", quality=80, thumbnails=[160] if with_preview else [], tile_size=64)
    return buffer.getvalue()


def test_full_and_preview_reads_the_picture_both_ways_and_restores_the_option():
    full, preview = heif_preview.full_and_preview(heic(True))
    assert full.preview is None and full.decoded_pixels == 512 * 384
    assert preview.preview == (160, 120) and preview.decoded_pixels == 160 * 120 + 8 * 64 * 64  # and 8 tiles
    assert pillow_heif.options.THUMBNAILS is True
    assert heif_preview.full_and_preview(heic(False)) is None


def test_summary_counts_flips_and_accuracy_both_ways():
    full = np.array([0.9, 0.6, 0.2, 0.4])
    preview = np.array([0.8, 0.4, 0.3, 0.6])
    result = heif_preview.summary(np.abs(full - preview), [1, 1, 0, 0], full, preview, 0.5)
    assert result["pictures"] == 4 and result["labels_flipped"] == 2
    assert result["max_abs_change"] == 0.2 and result["mean_abs_change"] == 0.15
    assert result["accuracy_full"] == 1.0 and result["accuracy_preview"] == 0.5
    unlabelled = heif_preview.summary(np.abs(full - preview), [None] * 4, full, preview, 0.5)
    assert "accuracy_full" not in unlabelled


def test_sampled_rows_take_each_source_of_the_split_with_both_labels(tmp_path):
    manifest = tmp_path / "manifest.csv.gz"
    rows = [
        {"source": source, "label": label, "split": split, "path": f"{source}/{label}/{i}.jpg"}
        for source, split in (("alpha", "val"), ("beta", "val"), ("gamma", "train"))
        for label in ("REAL", "FAKE")
        for i in range(10)
    ]
    with gzip.open(manifest, "wt", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    chosen = heif_preview.sampled_rows(manifest, "val", per_source=6)
    counts = {(row["source"], row["label"]): 0 for row in chosen}
    for row in chosen:
        counts[(row["source"], row["label"])] += 1
    assert counts == {("alpha", "FAKE"): 3, ("alpha", "REAL"): 3, ("beta", "FAKE"): 3, ("beta", "REAL"): 3}


def test_main_reports_phone_heics_and_counts_those_without_a_preview(tmp_path):
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "IMG_0001.HEIC").write_bytes(heic(True, seed=1))
    (folder / "IMG_0002.heic").write_bytes(heic(False, seed=2))
    (folder / "notes.txt").write_text("not a picture")
    out = tmp_path / "report.json"
    assert heif_preview.main(["--heic", str(folder), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["files"] == 2 and report["without_preview"] == 1
    assert report["groups"]["phone HEIC files"]["pictures"] == 1


class MeanBrightness:
    """A stand-in for the model: P(REAL) is the picture's mean brightness."""

    threshold = 0.5

    def predict(self, pixels: np.ndarray) -> np.ndarray:
        return pixels.reshape(len(pixels), -1).mean(axis=1) / 255


def test_compare_summarises_each_group_and_all_labelled_pictures_together():
    items = [
        ("alpha", 1, heic(True, seed=1)),
        ("alpha", 0, heic(True, seed=2)),
        ("beta", 1, heic(True, seed=3)),
        ("phone HEIC files", None, heic(True, seed=4)),
        ("beta", 0, heic(False, seed=5)),
    ]
    report, without = heif_preview.compare(items, MeanBrightness())
    assert without == 1
    assert {group: row["pictures"] for group, row in report.items()} == {
        "alpha": 2,
        "beta": 1,
        "phone HEIC files": 1,
        "all labelled": 3,
    }
    assert "accuracy_full" in report["all labelled"] and "accuracy_full" not in report["phone HEIC files"]
