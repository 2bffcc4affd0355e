"""Benchmarks and measurements, run from the repository root as `python -m scripts.benchmarks.NAME`.

api           the API under gunicorn against a naive reference server: latency, throughput, worker memory
decoding      CPU time per decoded megapixel and per megabyte, per format: the decode cost model's weights
hostile       CPU time and peak memory of crafted small uploads (backend/tests/hostile_files.py)
provenance    what reading Content Credentials and metadata adds to a prediction, in-process
recycling     a long run: worker memory, replacements and health-check waits
scan          `detector scan` against the API on the same pictures
heif_preview  how far reading a HEIC's stored preview moves the model's answer
detectors     time per picture of each kind of detector: the built-in model, ONNX and Keras (docs/detectors.md)
"""
