"""Synthetic images in the Kaggle layout, and running the scripts as a user would."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SCRIPTS = Path(__file__).resolve().parent.parent
IMAGES_PER_CLASS = 24


def synthetic_image(label: str, rng: np.random.Generator) -> bytes:
    """A 32x32 JPEG: smooth gradients stand in for REAL, blocky noise for FAKE."""
    if label == "REAL":
        y, x = np.mgrid[0:32, 0:32]
        base = (x * rng.uniform(2, 8) + y * rng.uniform(2, 8)) % 256
        pixels = np.stack([base, base[::-1], np.full_like(base, rng.integers(0, 256))], axis=-1)
    else:
        blocks = rng.integers(0, 256, (8, 8, 3))
        pixels = np.kron(blocks, np.ones((4, 4, 1)))
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def write_dataset(root: Path, per_class: int = IMAGES_PER_CLASS, seed: int = 0) -> Path:
    """train/ and test/ with REAL/ and FAKE/ folders of synthetic JPEGs under root."""
    rng = np.random.default_rng(seed)
    for split in ("train", "test"):
        for label in ("REAL", "FAKE"):
            folder = root / split / label
            folder.mkdir(parents=True)
            for i in range(per_class):
                (folder / f"{i}.jpg").write_bytes(synthetic_image(label, rng))
    return root


def run_script(name: str, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    """Run scripts/<name>.py as a user would, capturing its output."""
    return subprocess.run([sys.executable, str(SCRIPTS / f"{name}.py"), *args],
                          capture_output=True, text=True, timeout=timeout)
