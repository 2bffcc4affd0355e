"""Build small detector folders and labelled pictures at test time (no third-party weights).

An ONNX image classifier in the layout `optimum-cli export onnx` writes
(model.onnx, config.json with id2label, preprocessor_config.json), made with
the `onnx` helper API, and a Keras one with its detector.json. Both read the
same thing in a picture: how much redder than blue it is on average. The
labelled pictures are red-leaning for REAL and blue-leaning for FAKE, with noise
and a per-source shift, so a detector separates them well but not perfectly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

# How strongly the tiny models weigh red minus blue (on pixels scaled to -1..1).
STRENGTH = 6.0


def onnx_classifier(
    folder: Path,
    side: int = 16,
    id2label: dict | None = None,
    strength: float = STRENGTH,
    channels: int = 0,
    input_shape: list | None = None,
    manifest: dict | None = None,
) -> Path:
    """Write an optimum-layout image classifier: logits [REAL-ish, FAKE-ish] from the mean red minus blue.

    channels > 0 puts a strided convolution of that many channels in front (a
    heavier model for timing); input_shape ["batch_size", 3] makes a model that
    takes no picture at all (a rank-2 input). The output order follows id2label (default 0: artificial, 1: human).
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    folder.mkdir(parents=True, exist_ok=True)
    id2label = id2label or {"0": "artificial", "1": "human"}
    real_index = next(int(i) for i, name in id2label.items() if name.lower() in ("human", "real", "photo"))
    weights = np.zeros((3, len(id2label)), np.float32)
    # Half the strength each way: the softmax of two such logits is sigmoid(strength * (red - blue)).
    weights[0, real_index], weights[2, real_index] = strength / 2, -strength / 2
    for other in range(len(id2label)):
        if other != real_index:
            weights[0, other], weights[2, other] = -strength / 2, strength / 2
    nodes, initialisers = (
        [],
        [numpy_helper.from_array(weights, "W"), numpy_helper.from_array(np.zeros(len(id2label), np.float32), "B")],
    )
    source = "pixel_values"
    if channels:
        rng = np.random.default_rng(0)
        kernel = rng.normal(0, 0.01, (channels, 3, 3, 3)).astype(np.float32)
        project = np.zeros((3, channels, 1, 1), np.float32)
        for c in range(3):  # identity paths keep the colour signal through the convolutions
            kernel[c, c, 1, 1] = 1.0
            project[c, c, 0, 0] = 1.0
        initialisers += [numpy_helper.from_array(kernel, "K"), numpy_helper.from_array(project, "P")]
        nodes += [
            helper.make_node("Conv", [source, "K"], ["conv"], strides=[2, 2], pads=[1, 1, 1, 1]),
            helper.make_node("Conv", ["conv", "P"], ["colour"]),
        ]
        source = "colour"
    shape = input_shape or ["batch_size", 3, side, side]
    if len(shape) == 2:  # not an image model: three numbers in, logits out
        nodes.append(helper.make_node("Gemm", [source, "W", "B"], ["logits"]))
    else:
        nodes += [
            helper.make_node("GlobalAveragePool", [source], ["pooled"]),
            helper.make_node("Flatten", ["pooled"], ["flat"]),
            helper.make_node("Gemm", ["flat", "W", "B"], ["logits"]),
        ]
    graph = helper.make_graph(
        nodes,
        "tiny_detector",
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", len(id2label)])],
        initialisers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, folder / "model.onnx")
    (folder / "config.json").write_text(
        json.dumps(
            {
                "architectures": ["TinyForImageClassification"],
                "id2label": id2label,
                "label2id": {v: int(k) for k, v in id2label.items()},
            }
        )  # fmt: skip
    )
    (folder / "preprocessor_config.json").write_text(
        json.dumps(
            {
                "do_resize": True,
                "size": {"height": side, "width": side},
                "resample": 2,
                "do_rescale": True,
                "rescale_factor": 1 / 255,
                "do_normalize": True,
                "image_mean": [0.5, 0.5, 0.5],
                "image_std": [0.5, 0.5, 0.5],
            }
        )
    )
    if manifest is not None:
        (folder / "detector.json").write_text(json.dumps(manifest))
    return folder


def keras_classifier(folder: Path, side: int = 16, strength: float = STRENGTH, extra=None, name="model.keras") -> Path:
    """Write a Keras detector (one sigmoid unit: P(real)) with its detector.json; extra is a layer put in front."""
    import keras
    from keras import layers

    folder.mkdir(parents=True, exist_ok=True)
    inputs = keras.Input((side, side, 3))
    x = extra(inputs) if extra is not None else inputs
    x = layers.GlobalAveragePooling2D()(x)
    dense = layers.Dense(1, activation="sigmoid")
    model = keras.Model(inputs, dense(x))
    dense.set_weights([np.array([[strength], [0.0], [-strength]], np.float32), np.zeros(1, np.float32)])
    model.save(folder / name)
    (folder / "detector.json").write_text(
        json.dumps(
            {
                "model": name,
                "input": {"size": [side, side], "resize": "stretch", "scaling": "symmetric"},
                "labels": ["fake", "real"],
                "output": "probabilities",
            }
        )
    )
    return folder


def picture(
    label: int, rng: np.random.Generator, size: int = 80, shift: float = 0.0, lean: float = 40.0
) -> Image.Image:
    """A noisy picture leaning red (REAL, label 1) or blue (FAKE), its lean blurred by a shift."""
    base = rng.normal(128, 30, (size, size, 3))
    tilt = (lean if label == 1 else -lean) + shift + rng.normal(0, 25)
    base[..., 0] += tilt
    base[..., 2] -= tilt
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


def labelled_pictures(root: Path, sources: dict[str, float], per_class: int, size: int = 80, seed: int = 0) -> Path:
    """REAL/ and FAKE/ under root, per_class pictures of each class per source named <source>__<n>.png."""
    rng = np.random.default_rng(seed)
    for name, label in (("REAL", 1), ("FAKE", 0)):
        (root / name).mkdir(parents=True, exist_ok=True)
        for source, shift in sources.items():
            for i in range(per_class):
                picture(label, rng, size, shift).save(root / name / f"{source}__{i}.png")
    return root
