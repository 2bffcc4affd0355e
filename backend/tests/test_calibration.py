"""Calibration per kind of input: the kind rule, the arithmetic, and what the API is told."""

from __future__ import annotations

import numpy as np
import pytest

from detector.calibration import (
    assess,
    calibrated_probability_real,
    decision_summary,
    fit_temperature,
    input_kind,
)

CARD = {
    "calibration": {
        "unsure_below": 0.65,
        "kinds": {
            "thumbnail": {"temperature": 1.0, "measured_accuracy": 0.978, "measured_on": "CIFAKE test"},
            "photo": {"temperature": 4.0, "measured_accuracy": 0.61, "measured_on": "modern val"},
        },
    }
}


@pytest.mark.parametrize(
    "width,height,kind",
    [
        (32, 32, "thumbnail"),
        (64, 48, "thumbnail"),
        (65, 10, "photo"),
        (4000, 3000, "photo"),
        (10, 200, "photo"),
    ],
)
def test_the_kind_of_input_follows_the_original_size(width, height, kind):
    assert input_kind(width, height) == kind


@pytest.mark.parametrize("probability", [0.001, 0.2, 0.49, 0.5, 0.51, 0.8, 0.999])
@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0, 20.0])
def test_calibration_never_flips_a_label(probability, temperature):
    calibrated = calibrated_probability_real(probability, temperature)
    assert (calibrated > 0.5) == (probability > 0.5)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_calibration_keeps_the_cards_threshold_as_the_boundary(threshold):
    probabilities = np.array([threshold - 0.01, threshold + 0.01])
    calibrated = calibrated_probability_real(probabilities, 5.0, threshold)
    assert calibrated[0] < 0.5 < calibrated[1]


@pytest.mark.parametrize(
    "raw,thumbnail_confidence,photo_confidence",
    [
        (0.99, 0.99, 0.759),  # sigmoid(logit(0.99) / 4)
        (0.10, 0.90, 0.634),
        (0.60, 0.60, 0.525),
    ],
)
def test_a_thumbnail_and_a_photo_with_the_same_output_get_their_own_calibration(
    raw, thumbnail_confidence, photo_confidence
):
    thumbnail = assess(raw, 32, 32, CARD)
    photo = assess(raw, 1920, 1080, CARD)
    assert thumbnail["label"] == photo["label"] == ("REAL" if raw > 0.5 else "FAKE")
    assert thumbnail["confidence"] == pytest.approx(thumbnail_confidence, abs=1e-3)
    assert photo["confidence"] == pytest.approx(photo_confidence, abs=1e-3)
    assert (thumbnail["input_kind"], photo["input_kind"]) == ("thumbnail", "photo")
    assert (thumbnail["measured_accuracy"], photo["measured_accuracy"]) == (0.978, 0.61)


def test_low_calibrated_confidence_is_called_unsure_in_words():
    photo = assess(0.9, 800, 600, CARD)  # sigmoid(logit(0.9) / 4) = 0.634
    assert photo["unsure"] and "unsure" in photo["note"]
    assert not assess(0.9, 32, 32, CARD)["unsure"]


def test_out_of_distribution_is_said_in_words():
    answer = assess(0.99, 32, 32, CARD, out_of_distribution=True)
    assert answer["out_of_distribution"] and "unlike the pictures" in answer["note"]


@pytest.mark.parametrize(
    "width,height,unseen",
    [
        (32, 32, False),
        (16, 16, True),
        (31, 200, True),
        (1000, 250, False),
        (1001, 250, True),
        (300, 2000, True),
    ],
)
def test_shapes_no_training_picture_had_get_the_most_cautious_calibration(width, height, unseen):
    answer = assess(0.99, width, height, CARD)
    assert answer["out_of_distribution"] is unseen
    photo_confidence = assess(0.99, 1000, 800, CARD)["confidence"]
    if unseen:
        assert answer["confidence"] == pytest.approx(photo_confidence)
        assert answer["measured_accuracy"] == 0.61


def test_a_card_without_calibration_claims_nothing_measured():
    answer = assess(0.8, 1000, 1000, {})
    assert answer["confidence"] == pytest.approx(0.8)
    assert answer["measured_accuracy"] is None and answer["measured_on"] is None


def test_temperature_fit_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 3, 20_000)
    labels = (rng.random(20_000) < 1 / (1 + np.exp(-true_logits))).astype(int)
    assert fit_temperature(4 * true_logits, labels) == pytest.approx(4.0, rel=0.08)


def test_the_decision_summary_names_every_kind_with_its_figures():
    summary = decision_summary(CARD, 0.5)
    assert summary["threshold"] == 0.5 and summary["input_size"] == 32
    assert summary["class_names"] == ["FAKE", "REAL"] and summary["unsure_below"] == 0.65
    kinds = {kind["name"]: kind for kind in summary["input_kinds"]}
    assert kinds["photo"]["temperature"] == 4.0 and kinds["photo"]["measured_accuracy"] == 0.61
    assert kinds["thumbnail"]["max_side"] == 64


BANDED = {
    "calibration": {
        "kinds": {
            "photo": {
                "temperature": 1.0,
                "measured_accuracy": 0.6,
                "bands": [
                    {"from": 0.5, "to": 0.9, "pictures": 300, "right": 171, "accuracy": 0.57},
                    {"from": 0.9, "to": 1.0, "pictures": 80, "right": 76, "accuracy": 0.95},
                ],
            }
        }
    }
}


@pytest.mark.parametrize("probability_real, band", [(0.8, 0.57), (0.3, 0.57), (0.95, 0.95), (1.0, 0.95), (0.02, 0.95)])
def test_the_assessment_names_the_band_its_confidence_falls_in(probability_real, band):
    answer = assess(probability_real, 400, 300, BANDED)
    assert answer["band"]["accuracy"] == band
    assert set(answer["band"]) == {"from", "to", "pictures", "accuracy"}


def test_no_band_speaks_for_a_picture_unlike_the_training_pictures_or_an_unmeasured_kind():
    assert assess(0.99, 600, 100, BANDED)["band"] is None  # stretched beyond 4:1
    assert assess(0.99, 40, 40, BANDED)["band"] is None  # thumbnails: no bands in this card


def test_confidence_bands_count_answers_and_close_the_last_band():
    from detector.calibration import confidence_bands

    bands = confidence_bands(np.array([0.5, 0.55, 0.61, 0.95, 1.0]), np.array([True, False, True, True, False]))
    counts = [(band["from"], band["pictures"], band["right"], band["accuracy"]) for band in bands]
    assert counts == [(0.5, 2, 1, 0.5), (0.6, 1, 1, 1.0), (0.7, 0, 0, None), (0.8, 0, 0, None), (0.9, 2, 1, 0.5)]


def test_calibration_error_and_confidently_wrong_on_known_values():
    from detector.calibration import confidently_wrong_share, expected_calibration_error

    # 80% sure and right 80% of the time: perfectly calibrated; right half the time: 0.3 off.
    assert expected_calibration_error(np.full(10, 0.8), np.array([1] * 8 + [0] * 2)) == pytest.approx(0.0)
    assert expected_calibration_error(np.full(10, 0.8), np.array([1] * 5 + [0] * 5)) == pytest.approx(0.3)
    assert confidently_wrong_share(np.array([0.95, 0.05, 0.6, 0.97]), np.array([0, 0, 0, 1])) == 0.25
