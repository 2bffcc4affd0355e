"""Loading a detector and running it: ONNX Runtime, Keras, or the built-in classifier already loaded.

Untrusted files are refused, not trusted: an ONNX model runs under ONNX
Runtime with only its standard operators (a model asking for custom operators
does not load), a Keras model loads with `safe_mode=True` and no custom
objects (a Lambda layer or a custom class asking for code is refused), and a
model whose input is not one picture tensor, or whose output does not match
its labels, is refused at load, before it is ever asked about a picture.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

import numpy as np

from ..contract import IMAGE_SIZE
from .folder import DetectorFolder
from .inputs import ImageSpec, Picture

# Pictures run through a detector at once: bounds the memory of one call.
BATCH_SIZE = 8
# The built-in model's input: the whole picture stretched to 32x32, pixels 0..255, channels last.
API_INPUT = ImageSpec(resize=(IMAGE_SIZE, IMAGE_SIZE), rescale=1.0, channels_first=False)
# Weight of the newest timing in the running estimate of seconds per picture.
TIMING_WEIGHT = 0.3


class LoadError(RuntimeError):
    """The model file cannot be used as a detector; the message names the file and says why."""


class Detector:
    """A loaded detector: P(REAL) for pictures, and how long a picture takes."""

    def __init__(self, folder: DetectorFolder, spec: ImageSpec, batch_limit: int | None = None):
        self.folder = folder
        self.spec = spec
        self.batch_limit = batch_limit or BATCH_SIZE
        self.seconds_per_picture = 0.0

    @property
    def name(self) -> str:
        """The detector's name."""
        return self.folder.name

    def probability_real(self, pictures: Sequence[Picture]) -> np.ndarray:
        """P(REAL) for each picture, in batches; updates the time a picture takes."""
        if not pictures:
            return np.empty(0)
        started = time.perf_counter()
        parts = []
        for start in range(0, len(pictures), self.batch_limit):
            batch = np.stack([self.tensor(picture) for picture in pictures[start : start + self.batch_limit]])
            parts.append(probability_real(self._run(batch), self.folder))
        elapsed = (time.perf_counter() - started) / len(pictures)
        self.seconds_per_picture = (
            elapsed
            if not self.seconds_per_picture
            else (1 - TIMING_WEIGHT) * self.seconds_per_picture + TIMING_WEIGHT * elapsed
        )
        return np.concatenate(parts)

    def tensor(self, picture: Picture) -> np.ndarray:
        """One picture as this detector's input."""
        if self.spec == API_INPUT:  # exactly what decoding made for the built-in model
            return picture.prepared.pixels.astype(np.float32)
        return self.spec.tensor(picture.view(self.spec.view_side))

    def _run(self, batch: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def warm_up(self) -> None:
        """Run once on a blank picture (checking the output's shape) and time a second run."""
        height, width = self.spec.output_size or (224, 224)
        blank = np.zeros((height, width, 3), np.float32)
        blank = (blank * self.spec.rescale - np.asarray(self.spec.mean)) / np.asarray(self.spec.std)
        batch = blank.transpose(2, 0, 1)[None] if self.spec.channels_first else blank[None]
        batch = batch.astype(np.float32)
        outputs = np.asarray(self._run(batch))
        _check_outputs(outputs, self.folder)
        started = time.perf_counter()
        self._run(batch)
        self.seconds_per_picture = time.perf_counter() - started


def probability_real(outputs: np.ndarray, folder: DetectorFolder) -> np.ndarray:
    """P(REAL) from a batch of outputs: the probability on the real side over both sides."""
    outputs = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1)
    if outputs.shape[1] == 1:  # one sigmoid unit: the probability of the second label
        p = 1 / (1 + np.exp(-outputs[:, 0])) if folder.output == "logits" else outputs[:, 0]
        probabilities = np.stack([1 - p, p], axis=1)
    elif folder.output == "logits":
        shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    else:
        probabilities = outputs
    probabilities = np.clip(np.nan_to_num(probabilities, nan=0.0), 0.0, None)
    real = probabilities[:, list(folder.labels.real)].sum(axis=1)
    ai = probabilities[:, list(folder.labels.ai)].sum(axis=1)
    return np.where(real + ai > 0, real / np.maximum(real + ai, 1e-300), 0.5)


def _check_outputs(outputs: np.ndarray, folder: DetectorFolder) -> None:
    """Refuse a model whose output per picture does not match its labels."""
    width = int(np.prod(outputs.shape[1:])) if outputs.ndim > 1 else 1
    labels = len(folder.labels.names)
    if outputs.ndim > 2 or not (width == labels or (width == 1 and labels == 2)):
        raise LoadError(
            f"{folder.model_file}: returns {list(outputs.shape[1:])} per picture, but its labels name {labels} outputs"
        )


class OnnxDetector(Detector):
    """An ONNX model run by ONNX Runtime on the CPU, one intra-op thread (the service's workers are its threads)."""

    def __init__(self, folder: DetectorFolder):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # errors reach the caller as exceptions; no warnings on stderr
        try:
            self.session = onnxruntime.InferenceSession(
                str(folder.model_file), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # ORT raises its own error kinds for a bad protobuf, a missing op...
            raise LoadError(f"{folder.model_file}: ONNX Runtime cannot load it ({_first_line(error)})") from None
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise LoadError(f"{folder.model_file}: takes {len(inputs)} inputs; an image detector takes one")
        shape = inputs[0].shape
        if len(shape) != 4:
            raise LoadError(
                f"{folder.model_file}: takes a rank-{len(shape)} input {shape}; "
                "an image detector takes (batch, 3, height, width) or (batch, height, width, 3)"
            )
        if "float" not in inputs[0].type:
            raise LoadError(f"{folder.model_file}: takes {inputs[0].type}; an image detector takes floats")
        channels_first = shape[1] == 3 or shape[3] != 3
        spec = ImageSpec(**{**folder.spec.__dict__, "channels_first": channels_first})
        expected = spec.output_size
        spatial = shape[2:4] if channels_first else shape[1:3]
        if expected and all(isinstance(side, int) for side in spatial) and tuple(spatial) != expected:
            raise LoadError(
                f"{folder.model_file}: takes {tuple(spatial)} pictures but preprocessor_config.json makes {expected}"
            )
        self.input_name = inputs[0].name
        self.input_type = np.float16 if inputs[0].type == "tensor(float16)" else np.float32
        fixed_batch = shape[0] if isinstance(shape[0], int) and shape[0] > 0 else None
        super().__init__(folder, spec, fixed_batch)
        self.warm_up()

    def _run(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input_name: batch.astype(self.input_type)})[0]


class KerasDetector(Detector):
    """A Keras model loaded in safe mode, without custom objects."""

    def __init__(self, folder: DetectorFolder):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras

        try:
            self.model = keras.saving.load_model(folder.model_file, compile=False, safe_mode=True)
        except Exception as error:  # h5py, Keras and safe mode's refusals all mean the same here
            raise LoadError(f"{folder.model_file}: Keras cannot load it safely ({_first_line(error)})") from None
        shape = tuple(self.model.input_shape) if not isinstance(self.model.input_shape, list) else None
        expected = (*folder.spec.output_size, 3) if folder.spec.output_size else None
        fits = shape is not None and len(shape) == 4 and shape[-1] == 3
        if fits and expected:
            fits = all(side in (None, wanted) for side, wanted in zip(shape[1:], expected, strict=True))
        if not fits:
            raise LoadError(
                f"{folder.model_file}: takes {self.model.input_shape}; "
                f"detector.json describes (batch, {', '.join(map(str, expected or ('height', 'width', 3)))})"
            )
        super().__init__(folder, folder.spec)
        self.warm_up()

    def _run(self, batch: np.ndarray) -> np.ndarray:
        return self.model(batch, training=False).numpy()


class BuiltinDetector(Detector):
    """The built-in CNN as a detector: the serving classifier already loaded, reading the API's own 32x32 input."""

    def __init__(self, folder: DetectorFolder, classifier):
        super().__init__(folder, API_INPUT, batch_limit=64)
        self.classifier = classifier

    def _run(self, batch: np.ndarray) -> np.ndarray:
        return np.asarray(self.classifier.predict(batch)).reshape(-1, 1)


def load(folder: DetectorFolder) -> Detector:
    """The loaded, warmed-up detector of a folder, or LoadError naming the file."""
    try:
        return OnnxDetector(folder) if folder.format == "onnx" else KerasDetector(folder)
    except LoadError:
        raise
    except Exception as error:  # a model that fails its first run on a blank picture
        raise LoadError(f"{folder.model_file}: fails on a blank picture ({_first_line(error)})") from None


def _first_line(error: BaseException) -> str:
    """An exception's message in one bounded line."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:300]
