"""Synthetic images in the Kaggle layout, and running the scripts as a user would."""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SCRIPTS = Path(__file__).resolve().parent.parent
IMAGES_PER_CLASS = 24


def synthetic_image(label: str, rng: np.random.Generator, size: tuple[int, int] = (32, 32)) -> bytes:
    """A JPEG of size (width, height): smooth gradients stand in for REAL, blocky noise for FAKE."""
    width, height = size
    if label == "REAL":
        y, x = np.mgrid[0:height, 0:width]
        base = (x * rng.uniform(2, 8) * 32 / width + y * rng.uniform(2, 8) * 32 / height) % 256
        pixels = np.stack([base, base[::-1], np.full_like(base, rng.integers(0, 256))], axis=-1)
    else:
        blocks = rng.integers(0, 256, (8, 8, 3))
        pixels = np.kron(blocks, np.ones((-(-height // 8), -(-width // 8), 1)))[:height, :width]
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def write_dataset(root: Path, per_class: int = IMAGES_PER_CLASS, seed: int = 0) -> Path:
    """train/ and test/ with REAL/ and FAKE/ folders of synthetic 32x32 JPEGs under root (CIFAKE's layout)."""
    rng = np.random.default_rng(seed)
    for split in ("train", "test"):
        for label in ("REAL", "FAKE"):
            folder = root / split / label
            folder.mkdir(parents=True)
            for i in range(per_class):
                (folder / f"{i}.jpg").write_bytes(synthetic_image(label, rng))
    return root


# Sources of the synthetic modern set and their split, as the real manifest holds whole sources out.
MODERN_SOURCES = {"alpha": "train", "beta": "train", "gamma": "val", "delta": "val"}
MODERN_PER_CLASS = 6


def write_modern(root: Path, per_class: int = MODERN_PER_CLASS, seed: int = 1) -> Path:
    """A modern set in the released layout (REAL/, FAKE/, manifest.csv.gz) of larger synthetic pictures."""
    rng = np.random.default_rng(seed)
    rows = []
    for source, split in MODERN_SOURCES.items():
        for label in ("REAL", "FAKE"):
            (root / label).mkdir(parents=True, exist_ok=True)
            for i in range(per_class):
                size = (int(rng.integers(80, 200)), int(rng.integers(80, 200)))
                name = f"{label}/{source}__{i}.jpg"
                (root / name).write_bytes(synthetic_image(label, rng, size))
                rows.append(
                    {
                        "file": name,
                        "label": label,
                        "source": source,
                        "generator": "none" if label == "REAL" else f"gen-{source}",
                        "orig_width": size[0] * 4,
                        "orig_height": size[1] * 4,
                        "orig_format": "JPEG",
                        "sha1_original": "",
                        "split": split,
                    }
                )
    with gzip.open(root / "manifest.csv.gz", "wt", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


def run_script(name: str, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    """Run scripts/<name>.py as a user would, capturing its output."""
    return subprocess.run(
        [sys.executable, str(SCRIPTS / f"{name}.py"), *args], capture_output=True, text=True, timeout=timeout
    )
