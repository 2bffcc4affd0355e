"""A detector is a folder. Two layouts, read as they are:

ONNX, as `optimum-cli export onnx --model <hub id> <dir>` writes an image classifier:
    model.onnx                 the network (external weights, e.g. model.onnx_data, beside it)
    config.json                `id2label`: the name of each output
    preprocessor_config.json   size, centre crop, rescale and normalisation
    detector.json              optional: "name", "ai_labels"/"real_labels", "output"

Keras, a `.keras` (or legacy `.h5`) file and a small manifest:
    detector.json   {"model": "detector.keras",
                     "input": {"size": [224, 224], "resize": "stretch" | "shortest_edge",
                               "scaling": "raw" | "unit" | "symmetric", "mean": [...], "std": [...]},
                     "labels": ["real", "fake"],        (output order; one sigmoid unit = P(labels[1]))
                     "output": "probabilities" | "logits"}

The built-in 32x32 network is described the same way (backend/model/detector.json).
After `detector models measure`, the folder also holds measurement.json.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .inputs import ImageSpec, SpecError, spec_from_preprocessor_config
from .labels import MANIFEST, LabelError, LabelSides, resolve

MEASUREMENT = "measurement.json"
ONNX_MODEL = "model.onnx"
OUTPUTS = ("logits", "probabilities")
# scaling name -> (rescale, mean): pixels 0..255 become raw 0..255, unit 0..1, symmetric -1..1.
SCALINGS = {"raw": (1.0, 0.0), "unit": (1 / 255, 0.0), "symmetric": (1 / 127.5, 1.0)}
MAX_NAME_CHARS = 64
# Small text files of a folder; a larger one is not a config.
MAX_CONFIG_BYTES = 1024 * 1024


class FolderError(ValueError):
    """The folder is not a detector this project can read; the message says what is missing or wrong."""


@dataclass(frozen=True)
class DetectorFolder:
    """What a detector folder says: its name, model file, labels, input and output."""

    name: str
    path: Path
    format: str  # "onnx" or "keras"
    model_file: Path
    labels: LabelSides
    spec: ImageSpec
    output: str  # "logits" or "probabilities"

    @property
    def measurement_path(self) -> Path:
        """Where `detector models measure` writes its measurement."""
        return self.path / MEASUREMENT

    def digest(self) -> str:
        """sha256 over every file of the folder but the measurement: a changed model is a new detector."""
        total = hashlib.sha256()
        for file in sorted(self.path.iterdir()):
            if file.is_file() and file.name != MEASUREMENT and not file.name.startswith("."):
                total.update(file.name.encode() + b"\0" + _file_digest(file).encode() + b"\0")
        return total.hexdigest()


def _file_digest(path: Path) -> str:
    """sha256 of a file, read in pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_folder(path: Path) -> DetectorFolder:
    """The detector a folder describes, or FolderError naming the file at fault."""
    path = Path(path)
    if not path.is_dir():
        raise FolderError(f"{path} is not a folder")
    manifest = _json(path / MANIFEST) if (path / MANIFEST).is_file() else {}
    try:
        if (path / ONNX_MODEL).is_file():
            return _onnx(path, manifest)
        if manifest.get("model"):
            return _keras(path, manifest)
    except (LabelError, SpecError) as error:
        raise FolderError(f"{path}: {error}") from None
    raise FolderError(
        f"{path} holds neither {ONNX_MODEL} (with config.json and preprocessor_config.json) "
        f"nor a {MANIFEST} naming a Keras model"
    )


def _onnx(path: Path, manifest: dict) -> DetectorFolder:
    """An optimum-exported image classifier, with the optional manifest's label names."""
    for needed in ("config.json", "preprocessor_config.json"):
        if not (path / needed).is_file():
            raise FolderError(f"{path}: {needed} is missing beside {ONNX_MODEL}")
    config = _json(path / "config.json")
    id2label = config.get("id2label")
    if not isinstance(id2label, dict) or not id2label:
        raise FolderError(f"{path / 'config.json'} has no id2label naming the model's outputs")
    try:
        names = [str(id2label[key]) for key in sorted(id2label, key=int)]
    except ValueError:
        raise FolderError(f"{path / 'config.json'}: id2label keys must be output numbers") from None
    labels = resolve(names, manifest.get("ai_labels"), manifest.get("real_labels"))
    spec = spec_from_preprocessor_config(_json(path / "preprocessor_config.json"))
    return DetectorFolder(
        _name(path, manifest), path, "onnx", path / ONNX_MODEL, labels, spec, _output(manifest, "logits")
    )


def _keras(path: Path, manifest: dict) -> DetectorFolder:
    """A Keras model file with its manifest."""
    model_file = path / str(manifest["model"])
    if model_file.parent != path or model_file.suffix not in (".keras", ".h5"):
        raise FolderError(f"{path / MANIFEST}: model must name a .keras or .h5 file in the same folder")
    if not model_file.is_file():
        raise FolderError(f"{path / MANIFEST}: the model file {model_file.name} is missing")
    labels = resolve(list(manifest.get("labels") or []), manifest.get("ai_labels"), manifest.get("real_labels"))
    spec = _manifest_spec(manifest.get("input") or {}, path / MANIFEST)
    return DetectorFolder(
        _name(path, manifest), path, "keras", model_file, labels, spec, _output(manifest, "probabilities")
    )


def _manifest_spec(settings: dict, where: Path) -> ImageSpec:
    """The ImageSpec of a manifest's `input`: size, resize, scaling and optional mean and std."""
    size = settings.get("size")
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and v > 0 for v in size)):
        raise FolderError(f"{where}: input.size must be [height, width] in pixels")
    scaling = settings.get("scaling", "raw")
    if scaling not in SCALINGS:
        raise FolderError(f"{where}: input.scaling must be one of {', '.join(SCALINGS)}")
    rescale, offset = SCALINGS[scaling]
    mean = tuple(settings.get("mean") or (offset,) * 3)
    std = tuple(settings.get("std") or (1.0,) * 3)
    if len(mean) != 3 or len(std) != 3 or 0 in std:
        raise FolderError(f"{where}: input.mean and input.std must be three numbers (std not 0)")
    resize = settings.get("resize", "stretch")
    height, width = size
    if resize == "stretch":
        return ImageSpec(resize=(height, width), rescale=rescale, mean=mean, std=std, channels_first=False)
    if resize == "shortest_edge":
        return ImageSpec(
            shortest_edge=min(height, width), crop=(height, width), rescale=rescale, mean=mean, std=std,
            channels_first=False,
        )  # fmt: skip
    raise FolderError(f"{where}: input.resize must be stretch or shortest_edge")


def _name(path: Path, manifest: dict) -> str:
    """The detector's name: the manifest's, else the folder's; one short printable line."""
    name = str(manifest.get("name") or path.name)
    name = re.sub(r"[^\w.+-]+", "-", name).strip("-")[:MAX_NAME_CHARS]
    if not name:
        raise FolderError(f"{path}: the detector needs a name (letters, digits, . + - _)")
    return name


def _output(manifest: dict, default: str) -> str:
    """Whether the model returns logits or probabilities."""
    output = manifest.get("output", default)
    if output not in OUTPUTS:
        raise FolderError(f"{MANIFEST}: output must be logits or probabilities, not {output!r}")
    return output


def _json(path: Path) -> dict:
    """A small JSON object from a file, or FolderError naming it."""
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise FolderError(f"{path} is too large to be a configuration file")
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FolderError(f"{path} cannot be read as JSON ({error})") from None
    if not isinstance(value, dict):
        raise FolderError(f"{path} must hold a JSON object")
    return value
