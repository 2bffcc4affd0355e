"""The verdict rule as a table: which evidence decides, and what the model's numbers become."""

from __future__ import annotations

import pytest
from openapi_check import assert_matches

from detector.provenance.credentials import absent
from detector.provenance.metadata import no_camera, no_generator
from detector.verdict import VERDICT_RULES, decide, earned, lead_order

# A confidence band whose answers were right often enough, over enough held-out pictures, to decide.
EARNED = {"from": 0.9, "to": 1.0, "pictures": 200, "accuracy": 0.95}


def model(label="REAL", confidence=0.9, unsure=False, ood=False, accuracy=0.8, band=EARNED):
    """A model_assessment as calibration.assess returns it."""
    return {
        "label": label,
        "confidence": confidence,
        "input_kind": "photo",
        "input_kind_description": "photos",
        "measured_accuracy": accuracy,
        "measured_on": "validation photos",
        "band": band,
        "unsure": unsure,
        "out_of_distribution": ood,
        "note": None,
    }


def credentials(state, declares):
    """A content_credentials finding in a given state."""
    if state is None:
        return absent()
    return {
        **absent(),
        "present": True,
        "state": state,
        "declares": declares,
        "signer": {"issuer": "Example Generator Inc.", "common_name": "Signer"},
        "trust_list": "C2PA trust list" if state == "trusted" else None,
    }


def generator(declares):
    """A generator_metadata finding declaring something, or nothing."""
    if declares is None:
        return no_generator()
    return {
        **no_generator(),
        "present": True,
        "declares": declares,
        "strength": "strong",
        "generator": "ComfyUI",
        "found_in": "PNG text chunk 'prompt'",
    }


def camera(present):
    """A camera_metadata finding."""
    if not present:
        return no_camera()
    return {**no_camera(), "present": True, "strength": "weak", "make": "Canon", "model": "EOS R5"}


def provenance(state=None, declares=None, generated=None, has_camera=False):
    return {
        "content_credentials": credentials(state, declares),
        "generator_metadata": generator(generated),
        "camera_metadata": camera(has_camera),
        "note": ".",
    }


# How the pixel model stands: sure of its guess, unsure (calibrated confidence under the limit), or facing
# a picture unlike any it was trained on (out of distribution).
SURE, UNSURE, OOD = "sure", "unsure", "out of distribution"

# (credentials state, credentials declare, generator metadata declares, camera EXIF, model label, model stands) ->
# (verdict label, basis, lean)
TABLE = [
    # Trusted credentials that declare AI decide, whatever the model says.
    (("trusted", "ai_generated", None, False, "REAL", SURE), ("FAKE", "content_credentials", None)),
    (("trusted", "ai_edited", None, True, "REAL", SURE), ("FAKE", "content_credentials", None)),
    (("trusted", "ai_generated", None, False, "FAKE", SURE), ("FAKE", "content_credentials", None)),
    (("trusted", "ai_generated", None, False, "REAL", UNSURE), ("FAKE", "content_credentials", None)),
    (("trusted", "ai_generated", None, False, "REAL", OOD), ("FAKE", "content_credentials", None)),
    # Valid but untrusted credentials, or generator metadata, declaring AI: FAKE by the file's own metadata.
    (("untrusted", "ai_generated", None, False, "REAL", SURE), ("FAKE", "metadata", None)),
    (("untrusted", "ai_edited", None, True, "REAL", SURE), ("FAKE", "metadata", None)),
    ((None, None, "ai_generated", False, "REAL", SURE), ("FAKE", "metadata", None)),
    ((None, None, "ai_edited", True, "REAL", SURE), ("FAKE", "metadata", None)),
    (("untrusted", "captured", "ai_generated", True, "REAL", SURE), ("FAKE", "metadata", None)),
    (("untrusted", "ai_generated", None, False, "REAL", UNSURE), ("FAKE", "metadata", None)),
    ((None, None, "ai_generated", False, "FAKE", OOD), ("FAKE", "metadata", None)),
    # Metadata declaring AI comes before trusted credentials declaring a capture.
    (("trusted", "captured", "ai_generated", False, "REAL", SURE), ("FAKE", "metadata", None)),
    # Trusted credentials declaring a camera capture decide REAL, however the model stands.
    (("trusted", "captured", None, False, "FAKE", SURE), ("REAL", "content_credentials", None)),
    (("trusted", "captured", None, False, "FAKE", UNSURE), ("REAL", "content_credentials", None)),
    (("trusted", "captured", None, False, "FAKE", OOD), ("REAL", "content_credentials", None)),
    # A capture declared by untrusted credentials does not count.
    (("untrusted", "captured", None, True, "FAKE", SURE), ("FAKE", "model", None)),
    (("untrusted", "captured", None, True, "FAKE", UNSURE), ("UNSURE", "model", "FAKE")),
    # Invalid credentials decide nothing, whatever they would have said.
    (("invalid", None, None, False, "REAL", SURE), ("REAL", "model", None)),
    (("invalid", None, None, True, "FAKE", SURE), ("FAKE", "model", None)),
    (("invalid", None, None, False, "REAL", UNSURE), ("UNSURE", "model", "REAL")),
    # Credentials that say nothing about AI or a camera decide nothing.
    (("trusted", None, None, False, "FAKE", SURE), ("FAKE", "model", None)),
    (("untrusted", None, None, False, "REAL", SURE), ("REAL", "model", None)),
    (("trusted", None, None, False, "FAKE", OOD), ("UNSURE", "model", "FAKE")),
    # Camera EXIF never decides; no evidence leaves the model's guess.
    ((None, None, None, True, "FAKE", SURE), ("FAKE", "model", None)),
    ((None, None, None, False, "REAL", SURE), ("REAL", "model", None)),
    ((None, None, None, False, "FAKE", SURE), ("FAKE", "model", None)),
    ((None, None, None, True, "REAL", UNSURE), ("UNSURE", "model", "REAL")),
    # An unsure model, or a picture unlike any it was trained on, gives "can't tell", leaning its way.
    ((None, None, None, False, "REAL", UNSURE), ("UNSURE", "model", "REAL")),
    ((None, None, None, False, "FAKE", UNSURE), ("UNSURE", "model", "FAKE")),
    ((None, None, None, False, "REAL", OOD), ("UNSURE", "model", "REAL")),
    ((None, None, None, False, "FAKE", OOD), ("UNSURE", "model", "FAKE")),
]


def model_standing(label: str, stands: str) -> dict:
    """A model_assessment with the label given, sure, unsure or out of distribution."""
    if stands == UNSURE:
        return model(label, confidence=0.55, unsure=True)
    if stands == OOD:  # out of distribution even when confident
        return model(label, confidence=0.8, ood=True)
    return model(label)


@pytest.mark.parametrize("evidence, expected", TABLE)
def test_verdict_table(evidence, expected):
    state, declares, generated, has_camera, label, stands = evidence
    verdict = decide(model_standing(label, stands), provenance(state, declares, generated, has_camera))
    assert (verdict["label"], verdict["basis"], verdict["lean"]) == expected
    assert_matches(verdict, "Verdict")
    assert verdict["summary"] and "\n" not in verdict["summary"]
    assert verdict["summary"].startswith("Can't tell") == (verdict["label"] == "UNSURE")


def test_model_numbers_only_when_the_model_decides():
    by_model = decide(model("FAKE", 0.71, accuracy=0.64), provenance())
    # The accuracy quoted is that of the answer's confidence band, not of the kind as a whole.
    assert (by_model["confidence"], by_model["measured_accuracy"]) == (0.71, 0.95)
    assert by_model["pixel_evidence"] == "builtin"
    no_band = decide(model("FAKE", 0.71, accuracy=0.64, band=None), provenance())
    assert (no_band["label"], no_band["measured_accuracy"]) == ("UNSURE", 0.64)
    assert "71%" in by_model["summary"]
    by_credentials = decide(model("REAL", 0.99), provenance("trusted", "ai_generated"))
    assert (by_credentials["confidence"], by_credentials["measured_accuracy"]) == (None, None)
    assert by_credentials["pixel_evidence"] is None
    by_metadata = decide(model("REAL", 0.99), provenance(generated="ai_generated"))
    assert (by_metadata["confidence"], by_metadata["measured_accuracy"]) == (None, None)


def test_summaries_name_the_evidence():
    trusted = decide(model(), provenance("trusted", "ai_generated"))["summary"]
    assert "Example Generator Inc." in trusted and "C2PA trust list" in trusted
    assert decide(model(), provenance("trusted", "ai_edited"))["summary"].startswith("AI-edited")
    untrusted = decide(model(), provenance("untrusted", "ai_generated"))["summary"]
    assert "according to the file's own metadata" in untrusted and "no known trust list" in untrusted
    assert "ComfyUI" in decide(model(), provenance(generated="ai_generated"))["summary"]
    assert "unsure" in decide(model(unsure=True, confidence=0.55), provenance())["summary"]
    assert "unlike" in decide(model(ood=True), provenance())["summary"]


def test_cant_tell_keeps_the_models_numbers():
    unsure = decide(model("REAL", 0.54, unsure=True, accuracy=0.58, band=None), provenance())
    assert (unsure["label"], unsure["lean"]) == ("UNSURE", "REAL")
    assert (unsure["confidence"], unsure["measured_accuracy"]) == (0.54, 0.58)
    assert unsure["summary"].startswith("Can't tell: the pixel model is unsure")
    unseen = decide(model("FAKE", 0.97, ood=True, accuracy=0.58), provenance())
    assert (unseen["label"], unseen["lean"], unseen["confidence"]) == ("UNSURE", "FAKE", 0.97)
    assert "unlike those the pixel model was trained on" in unseen["summary"]
    sure = decide(model("FAKE", 0.97, accuracy=0.98), provenance())
    assert (sure["label"], sure["lean"], sure["confidence"]) == ("FAKE", None, 0.97)
    assert "guesses AI-generated (97% confidence)" in sure["summary"]


def test_rules_are_plain_sentences_in_order():
    assert len(VERDICT_RULES) >= 5
    assert all(rule.endswith(".") and len(rule) < 400 for rule in VERDICT_RULES)
    assert "trust list" in VERDICT_RULES[0] and "according to the file's own metadata" in VERDICT_RULES[1]
    assert "camera capture" in VERDICT_RULES[2] and "decide nothing" in VERDICT_RULES[3]
    assert "pixel model" in VERDICT_RULES[4]
    assert "unsure" in VERDICT_RULES[5] and "unlike those it was trained on" in VERDICT_RULES[5]
    assert "UNSURE" in VERDICT_RULES[5]
    assert "90%" in VERDICT_RULES[6] and "50 pictures" in VERDICT_RULES[6]
    assert "0.02" in VERDICT_RULES[7]


# (band accuracy, pictures in the band) -> may it decide?
BANDS = [
    ((0.95, 200), True),
    ((0.90, 50), True),  # both limits are inclusive
    ((0.8999, 500), False),  # right less than 90% of the time
    ((0.99, 49), False),  # too few pictures
    ((None, 0), False),  # nothing measured in that band
]


@pytest.mark.parametrize("figures, decides", BANDS)
def test_pixel_evidence_decides_only_where_its_band_earned_it(figures, decides):
    accuracy, pictures = figures
    band = {"from": 0.9, "to": 1.0, "pictures": pictures, "accuracy": accuracy}
    assert earned(band) is decides
    verdict = decide(model("FAKE", 0.97, band=band), provenance())
    assert verdict["label"] == ("FAKE" if decides else "UNSURE")
    assert verdict["lean"] == (None if decides else "FAKE")
    assert_matches(verdict, "Verdict")
    if not decides:
        assert verdict["summary"].startswith("Can't tell")
        if accuracy is not None:
            assert f"{accuracy:.0%}" in verdict["summary"] and f"{pictures:,}" in verdict["summary"]


def test_a_band_that_did_not_earn_it_never_decides_whatever_the_confidence():
    for confidence in (0.66, 0.8, 0.99, 1.0):
        weak = {"from": 0.5, "to": 1.0, "pictures": 10_000, "accuracy": 0.89}
        assert decide(model("REAL", confidence, band=weak), provenance())["label"] == "UNSURE"


def detector_line(name, label="FAKE", confidence=0.97, band=EARNED, kind_measured=True, note=None):
    """A brought detector's evidence line as the registry makes it."""
    return {
        "name": name,
        "label": label,
        "confidence": confidence,
        "input_kind": "photo",
        "band": band,
        "unsure": False,
        "kind_measured": kind_measured,
        "measured_on": "120 photos from 3 sources",
        "mean_source_roc_auc": 0.8,
        "combines": None,
        "note": note,
    }


def test_the_leading_detector_decides_and_the_built_in_model_does_not():
    weak_builtin = model("REAL", 0.9, band={"from": 0.65, "to": 1.0, "pictures": 34, "accuracy": 0.56})
    lines = [detector_line("vit")]
    verdict = decide(weak_builtin, provenance(), lines, ["vit"])
    assert (verdict["label"], verdict["pixel_evidence"], verdict["confidence"]) == ("FAKE", "vit", 0.97)
    assert "the detector vit" in verdict["summary"].lower()
    # Without a lead order the built-in model leads, and its band did not earn it.
    alone = decide(weak_builtin, provenance(), lines)
    assert (alone["label"], alone["lean"], alone["pixel_evidence"]) == ("UNSURE", "REAL", "builtin")


def test_a_skipped_or_unmeasured_detector_gives_the_lead_to_the_next():
    skipped = detector_line("vit", label=None, confidence=None, band=None, note="Skipped for this request")
    other_kind = detector_line("convnext", kind_measured=False, band=None)
    verdict = decide(model("REAL"), provenance(), [skipped, other_kind], ["vit", "convnext"])
    assert (verdict["label"], verdict["pixel_evidence"]) == ("REAL", "builtin")


def test_the_file_evidence_still_comes_before_any_detector():
    verdict = decide(model(), provenance("trusted", "ai_generated"), [detector_line("vit", "REAL")], ["vit"])
    assert (verdict["label"], verdict["basis"], verdict["pixel_evidence"]) == ("FAKE", "content_credentials", None)


def test_a_combination_leads_only_where_it_beats_the_best_single_detector_by_002():
    singles = [
        {"name": "a", "mean_source_roc_auc": 0.70},
        {"name": "b", "mean_source_roc_auc": 0.80},
        {"name": "builtin", "mean_source_roc_auc": None},
    ]
    just_short = {"name": "combined", "mean_source_roc_auc": 0.8199, "combines": ["a", "b"]}
    assert lead_order([*singles, just_short]) == ["b", "a", "builtin"]
    enough = {"name": "combined", "mean_source_roc_auc": 0.82, "combines": ["a", "b"]}
    assert lead_order([*singles, enough]) == ["combined", "b", "a", "builtin"]
