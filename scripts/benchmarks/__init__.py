"""Benchmarks and measurements, run from the repository root as `python -m scripts.benchmarks.NAME`.

api           the API under gunicorn against a naive reference server: latency, throughput, worker memory
decoding      CPU time per decoded megapixel and per megabyte, per format: the decode cost model's weights
hostile       CPU time and peak memory of crafted small uploads (backend/tests/hostile_files.py)
provenance    what reading Content Credentials and metadata adds to a prediction, in-process
recycling     a long run: worker memory, replacements and health-check waits
scan          `detector scan` against the API on the same pictures
heif_preview  how far reading a HEIC's stored preview moves the model's answer
detectors     time per picture of each kind of detector: the built-in model, ONNX and Keras (docs/detectors.md)

scripts/ itself is no package (its top level holds only the commands): the commands run as
`python scripts/NAME.py`, which puts scripts/ first on sys.path, so its packages (training,
sources, forensic) import each other by their own names. Run as modules from the repository
root, the benchmarks put the same folder on the path here, so every module is found under one
name either way.
"""

import sys
from pathlib import Path

_SCRIPTS = str(Path(__file__).resolve().parent.parent)
if _SCRIPTS not in sys.path:
    sys.path.insert(0, _SCRIPTS)
