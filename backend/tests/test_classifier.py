"""Classifier: batching, Grad-CAM, and the shipped model's contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from detector import DEFAULTS
from detector.classifier import Classifier
from detector.contract import confidence_of, label_of
from detector.heatmap import heatmap_overlay

SHIPPED_MODEL = Path(DEFAULTS["MODEL_PATH"])


def test_label_follows_the_threshold():
    assert label_of(0.51) == "REAL"
    assert label_of(0.5) == "FAKE"
    assert label_of(0.2) == "FAKE"
    assert label_of(0.7, threshold=0.8) == "FAKE"


def test_confidence_is_the_probability_of_the_label_given():
    np.testing.assert_allclose(confidence_of([0.9, 0.2, 0.5]), [0.9, 0.8, 0.5])
    assert confidence_of(0.7, threshold=0.8) == pytest.approx(0.3)


def test_classifier_decides_with_its_cards_threshold(classifier):
    strict = Classifier(classifier.model, {"threshold": 0.8})
    assert strict.decide(0.7) == ("FAKE", pytest.approx(0.3))
    assert classifier.decide(0.7) == ("REAL", pytest.approx(0.7))


def test_batches_match_single_images(classifier):
    batch = np.random.default_rng(0).integers(0, 256, (9, 32, 32, 3), dtype=np.uint8)
    together = classifier.predict(batch)
    alone = np.concatenate([classifier.predict(image[None]) for image in batch])
    assert together.shape == (9,)
    np.testing.assert_allclose(together, alone, atol=1e-6)
    assert np.all((together >= 0) & (together <= 1))


def test_grad_cam_grid_is_normalised(classifier):
    image = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    grid = classifier.explain(image, "REAL")
    assert grid.shape == (8, 8)
    assert grid.min() >= 0 and grid.max() <= 1
    assert grid.max() in (0, pytest.approx(1.0))


def test_heatmap_overlay_opacity_follows_the_grid():
    grid = np.zeros((8, 8), np.float32)
    grid[:4] = 1.0
    overlay = np.asarray(heatmap_overlay(grid))
    assert overlay.shape == (32, 32, 4)
    assert overlay[:8, :, 3].min() > 150 and overlay[-8:, :, 3].max() == 0


@pytest.mark.skipif(not SHIPPED_MODEL.is_file(), reason="no shipped model in backend/model/")
def test_shipped_model_meets_the_contract():
    shipped = Classifier.load(SHIPPED_MODEL)
    assert shipped.model.input_shape == (None, 32, 32, 3)
    assert shipped.model.output_shape == (None, 1)
    assert shipped.model.count_params() <= 1_000_000
    assert SHIPPED_MODEL.stat().st_size < 5 * 1024 * 1024
    card = json.loads(SHIPPED_MODEL.with_name("model_card.json").read_text())
    assert card["class_names"] == ["FAKE", "REAL"] and card["threshold"] == 0.5
    assert card["parameters"] == shipped.model.count_params()
    # Rescaling is inside the model: it takes raw 0..255 pixels, so pre-scaled ones are a different picture.
    pixels = np.random.default_rng(2).integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)
    raw = shipped.predict(pixels)
    np.testing.assert_allclose(raw, shipped.predict(pixels.astype(np.float32)), atol=1e-6)
    assert np.max(np.abs(raw - shipped.predict(pixels / 255.0))) > 1e-3
