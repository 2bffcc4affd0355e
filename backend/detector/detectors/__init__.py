"""Bring your own detector: any ONNX or Keras image classifier as pixel evidence, measured before it speaks.

A detector is a folder (folder.py): an optimum-exported ONNX classifier, or a
Keras model with a small manifest. Its labels are read against a vocabulary
(labels.py), its pictures prepared as its own configuration says
(inputs.py), and it is loaded without trusting it (runtime.py). `detector
models measure` judges it on labelled pictures, per source never seen
(measure.py), and detectors measured on the same pictures may be stacked
(combine.py). The registry (registry.py) serves them; the verdict
(detector.verdict) alone decides what their evidence may settle.
"""
