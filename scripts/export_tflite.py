"""Convert the Keras .h5 model to TensorFlow Lite and check it against Keras on real images.

    python scripts/export_tflite.py --model backend/model/classifier.h5 --check-data dataset

The .tflite file takes the same input (float32 RGB 0..255, 1x32x32x3) and
returns the same P(REAL). The check runs both models on --check-images
images of the test split and fails unless every label agrees and every
probability is within --tolerance.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
from training.common import DEFAULT_DATA_DIR, DEFAULT_MODEL_PATH, SEED, UserError, load_classifier, load_split, run_main

from detector.contract import predicted_real


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--out", type=Path, default=None, help="default: the model path with .tflite")
    parser.add_argument(
        "--check-data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder in the Kaggle layout or cifake-test.zip, for the comparison",
    )
    parser.add_argument("--check-images", type=int, default=1000)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    return parser.parse_args(argv)


def convert(model) -> bytes:
    """TFLite flatbuffer of a Keras model, float32, no quantisation (the model is already 2 MB)."""
    import tensorflow as tf

    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def tflite_predict(flatbuffer: bytes, pixels: np.ndarray) -> np.ndarray:
    """P(REAL) from the TFLite interpreter, one image at a time as a phone would run it."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # LiteRT is the successor; TensorFlow still ships the old interpreter
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interpreter = Interpreter(model_content=flatbuffer)
    interpreter.allocate_tensors()
    input_index = interpreter.get_input_details()[0]["index"]
    output_index = interpreter.get_output_details()[0]["index"]
    out = np.empty(len(pixels))
    for i, image in enumerate(pixels.astype(np.float32)):
        interpreter.set_tensor(input_index, image[None])
        interpreter.invoke()
        out[i] = interpreter.get_tensor(output_index)[0, 0]
    return out


def main(argv=None) -> int:
    """Convert, compare, report."""
    args = parse_args(argv)
    classifier = load_classifier(args.model)
    out = args.out or args.model.with_suffix(".tflite")
    flatbuffer = convert(classifier.model)

    data = load_split(args.check_data, "test", show_progress=False)
    chosen = np.random.default_rng(SEED).permutation(len(data.labels))[: args.check_images]
    keras_p = classifier.predict(data.pixels[chosen])
    lite_p = tflite_predict(flatbuffer, data.pixels[chosen])
    max_difference = float(np.max(np.abs(keras_p - lite_p)))
    # Labels under the model card's own threshold, as serving decides them.
    threshold = classifier.threshold
    disagreements = int(np.sum(predicted_real(keras_p, threshold) != predicted_real(lite_p, threshold)))
    print(
        f"checked {len(chosen)} images: max |P_keras - P_tflite| = {max_difference:.2e}, "
        f"label disagreements = {disagreements}"
    )
    if disagreements or max_difference > args.tolerance:
        raise UserError(f"TFLite model differs from Keras beyond tolerance {args.tolerance}; not written")

    out.write_bytes(flatbuffer)
    print(f"wrote {out} ({len(flatbuffer) / 1e6:.2f} MB; Keras .h5 is {args.model.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    run_main(main)
