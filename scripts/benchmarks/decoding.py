"""What decoding costs per format: CPU time per decoded megapixel and per megabyte of coded data.

    python -m scripts.benchmarks.decoding   # HEIF, AVIF, JPEG (1/8 scale) against 8-bit PNG
    python -m scripts.benchmarks.decoding --sizes 1024x768 --repeats 3

The decode cost model in backend/detector/preprocessing.py counts a picture in
plain pixels: the pixels its decoder produces times the decoder's weight, plus
its coded bytes times a weight per byte for decoders whose work grows with the
bit rate (entropy decoding). This script measures those weights. For each
format it encodes photo-like pictures (smooth colour fields plus noise) at
several sizes and levels of detail, so each pixel count comes at several bit rates,
times `prepare_image` (CPU time, best of --repeats), and fits
time = a x decoded megapixels + b x megabytes by least squares. An 8-bit RGB
PNG is the unit: one plain pixel is what one PNG pixel costs. JPEG is measured
at the sizes of large phone photos, since it is decoded at 1/8 scale.
"""

from __future__ import annotations

import argparse
import io
import sys
import time

import numpy as np
from PIL import Image
from training.common import ROOT, run_main

from detector.preprocessing import DecodeLimits, prepare_image

sys.path.insert(0, str(ROOT / "backend" / "tests"))
from hostile_files import photo_like  # noqa: E402

# Noise levels: from a smooth picture (low bit rate) to a grainy one (high bit rate).
DETAIL = (1.0, 4.0, 12.0)
JPEG_SIZES = ((4032, 3024), (8192, 6144), (12000, 9000))
ENCODE = {"PNG": {}, "HEIF": {"quality": 85}, "AVIF": {"quality": 75}, "JPEG": {"quality": 92}}
UNLIMITED = DecodeLimits(max_pixels=10**13, free_pixels=10**13)


def large_photo(size: tuple[int, int], noise: float) -> Image.Image:
    """A large photo-like picture tiled from a 12 MP one (JPEG codes each 8x8 block alone)."""
    tile = np.asarray(photo_like((4032, 3024), noise, seed=0))
    width, height = size
    reps = (-(-height // tile.shape[0]), -(-width // tile.shape[1]), 1)
    return Image.fromarray(np.tile(tile, reps)[:height, :width])


def encode(image: Image.Image, image_format: str) -> bytes:
    """The picture as a file in image_format, with this benchmark's options."""
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **ENCODE[image_format])
    return buffer.getvalue()


def cpu_ms(data: bytes, repeats: int) -> tuple[float, int]:
    """Best CPU time of prepare_image over repeats (after one untimed warm-up), and the pixels decoded."""
    prepare_image(data, limits=UNLIMITED)
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        prepared = prepare_image(data, limits=UNLIMITED)
        best = min(best, (time.process_time() - started) * 1000)
    return best, prepared.decoded_pixels


def fit(samples: list[tuple[float, float, float]], per_byte: bool) -> tuple[float, float]:
    """Least squares ms = a x megapixels (+ b x megabytes), through the origin."""
    rows = np.array([(mp, mb) if per_byte else (mp,) for mp, mb, _ in samples])
    times = np.array([ms for _, _, ms in samples])
    solution, *_ = np.linalg.lstsq(rows, times, rcond=None)
    return float(solution[0]), float(solution[1]) if per_byte else 0.0


def measure(image_format: str, pictures: list[Image.Image], repeats: int) -> list[tuple[float, float, float]]:
    samples = []
    for picture in pictures:
        data = encode(picture, image_format)
        ms, decoded = cpu_ms(data, repeats)
        samples.append((decoded / 1e6, len(data) / 1e6, ms))
        print(
            f"  {image_format:5} {picture.width}x{picture.height}: {len(data) / 1e6:6.2f} MB, "
            f"{decoded / 1e6:6.2f} MP decoded, {ms:7.1f} ms CPU",
            flush=True,
        )
    return samples


def main(argv=None) -> int:
    """Measure every format and print the weights for preprocessing.DECODE_WEIGHTS and BYTE_WEIGHTS."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="512x384,1024x768,1536x1152", help="picture sizes for PNG, HEIF and AVIF")
    parser.add_argument("--repeats", type=int, default=5, help="decodes per file; the fastest counts")
    args = parser.parse_args(argv)
    sizes = [tuple(int(side) for side in size.split("x")) for size in args.sizes.split(",")]

    pictures = [photo_like(size, noise, seed=0) for size in sizes for noise in DETAIL]
    png_ms_per_mp, _ = fit(measure("PNG", pictures, args.repeats), per_byte=False)
    rows = [("PNG (unit)", png_ms_per_mp, 0.0)]
    for image_format in ("HEIF", "AVIF"):
        rows.append((image_format, *fit(measure(image_format, pictures, args.repeats), per_byte=True)))
    jpegs = [large_photo(jpeg_size, noise) for jpeg_size in JPEG_SIZES for noise in DETAIL[1:]]
    rows.append(("JPEG at 1/8", *fit(measure("JPEG", jpegs, args.repeats), per_byte=True)))

    print("\n| decoder | ms per decoded MP | ms per MB | weight per decoded pixel | weight per byte |")
    print("|---|---:|---:|---:|---:|")
    for name, per_mp, per_mb in rows:
        print(f"| {name} | {per_mp:.1f} | {per_mb:.1f} | {per_mp / png_ms_per_mp:.2f} | {per_mb / png_ms_per_mp:.3f} |")
    return 0


if __name__ == "__main__":
    run_main(main)
