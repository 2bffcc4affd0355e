"""The verdict rule as a table: which evidence decides, and what the model's numbers become."""

from __future__ import annotations

import pytest

from detector.provenance.credentials import absent
from detector.provenance.metadata import no_camera, no_generator
from detector.verdict import VERDICT_RULES, decide


def model(label="REAL", confidence=0.9, unsure=False, ood=False, accuracy=0.8):
    """A model_assessment as calibration.assess returns it."""
    return {
        "label": label,
        "confidence": confidence,
        "input_kind": "photo",
        "input_kind_description": "photos",
        "measured_accuracy": accuracy,
        "measured_on": "validation photos",
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


# (credentials state, credentials declare, generator metadata declares, camera EXIF, model label) ->
# (verdict label, basis)
TABLE = [
    # Trusted credentials that declare AI decide, whatever the model says.
    (("trusted", "ai_generated", None, False, "REAL"), ("FAKE", "content_credentials")),
    (("trusted", "ai_edited", None, True, "REAL"), ("FAKE", "content_credentials")),
    (("trusted", "ai_generated", None, False, "FAKE"), ("FAKE", "content_credentials")),
    # Valid but untrusted credentials, or generator metadata, declaring AI: FAKE by the file's own metadata.
    (("untrusted", "ai_generated", None, False, "REAL"), ("FAKE", "metadata")),
    (("untrusted", "ai_edited", None, True, "REAL"), ("FAKE", "metadata")),
    ((None, None, "ai_generated", False, "REAL"), ("FAKE", "metadata")),
    ((None, None, "ai_edited", True, "REAL"), ("FAKE", "metadata")),
    (("untrusted", "captured", "ai_generated", True, "REAL"), ("FAKE", "metadata")),
    # Metadata declaring AI comes before trusted credentials declaring a capture.
    (("trusted", "captured", "ai_generated", False, "REAL"), ("FAKE", "metadata")),
    # Trusted credentials declaring a camera capture decide REAL.
    (("trusted", "captured", None, False, "FAKE"), ("REAL", "content_credentials")),
    # A capture declared by untrusted credentials does not count.
    (("untrusted", "captured", None, True, "FAKE"), ("FAKE", "model")),
    # Invalid credentials decide nothing, whatever they would have said.
    (("invalid", None, None, False, "REAL"), ("REAL", "model")),
    (("invalid", None, None, True, "FAKE"), ("FAKE", "model")),
    # Credentials that say nothing about AI or a camera decide nothing.
    (("trusted", None, None, False, "FAKE"), ("FAKE", "model")),
    (("untrusted", None, None, False, "REAL"), ("REAL", "model")),
    # Camera EXIF never decides; no evidence leaves the model's guess.
    ((None, None, None, True, "FAKE"), ("FAKE", "model")),
    ((None, None, None, False, "REAL"), ("REAL", "model")),
    ((None, None, None, False, "FAKE"), ("FAKE", "model")),
]


@pytest.mark.parametrize("evidence, expected", TABLE)
def test_verdict_table(evidence, expected):
    state, declares, generated, has_camera, label = evidence
    verdict = decide(model(label), provenance(state, declares, generated, has_camera))
    assert (verdict["label"], verdict["basis"]) == expected
    assert verdict["summary"] and "\n" not in verdict["summary"]


def test_model_numbers_only_when_the_model_decides():
    by_model = decide(model("FAKE", 0.71, accuracy=0.64), provenance())
    assert (by_model["confidence"], by_model["measured_accuracy"]) == (0.71, 0.64)
    assert "71%" in by_model["summary"]
    by_credentials = decide(model("REAL", 0.99), provenance("trusted", "ai_generated"))
    assert (by_credentials["confidence"], by_credentials["measured_accuracy"]) == (None, None)
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


def test_rules_are_plain_sentences_in_order():
    assert len(VERDICT_RULES) >= 5
    assert all(rule.endswith(".") and len(rule) < 400 for rule in VERDICT_RULES)
    assert "trust list" in VERDICT_RULES[0] and "according to the file's own metadata" in VERDICT_RULES[1]
    assert "camera capture" in VERDICT_RULES[2] and "decide nothing" in VERDICT_RULES[3]
