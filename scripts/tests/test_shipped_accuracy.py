"""The shipped model on the full CIFAKE test split and on modern val, when the data is available.

Set CIFAKE_TEST_ZIP to the path of cifake-test.zip and MODERN_ZIP to the path of
modern-images.zip, with its manifest.csv.gz beside it (CI does both); without
them these tests are skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from training.common import DEFAULT_MODEL_PATH, load_split
from training.metrics import accuracy

TEST_ZIP = os.environ.get("CIFAKE_TEST_ZIP", "")
MODERN_ZIP = os.environ.get("MODERN_ZIP", "")
TARGET_ACCURACY = 0.975


@pytest.mark.skipif(
    not Path(TEST_ZIP).is_file(),
    reason="CIFAKE_TEST_ZIP does not name cifake-test.zip: shipped-model accuracy not checked",
)
def test_shipped_model_accuracy_on_the_full_test_split():
    from detector.classifier import Classifier

    classifier = Classifier.load(DEFAULT_MODEL_PATH)
    data = load_split(Path(TEST_ZIP), "test", show_progress=False)
    assert len(data.labels) >= 19_900 and not data.skipped
    probabilities = np.concatenate(
        [classifier.predict(data.pixels[i : i + 1024]) for i in range(0, len(data.pixels), 1024)]
    )
    measured = accuracy(probabilities, data.labels)
    # The accuracy the model card and README report is what the shipped file really does.
    card = json.loads(DEFAULT_MODEL_PATH.with_name("model_card.json").read_text())
    assert measured == pytest.approx(card["metrics"]["accuracy"], abs=5e-4)
    assert measured >= TARGET_ACCURACY


@pytest.mark.skipif(
    not Path(MODERN_ZIP).is_file(), reason="MODERN_ZIP does not name modern-images.zip: modern val figures not checked"
)
def test_shipped_model_reproduces_its_modern_val_figures():
    from training.metrics import classification_report
    from training.modern import load_modern, whole_pictures

    from detector.calibration import calibrated_probability_real
    from detector.classifier import Classifier

    classifier = Classifier.load(DEFAULT_MODEL_PATH)
    data = load_modern(Path(MODERN_ZIP).parent, "val", show_progress=False)
    raw = classifier.predict(whole_pictures(data))
    card = json.loads(DEFAULT_MODEL_PATH.with_name("model_card.json").read_text())
    stated = card["metrics"]["modern_val"]
    measured = classification_report(raw, data.labels, classifier.threshold)
    assert measured["test_images"] == stated["raw"]["test_images"] == 634
    assert measured["accuracy"] == pytest.approx(stated["raw"]["accuracy"], abs=2e-3)
    assert measured["roc_auc"] == pytest.approx(stated["raw"]["roc_auc"], abs=2e-3)
    # What the product shows on photos: the card's photo temperature, and the figures it quotes.
    temperature = card["calibration"]["kinds"]["photo"]["temperature"]
    shown = classification_report(
        calibrated_probability_real(raw, temperature, classifier.threshold), data.labels, classifier.threshold
    )
    assert shown["ece"] == pytest.approx(stated["calibrated"]["ece"], abs=2e-3)
    assert shown["confidently_wrong"] == pytest.approx(stated["calibrated"]["confidently_wrong"], abs=2e-3)
    assert card["calibration"]["kinds"]["photo"]["measured_accuracy"] == stated["raw"]["accuracy"]
