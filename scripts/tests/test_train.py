"""train.py end to end on a tiny dataset (the model contract, the card, resuming) and the training package."""

from __future__ import annotations

import csv
import hashlib
import json

import keras
import numpy as np
import pytest
import train
from training import model_card, pipeline, stages
from training.common import UserError
from training.model import average_with_mirror, make_model, single_view_of, with_modern_head

from detector.calibration import fit_temperature
from detector.classifier import Classifier


def test_writes_a_model_that_meets_the_contract(trained):
    model_path = trained / "model" / "classifier.h5"
    classifier = Classifier.load(model_path)
    model = classifier.model
    assert model.input_shape == (None, 32, 32, 3)
    assert model.output_shape == (None, 1)
    assert model.count_params() <= 1_000_000
    assert model_path.stat().st_size < 5 * 1024 * 1024
    # Raw 0..255 pixels in: rescaling is inside, so uint8 and float input of the same values agree.
    pixels = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    np.testing.assert_allclose(classifier.predict(pixels), classifier.predict(pixels.astype(np.float32)), atol=1e-6)


def test_writes_the_model_card(trained):
    card = json.loads((trained / "model" / "model_card.json").read_text())
    assert card["class_names"] == ["FAKE", "REAL"]
    assert card["threshold"] == 0.5
    assert card["input"]["shape"] == [None, 32, 32, 3]
    assert card["parameters"] == average_with_mirror(make_model()).count_params()
    assert "mirror image" in card["test_time_augmentation"]
    training = card["training"]
    assert training["epochs"] == 1 and training["wall_time_seconds"] >= 0
    assert training["train_images"] + training["validation_images"] == 48
    # The real inputs of this run, not a previous model's: the modern set's counts and the command.
    assert training["modern_train_images"] == {"FAKE": 12, "REAL": 12}
    assert training["modern_validation_images"] == {"FAKE": 12, "REAL": 12}
    assert "--epochs 1" in training["command"] and training["seed"] == 1337
    assert "metrics" not in card and card["limitations"] == model_card.LIMITATIONS
    kinds = card["calibration"]["kinds"]
    assert set(kinds) == {"thumbnail", "photo"} and kinds["photo"]["temperature"] > 0
    assert 0 <= kinds["photo"]["measured_accuracy"] <= 1 and "2 sources" in kinds["photo"]["measured_on"]
    assert "tensorflow" in card["library_versions"] and training["hardware"]
    digest = hashlib.sha256((trained / "model" / "classifier.h5").read_bytes()).hexdigest()
    assert card["version"].endswith("+" + digest[:8])


@pytest.mark.parametrize(
    "cifake_accuracy,modern_auc,better_than",
    [
        # Above the floor, modern val ROC-AUC decides.
        (0.980, 0.62, (0.985, 0.60)),
        # Under the floor, no modern gain makes up for the lost CIFAKE accuracy.
        (0.977, 0.55, (0.970, 0.75)),
        # When no epoch reaches the floor, the closest one wins.
        (0.974, 0.50, (0.970, 0.70)),
    ],
)
def test_checkpoint_selection(cifake_accuracy, modern_auc, better_than):
    assert 0.974 < stages.CIFAKE_ACCURACY_FLOOR <= 0.977
    assert stages.selection_score(cifake_accuracy, modern_auc) > stages.selection_score(*better_than)


def test_mirror_averaging_is_the_mean_of_both_views_logits():
    keras.utils.set_random_seed(3)
    model = make_model()
    averaged = average_with_mirror(model)
    images = np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3)).astype(np.float32)
    logit = keras.Model(model.inputs, model.get_layer("logit").output)
    expected = (logit.predict(images, verbose=0) + logit.predict(images[:, :, ::-1], verbose=0)) / 2
    actual = keras.Model(averaged.inputs, averaged.get_layer("mean_logit").output).predict(images, verbose=0)
    np.testing.assert_allclose(actual, expected, atol=1e-5)
    assert averaged.count_params() == model.count_params() + 32 * 32  # the frozen column reversal


def test_shipped_form_is_mirror_symmetric_in_verdict_and_heatmap(trained):
    classifier = Classifier.load(trained / "model" / "classifier.h5")
    images = np.random.default_rng(1).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    mirrors = images[:, :, ::-1]
    np.testing.assert_allclose(classifier.predict(images), classifier.predict(mirrors), atol=1e-6)
    # A one-epoch model may see no evidence for a label in some picture (an all-zero
    # map is a valid answer), so both labels on several pictures, and at least one map that is not empty.
    grids = []
    for image, mirror in zip(images, mirrors, strict=True):
        for label in ("REAL", "FAKE"):
            grid = classifier.explain(image, label)
            assert grid.shape == (8, 8) and (grid.max() == 0.0 or grid.max() == pytest.approx(1.0))
            np.testing.assert_allclose(classifier.explain(mirror, label), grid[:, ::-1], atol=1e-4)
            grids.append(grid)
    assert any(grid.max() == pytest.approx(1.0) for grid in grids)


def test_writes_history_and_tensorboard_logs(trained):
    with (trained / "performance" / "history.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1 and {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(rows[0])
    assert any((trained / "run" / "logs").rglob("events.out.tfevents.*"))
    assert (trained / "run" / "best.keras").is_file()


def test_rerun_resumes_after_an_interruption(tiny_dataset, tmp_path, monkeypatch):
    class InterruptAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    original_fit = keras.Model.fit

    def interrupted_fit(self, *args, callbacks=(), **kwargs):
        return original_fit(self, *args, callbacks=[*callbacks, InterruptAfterFirstEpoch()], **kwargs)

    argv = [
        "--data-dir",
        str(tiny_dataset),
        "--batch-size",
        "16",
        "--epochs",
        "2",
        "--run-dir",
        str(tmp_path / "run"),
        "--out",
        str(tmp_path / "classifier.h5"),
        "--history-out",
        str(tmp_path / "history.csv"),
    ]
    monkeypatch.setattr(keras.Model, "fit", interrupted_fit)
    with pytest.raises(KeyboardInterrupt):
        train.main(argv)
    assert not (tmp_path / "classifier.h5").exists()

    monkeypatch.setattr(keras.Model, "fit", original_fit)
    assert train.main(argv) == 0
    with (tmp_path / "history.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["epoch"]) for row in rows] == [0, 1]  # epoch 0 was not trained again
    assert (tmp_path / "classifier.h5").is_file()
    # The wall time in the card includes the interrupted run's epoch.
    card = json.loads((tmp_path / "model_card.json").read_text())
    assert card["training"]["wall_time_seconds"] >= round(sum(float(row["epoch_seconds"]) for row in rows))


def test_validation_split_is_stratified_and_seeded():
    labels = np.array([0] * 100 + [1] * 50)
    train_idx, val_idx = pipeline.split_indices(labels, 0.1)
    assert len(val_idx) == 15 and np.sum(labels[val_idx] == 1) == 5
    assert not set(train_idx) & set(val_idx) and len(train_idx) + len(val_idx) == 150
    again = pipeline.split_indices(labels, 0.1)
    np.testing.assert_array_equal(val_idx, again[1])


def test_temperature_scaling_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 3, 20000)
    labels = (rng.uniform(size=true_logits.size) < 1 / (1 + np.exp(-true_logits))).astype(int)
    # A model that is twice as confident as it should be.
    assert abs(fit_temperature(2 * true_logits, labels) - 2.0) < 0.15


def test_calibrate_only_reuses_the_best_checkpoint(tiny_dataset, trained, tmp_path):
    out = tmp_path / "classifier.h5"
    argv = [
        "--data-dir",
        str(tiny_dataset),
        "--run-dir",
        str(trained / "run"),
        "--out",
        str(out),
        "--history-out",
        str(tmp_path / "history.csv"),
        "--calibrate-only",
    ]
    assert train.main(argv) == 0
    assert Classifier.load(out).model.output_shape == (None, 1)
    card = json.loads(out.with_name("model_card.json").read_text())
    assert card["training"]["calibration"].startswith("temperature scaling")


def test_calibrate_only_needs_a_checkpoint(tiny_dataset, tmp_path):
    with pytest.raises(UserError, match="train first"):
        train.main(
            [
                "--data-dir",
                str(tiny_dataset),
                "--run-dir",
                str(tmp_path / "empty"),
                "--out",
                str(tmp_path / "m.h5"),
                "--calibrate-only",
            ]
        )


def test_a_retrain_writes_a_fresh_card(tiny_dataset, trained, tmp_path):
    stale = {"metrics": {"accuracy": 0.99}, "plots": [{"file": "old.png"}], "name": "previous"}
    out = tmp_path / "classifier.h5"
    out.with_name("model_card.json").write_text(json.dumps(stale))
    assert (
        train.main(
            [
                "--data-dir",
                str(tiny_dataset),
                "--run-dir",
                str(trained / "run"),
                "--out",
                str(out),
                "--history-out",
                str(tmp_path / "history.csv"),
                "--calibrate-only",
                "--no-modern",
            ]
        )
        == 0
    )
    card = json.loads(out.with_name("model_card.json").read_text())
    assert "metrics" not in card and "plots" not in card and card["name"] != "previous"
    assert set(card["calibration"]["kinds"]) == {"thumbnail"} and card["training"]["modern_train_images"] is None


def test_the_modern_head_starts_from_the_base_networks_answers(trained):
    path = trained / "model" / "classifier.h5"
    pixels = np.random.default_rng(4).integers(0, 256, (6, 32, 32, 3)).astype(np.float32)
    model = with_modern_head(path, pixels)
    # Only the head learns: the CIFAKE network's weights are frozen.
    assert {weight.path.split("/")[0] for weight in model.trainable_weights} == {"modern_hidden", "logit"}
    # Wrapped again, the untrained head adds nothing: the earlier model's answers, exactly.
    rewrapped = average_with_mirror(model).predict(pixels, verbose=0).ravel()
    np.testing.assert_allclose(rewrapped, Classifier.load(path).predict(pixels), atol=1e-5)


def test_a_trained_head_answers_the_same_after_saving_as_h5(trained, tmp_path):
    pixels = np.random.default_rng(5).integers(0, 256, (8, 32, 32, 3)).astype(np.float32)
    model = with_modern_head(trained / "model" / "classifier.h5", pixels)
    rng = np.random.default_rng(6)
    for name in ("modern_hidden", "logit"):
        layer = model.get_layer(name)
        layer.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in layer.get_weights()])
    wrapped = average_with_mirror(model)
    wrapped.save(tmp_path / "head.h5", include_optimizer=False)
    reloaded = Classifier.load(tmp_path / "head.h5").predict(pixels)
    np.testing.assert_allclose(reloaded, wrapped.predict(pixels, verbose=0).ravel(), atol=1e-5)


def test_training_a_head_keeps_the_base_network(trained, tiny_dataset, tmp_path):
    base_path = trained / "model" / "classifier.h5"
    out = tmp_path / "head" / "classifier.h5"
    argv = ["--data-dir", str(tiny_dataset), "--base-model", str(base_path), "--epochs", "2", "--batch-size", "16"]
    argv += ["--out", str(out), "--run-dir", str(tmp_path / "run"), "--history-out", str(tmp_path / "history.csv")]
    assert train.main(argv) == 0
    base = single_view_of(base_path)
    head = single_view_of(out)
    for layer in base.layers:
        if isinstance(layer, keras.layers.Conv2D | keras.layers.BatchNormalization):
            for before, after in zip(layer.get_weights(), head.get_layer(layer.name).get_weights(), strict=True):
                np.testing.assert_array_equal(before, after)
    card = json.loads(out.with_name("model_card.json").read_text())
    assert card["training"]["base_model"] == str(base_path) and "--base-model" in card["training"]["command"]
    assert card["parameters"] <= 1_000_000
    Classifier.load(out).explain(np.zeros((32, 32, 3), np.uint8), "REAL")  # Grad-CAM finds its feature map


def test_random_crops_stay_inside_the_picture_and_keep_half_its_area_or_more():
    rng = np.random.default_rng(0)
    image = np.arange(200 * 120 * 3, dtype=np.uint32).reshape(120, 200, 3)
    for _ in range(200):
        crop = pipeline.random_crop(image, rng)
        height, width = crop.shape[:2]
        assert 0.5 * 0.9 <= height * width / (120 * 200) <= 1.0
        # A crop is a window of the picture: its first pixel sits where the window starts.
        top, left = divmod(int(crop[0, 0, 0]) // 3, 200)
        np.testing.assert_array_equal(crop, image[top : top + height, left : left + width])


def test_each_source_and_class_weighs_the_same_and_confounded_sources_half():
    sources = np.array(["a"] * 60 + ["b"] * 40 + ["b"] * 40 + ["visionprobe"] * 40)
    labels = np.array([1] * 60 + [1] * 40 + [0] * 40 + [0] * 40)
    weights = pipeline.source_weights(sources, labels)
    assert weights.mean() == pytest.approx(1.0)
    totals = {
        group: weights[(sources == s) & (labels == y)].sum()
        for group, (s, y) in {"a1": ("a", 1), "b1": ("b", 1), "b0": ("b", 0), "v0": ("visionprobe", 0)}.items()
    }
    assert totals["a1"] == pytest.approx(totals["b1"]) == pytest.approx(totals["b0"])
    assert totals["v0"] == pytest.approx(totals["a1"] / 2)
    # A tiny group counts as MIN_GROUP_SIZE pictures: four pictures cannot outweigh a full group.
    small = pipeline.source_weights(np.array(["x"] * 4 + ["y"] * 100), np.array([1] * 104))
    assert small[:4].sum() < small[4:].sum() / 5


def test_modern_views_start_with_the_whole_picture():
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (90, 150, 3), dtype=np.uint8) for _ in range(2)]
    views = pipeline.modern_variants(images, 3)
    assert views.shape == (6, 32, 32, 3) and views.dtype == np.uint8
    whole = pipeline.upload_pixels(images[1], 95)
    assert np.abs(views[3].astype(int) - whole.astype(int)).mean() < 8  # same picture, JPEG quality aside


def test_augmentation_keeps_shapes_and_pixel_values():
    originals = np.random.default_rng(0).integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    weights = np.linspace(0.5, 2, 8).astype(np.float32)
    images, labels, kept_weights = pipeline.augment(originals, originals, np.ones(8, np.float32), weights)
    images = images.numpy()
    np.testing.assert_array_equal(kept_weights, weights)
    assert images.shape == (8, 32, 32, 3) and images.dtype == np.float32
    # Flips and whole-pixel shifts move pixels but never invent new values.
    assert set(np.unique(images)) <= set(np.unique(originals).astype(np.float32))


def test_jpeg_variants_are_recompressed_copies():
    pixels = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    variants = pipeline.jpeg_variants(pixels)
    assert variants.shape == pixels.shape and variants.dtype == np.uint8
    assert not np.array_equal(variants, pixels)
    # Still the same pictures: re-compression changes pixels only a little on average.
    assert np.abs(variants.astype(int) - pixels).mean() < 60


def test_names_that_moved_out_of_train_py_still_import_and_say_where_they_are():
    with pytest.warns(DeprecationWarning, match="train.make_model has moved: import it from training.model"):
        from train import make_model as moved
    assert moved is make_model
    assert not hasattr(train, "no_such_name") and not hasattr(train, "_private")
