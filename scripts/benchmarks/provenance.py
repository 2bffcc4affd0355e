"""Measure what reading provenance adds to a prediction, in-process (no HTTP, no model).

    python -m scripts.benchmarks.provenance [--repeats 50] [--signed FILE ...]

Times detector.provenance.read_provenance on a 32x32 JPEG, a 12-megapixel
camera JPEG with EXIF (no Content Credentials: the common case), a PNG with
generator settings, and any signed files given, after one warm-up call that
also parses the trust lists. Prints p50 and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "backend"))


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--signed", type=Path, nargs="*", default=[], help="files with Content Credentials")
    return parser.parse_args(argv)


def samples() -> dict[str, bytes]:
    """The generated test files."""
    rng = np.random.default_rng(0)
    small = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(small, "JPEG", quality=90)
    # Gradients plus a little noise compress like a photo (a few MB).
    y, x = np.mgrid[0:3000, 0:4000]
    photo = np.stack([(x // 16) % 256, (y // 12) % 256, ((x + y) // 20) % 256], axis=-1)
    photo = (photo + rng.integers(0, 24, photo.shape)).clip(0, 255).astype(np.uint8)  # sensor-like noise
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = "Canon", "Canon EOS R5", "Firmware 1.8.1"
    exif.get_ifd(0x8769)[0x9003] = "2024:06:01 09:30:00"
    large = io.BytesIO()
    Image.fromarray(photo).save(large, "JPEG", quality=90, exif=exif)
    info = PngInfo()
    info.add_text("parameters", "a lighthouse at dusk\nNegative prompt: blurry\nSteps: 20, Sampler: Euler, Seed: 1")
    generated = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (512, 512, 3), dtype=np.uint8)).save(generated, "PNG", pnginfo=info)
    return {
        "32x32 JPEG": small.getvalue(),
        "12 MP camera JPEG (EXIF)": large.getvalue(),
        "512x512 PNG with A1111 parameters": generated.getvalue(),
    }


def main(argv=None) -> int:
    """Print p50/p95 per file."""
    args = parse_args(argv)
    from detector.provenance import read_provenance, warm_up

    started = time.perf_counter()
    warm_up()
    print(f"trust lists parsed once per process: {(time.perf_counter() - started) * 1000:.1f} ms")
    files = samples() | {f"{path.name} (signed)": path.read_bytes() for path in args.signed}
    for name, data in files.items():
        read_provenance(data)
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            read_provenance(data)
            times.append((time.perf_counter() - started) * 1000)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{name:45s} {len(data) / 1e6:6.2f} MB  p50 {statistics.median(times):7.2f} ms  p95 {p95:7.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
