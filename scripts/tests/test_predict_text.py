"""predict.py's words for each verdict outcome: the headline, the lean under "Can't tell", the evidence."""

from __future__ import annotations

import io

import predict
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from detector.report import evidence

# Photos: right 58% of the time overall, but 95% of the time when 90% sure or more (enough to decide).
BANDS = [
    {"from": 0.5, "to": 0.9, "pictures": 600, "right": 348, "accuracy": 0.58},
    {"from": 0.9, "to": 1.0, "pictures": 200, "right": 190, "accuracy": 0.95},
]
CARD = {
    "calibration": {
        "unsure_below": 0.65,
        "kinds": {"photo": {"temperature": 1.0, "measured_accuracy": 0.58, "bands": BANDS}},
    }
}
SETTINGS = "a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model: sd_xl_base_1.0"


def png(width: int, height: int, **text) -> bytes:
    info = PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def result(data: bytes, width: int, height: int, probability_real: float) -> dict:
    """A result in the API's shape for a picture and the model's P(REAL), as predict.main builds it."""
    label = "REAL" if probability_real > 0.5 else "FAKE"
    return {
        "filename": "picture.png",
        "label": label,
        "probability_real": probability_real,
        **evidence(data, probability_real, width, height, CARD, 0.5),
    }


@pytest.mark.parametrize(
    "data, size, probability_real, headline, lean",
    [
        (png(400, 300), (400, 300), 0.99, "picture.png: real photograph (the pixel model's guess)", None),
        (png(400, 300), (400, 300), 0.02, "picture.png: AI-generated (the pixel model's guess)", None),
        (
            png(400, 300),
            (400, 300),
            0.54,
            "picture.png: Can't tell (nothing settles it)",
            "The pixel model leans towards a real photo (54%), but on pictures like this it was right only 58% "
            "of the time.",
        ),
        (
            png(600, 100),  # stretched beyond anything the model was trained on
            (600, 100),
            0.03,
            "picture.png: Can't tell (nothing settles it)",
            "The pixel model leans towards an AI-generated picture (97%), but on pictures like this it was right "
            "only 58% of the time.",
        ),
        (
            png(400, 300, parameters=SETTINGS),
            (400, 300),
            0.54,
            "picture.png: AI-generated (from the file's own metadata)",
            None,
        ),
    ],
)
def test_each_outcome_in_words(data, size, probability_real, headline, lean):
    lines = predict.describe(result(data, *size, probability_real)).splitlines()
    assert lines[0] == headline
    if lean:
        assert lines[1] == f"  {lean}"
        assert lines[2].startswith("  Can't tell: ")
    else:
        assert "leans towards" not in lines[1] and not lines[1].startswith("  Can't tell")
    assert any(line.startswith("  Pixel model: ") for line in lines)
