"""Time per picture of each kind of detector: the built-in 32x32 model, an ONNX one, a Keras one.

    python -m scripts.benchmarks.detectors                      # small stand-ins built here, 1024x768 JPEGs
    python -m scripts.benchmarks.detectors --detector DIR ...   # also your own detector folders
    python -m scripts.benchmarks.detectors --out performance/detectors_benchmark.json

What a request pays for a detector's line, per picture, as the service runs it
(one intra-op thread, warmed up): decoding the picture again at the size the
detector needs plus its own preprocessing ("view"), and the model itself
("model"), for one picture at a time (a single upload) and for a batch of
--batch pictures. The built-in model reads the 32x32 picture the upload's
decoding already made, so it has no view cost. The ONNX and Keras stand-ins are
small convolutional networks built from scratch at 224x224 (the project ships
no third-party weights): they time the runtime and the pipeline, not a large
pretrained network; pass your exported detectors with --detector to time those.
Medians of --repeats runs.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from training.common import ROOT, run_main

from detector.detectors.folder import read_folder
from detector.detectors.inputs import Picture
from detector.detectors.runtime import BuiltinDetector, load
from detector.preprocessing import prepare_image

sys.path.insert(0, str(ROOT / "backend" / "tests"))
from detector_folders import keras_classifier, onnx_classifier  # noqa: E402

SIDE = 224
MODEL_DIR = ROOT / "backend" / "model"


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detector", type=Path, action="append", default=[], help="a detector folder to time too")
    parser.add_argument("--pictures", type=int, default=16, help="pictures per run (default 16)")
    parser.add_argument("--size", default="1024x768", help="size of the JPEG pictures (default 1024x768)")
    parser.add_argument("--batch", type=int, default=16, help="pictures per call in the batch timing")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    return parser.parse_args(argv)


def pictures(count: int, size: tuple[int, int]) -> list[bytes]:
    """Photo-like JPEGs: smooth colour fields with grain."""
    rng = np.random.default_rng(0)
    width, height = size
    files = []
    for _ in range(count):
        field = np.linspace(0, 1, width)[None, :, None] * rng.uniform(60, 200, 3) + rng.uniform(0, 50, 3)
        pixels = np.clip(field + rng.normal(0, 12, (height, width, 3)), 0, 255).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
        files.append(buffer.getvalue())
    return files


def fresh(datas: list[bytes]) -> list[Picture]:
    """The uploads as the API holds them after its own decoding (no detector view made yet)."""
    return [Picture(data, prepare_image(data)) for data in datas]


def timed(run, repeats: int) -> float:
    """Median seconds of run() over repeats."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def time_detector(detector, datas: list[bytes], batch: int, repeats: int) -> dict:
    """Milliseconds per picture: the view (decoding again and preprocessing), the model one by one and in batches."""
    sample = fresh(datas)
    view = timed(lambda: [detector.tensor(picture) for picture in fresh(datas)], repeats) - timed(
        lambda: fresh(datas), repeats
    )
    for picture in sample:  # views made once, so the model timings below are of the model alone
        detector.tensor(picture)
    single = timed(lambda: [detector.probability_real([picture]) for picture in sample], repeats)
    batched = timed(
        lambda: [detector.probability_real(sample[i : i + batch]) for i in range(0, len(sample), batch)], repeats
    )
    count = len(datas)
    return {
        "view_ms": round(max(view, 0.0) / count * 1000, 2),
        "model_ms_one_at_a_time": round(single / count * 1000, 2),
        "model_ms_batched": round(batched / count * 1000, 2),
    }


def main(argv=None) -> int:
    """Build the stand-ins, time every detector, print a table."""
    args = parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    datas = pictures(args.pictures, (width, height))
    from training.common import load_classifier

    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        detectors = {
            "builtin (Keras, 32x32)": BuiltinDetector(
                read_folder(MODEL_DIR), load_classifier(MODEL_DIR / "classifier.h5")
            ),
            "ONNX stand-in (224x224)": load(read_folder(onnx_classifier(folder / "onnx", side=SIDE, channels=32))),
            "Keras stand-in (224x224)": load(read_folder(keras_classifier(folder / "keras", side=SIDE))),
        }
        detectors.update(
            {f"{path.name} ({read_folder(path).format})": load(read_folder(path)) for path in args.detector}
        )
        for name, detector in detectors.items():
            rows[name] = time_detector(detector, datas, args.batch, args.repeats)
    print(f"{args.pictures} JPEG pictures of {width}x{height}, median of {args.repeats} runs, one intra-op thread")
    print(f"{'detector':<28} {'view ms':>8} {'model ms (1)':>13} {'model ms (batch)':>17}")
    for name, row in rows.items():
        print(
            f"{name:<28} {row['view_ms']:>8.2f} {row['model_ms_one_at_a_time']:>13.2f} {row['model_ms_batched']:>17.2f}"
        )
    if args.out:
        args.out.write_text(
            json.dumps({"pictures": args.pictures, "size": [width, height], "per_picture": rows}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    run_main(main)
