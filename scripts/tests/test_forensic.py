"""The forensic model's front ends, augmentations, resumable training and the evaluation protocol."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from forensic import data as native
from forensic import protocol
from forensic.network import FRONT_ENDS, make_model
from forensic.training import Settings, grid_logits, train


def front_end_output(kind: str, pixels: np.ndarray) -> np.ndarray:
    model = make_model(kind)
    layer = {"npr": "npr_residual", "srm": "srm_filters", "dwt": "haar_high_bands"}[kind]
    import keras

    return np.asarray(keras.Model(model.input, model.get_layer(layer).output)(pixels[None].astype("float32")))[0]


def test_npr_residual_vanishes_on_nearest_upsampled_pictures_only():
    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (16, 16, 3))
    upsampled = small.repeat(2, axis=0).repeat(2, axis=1)
    assert np.abs(front_end_output("npr", upsampled)).max() < 1e-6
    assert np.abs(front_end_output("npr", rng.integers(0, 256, (32, 32, 3)))).max() > 0.1


@pytest.mark.parametrize("kind", ["srm", "dwt"])
def test_high_pass_front_ends_ignore_flat_colour_and_see_noise(kind):
    flat = np.full((32, 32, 3), 120)
    assert np.abs(front_end_output(kind, flat)[4:-4, 4:-4]).max() < 1e-6
    noise = np.random.default_rng(1).integers(0, 256, (32, 32, 3))
    assert np.abs(front_end_output(kind, noise)).max() > 0.1


@pytest.mark.parametrize("kind", FRONT_ENDS)
def test_models_stay_small_take_any_even_size_and_keep_front_ends_frozen(kind):
    model = make_model(kind)
    assert model.count_params() <= 2_000_000
    for side in (64, 96):
        assert model(np.zeros((2, side, side, 3), "float32")).shape == (2, 1)
    frozen = [layer for layer in model.layers if layer.name.startswith(("npr_", "srm_", "haar_"))]
    assert frozen and not any(layer.trainable_weights for layer in frozen)


def test_a_saved_model_answers_the_same_after_loading(tmp_path):
    import keras

    model = make_model("srm")
    pixels = np.random.default_rng(2).integers(0, 256, (2, 64, 64, 3)).astype("float32")
    model.save(tmp_path / "m.h5")
    loaded = keras.models.load_model(tmp_path / "m.h5", compile=False)
    np.testing.assert_allclose(loaded(pixels), model(pixels), atol=1e-5)


def synthetic_set(tmp_path, per_source: int = 8) -> native.NativeSet:
    """Two-source set: REAL crops are smooth, FAKE crops nearest-upsampled noise (an NPR-visible trace)."""
    rng = np.random.default_rng(3)
    rows, crops = [], []
    for source in ("a", "b"):
        for label in ("REAL", "FAKE"):
            for _ in range(per_source):
                if label == "REAL":
                    base = rng.normal(128, 20, (3, 48, 48, 3))
                else:
                    base = rng.integers(0, 256, (3, 24, 24, 3)).repeat(2, axis=1).repeat(2, axis=2)
                crops.append(np.clip(base, 0, 255).astype(np.uint8))
                rows.append({"source": source, "label": label, "fold": "0" if source == "a" else "1", "split": "train"})
    crops = np.stack(crops)
    return native.NativeSet(tmp_path, rows, crops, crops)


def test_balanced_weights_give_each_label_half_and_each_source_its_share():
    sources = np.array(["a"] * 6 + ["b"] * 2 + ["a"] * 1 + ["b"] * 3)
    labels = np.array([1] * 8 + [0] * 4)
    weights = native.balanced_weights(sources, labels)
    assert weights[labels == 1].sum() == pytest.approx(0.5)
    assert weights[(sources == "a") & (labels == 1)].sum() == pytest.approx(0.25)
    assert weights[(sources == "b") & (labels == 0)].sum() == pytest.approx(0.25)


def test_augment_keeps_the_label_and_gives_a_crop_of_the_training_size():
    tf.random.set_seed(0)
    crop = tf.constant(np.random.default_rng(4).integers(0, 256, (48, 48, 3)), tf.uint8)
    for _ in range(20):
        view, label = native.augment(crop, tf.constant(1.0), 32)
        assert view.shape == (32, 32, 3) and float(label) == 1.0
        assert float(tf.reduce_min(view)) >= 0 and float(tf.reduce_max(view)) <= 255


def test_training_resumes_from_a_finished_run_and_scores_the_grid(tmp_path):
    data = synthetic_set(tmp_path)
    settings = Settings(front_end="npr", width=8, crop=32, batch=8, epochs=1, steps=3)
    indices = np.arange(len(data.rows))
    model = train(data, indices, settings, tmp_path / "run")
    assert (tmp_path / "run" / "model.keras").exists() and (tmp_path / "run" / "history.csv").exists()
    scores = grid_logits(model, data.grid, indices)
    again = grid_logits(train(data, indices, settings, tmp_path / "run"), data.grid, indices)
    np.testing.assert_allclose(scores, again, atol=1e-5)  # loaded, not trained again
    with pytest.raises(ValueError, match="other settings"):
        train(data, indices, Settings(front_end="srm", width=8, crop=32, batch=8, epochs=1, steps=3), tmp_path / "run")


def test_units_hold_out_whole_sources():
    folds = np.array([0, 0, 1, 1, 2])
    splits = np.array(["train", "val", "train", "train", "val"])
    units = protocol.units(folds, splits)
    assert set(units) == {"fold0", "fold1", "fold2", "val"}
    for train_indices, held_out in units.values():
        assert not set(train_indices) & set(held_out)
    assert list(units["fold1"][1]) == [2, 3] and list(units["val"][1]) == [1, 4]


def test_summaries_give_per_source_auc_and_one_label_sources_their_right_side():
    sources = np.array(["a", "a", "a", "a", "b", "b"])
    labels = np.array([1, 1, 0, 0, 1, 1])
    scores = np.array([2.0, 1.0, -1.0, 1.5, 0.5, -0.5])
    summary = protocol.summarise(sources, labels, scores)
    assert summary["per_source"]["a"]["auc"] == pytest.approx(0.75)
    assert summary["per_source"]["b"]["auc"] is None and summary["per_source"]["b"]["right_side"] == 0.5
    assert summary["mean_source_auc"] == pytest.approx(0.75)


def test_the_shortcut_baseline_finds_a_format_confound_on_held_out_sources():
    rows, labels, sources = [], [], []
    for source in "abcd":
        for label in (0, 1):
            for i in range(10):
                fmt = "JPEG" if label == 1 else "PNG"
                rows.append({"orig_width": 800 + i, "orig_height": 600, "file_size": 90_000 + 100 * i,
                             "jpeg_quality": 90 if fmt == "JPEG" else "", "orig_format": fmt})  # fmt: skip
                labels.append(label)
                sources.append(source)
    features, labels, sources = protocol.container_features(rows), np.array(labels), np.array(sources)
    folds = np.array(["abcd".index(s) % 2 for s in sources])
    result = protocol.evaluate(
        lambda name, tr, ho: protocol.shortcut_scores(features, labels, tr, ho),
        folds,
        np.array(["train"] * len(labels)),
        sources,
        labels,
        only=["fold0", "fold1"],
    )
    assert result["grouped_cv"]["mean_source_auc"] == 1.0 and result["grouped_cv"]["complete"]
