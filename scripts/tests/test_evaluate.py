"""evaluate.py, export_tflite.py and predict.py on the tiny trained model."""

from __future__ import annotations

import json
import shutil
import zipfile

import evaluate
import export_tflite
import numpy as np
import predict
import pytest
from PIL import Image
from synthetic_data import run_script
from training import plots
from training.metrics import classification_report, expected_calibration_error


@pytest.fixture
def model_copy(trained, tmp_path):
    """The trained model and card in a folder of their own, so tests may rewrite the card."""
    folder = tmp_path / "model"
    shutil.copytree(trained / "model", folder)
    return folder / "classifier.h5"


def test_writes_metrics_and_every_plot(tiny_dataset, trained, model_copy, tmp_path):
    out = tmp_path / "performance"
    assert (
        evaluate.main(
            [
                "--data",
                str(tiny_dataset),
                "--model",
                str(model_copy),
                "--out",
                str(out),
                "--history",
                str(trained / "performance" / "history.csv"),
                "--jpeg-qualities",
                "90",
                "40",
            ]
        )
        == 0
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_images"] == 48
    assert 0 <= metrics["accuracy"] <= 1 and 0 <= metrics["roc_auc"] <= 1 and 0 <= metrics["ece"] <= 1
    assert set(metrics["per_class"]) == {"REAL", "FAKE"}
    assert sum(map(sum, metrics["confusion_matrix"]["matrix"])) == 48
    assert [row["quality"] for row in metrics["jpeg_robustness"]] == [90, 40]
    for _, _, file in plots.PLOTS:
        with Image.open(out / file) as plot:
            assert plot.format == "PNG" and plot.width > 300
    card = json.loads(model_copy.with_name("model_card.json").read_text())
    assert card["metrics"]["accuracy"] == metrics["accuracy"]
    # The bands the verdict rule reads: every answer in one band, thumbnails and modern val each.
    assert sum(band["pictures"] for band in metrics["bands"]) == 48
    modern = metrics["modern_val"]
    assert sum(band["pictures"] for band in modern["bands"]) == modern["raw"]["test_images"]
    kinds = card["calibration"]["kinds"]
    assert (kinds["thumbnail"]["bands"], kinds["photo"]["bands"]) == (metrics["bands"], modern["bands"])
    assert [plot["file"] for plot in card["plots"]] == [file for _, _, file in plots.PLOTS]


def test_reads_the_test_split_from_a_zip(tiny_dataset, model_copy, tmp_path):
    archive = tmp_path / "cifake-test.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((tiny_dataset / "test").rglob("*.jpg")):
            zf.write(path, path.relative_to(tiny_dataset))
    out = tmp_path / "performance"
    assert (
        evaluate.main(
            ["--data", str(archive), "--model", str(model_copy), "--out", str(out), "--jpeg-qualities", "--no-card"]
        )
        == 0
    )
    assert json.loads((out / "metrics.json").read_text())["test_images"] == 48


def test_metrics_on_known_values():
    labels = np.array([1, 1, 1, 0, 0, 0])
    probabilities = np.array([0.9, 0.8, 0.4, 0.1, 0.2, 0.7])
    report = classification_report(probabilities, labels)
    assert report["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    assert report["confusion_matrix"]["matrix"] == [[2, 1], [1, 2]]
    assert report["per_class"]["REAL"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["roc_auc"] == pytest.approx(8 / 9, abs=1e-4)
    # Perfectly calibrated: 80% confident and right 80% of the time.
    calibrated_p = np.full(10, 0.8)
    assert expected_calibration_error(calibrated_p, np.array([1] * 8 + [0] * 2)) == pytest.approx(0.0)
    assert expected_calibration_error(calibrated_p, np.array([1] * 5 + [0] * 5)) == pytest.approx(0.3)


def test_verdict_outcomes_count_each_outcome_and_whether_it_was_right():
    # Thumbnail answers were right often enough to decide; nothing was measured on photos.
    earned = [{"from": 0.5, "to": 1.0, "pictures": 1000, "right": 970, "accuracy": 0.97}]
    card = {
        "calibration": {
            "unsure_below": 0.65,
            "kinds": {"thumbnail": {"temperature": 1.0, "bands": earned}, "photo": {}},
        }
    }
    probabilities = np.array([0.99, 0.01, 0.55, 0.99, 0.3])
    labels = np.array([1, 0, 0, 1, 1])  # 1 = REAL
    # Two sure thumbnails, an unsure photo leaning the wrong way, a confident picture stretched beyond anything the
    # model was trained on (leaning the right way), and a thumbnail the model gets wrong.
    sizes = np.array([(40, 40), (40, 40), (400, 300), (400, 40), (40, 40)])
    outcomes = evaluate.verdict_outcomes(probabilities, labels, sizes, card, 0.5)
    assert outcomes == {
        "FAKE": {"images": 2, "right": 1, "share": 0.4, "accuracy": 0.5},
        "REAL": {"images": 1, "right": 1, "share": 0.2, "accuracy": 1.0},
        "UNSURE": {"images": 2, "right": 1, "share": 0.4, "accuracy": 0.5},
    }


def test_tflite_export_matches_keras(tiny_dataset, model_copy, capsys):
    out = model_copy.with_suffix(".tflite")
    assert export_tflite.main(["--model", str(model_copy), "--check-data", str(tiny_dataset)]) == 0
    assert out.is_file() and out.stat().st_size > 100_000
    assert "label disagreements = 0" in capsys.readouterr().out


def test_predict_prints_label_and_probability(model_copy, tmp_path, capsys):
    big = tmp_path / "photo.png"
    Image.new("RGB", (1200, 800), (30, 120, 200)).save(big)
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    status = predict.main([str(big), str(text), "--model", str(model_copy), "--json"])
    assert status == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["filename"] == str(big) and lines[0]["label"] in ("REAL", "FAKE")
    assert 0 <= lines[0]["probability_real"] <= 1
    assert lines[0]["verdict"]["basis"] == "model" and lines[0]["provenance"]["content_credentials"]["present"] is False
    assert lines[0]["model_assessment"]["input_kind"] == "photo"
    assert lines[1]["filename"] == str(text) and "not an image" in lines[1]["error"]["description"]


def test_predict_human_output(model_copy, tmp_path):
    image = tmp_path / "a.gif"
    Image.new("P", (64, 64)).save(image)
    result = run_script("predict", str(image), "--model", str(model_copy))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{image}: ")
    assert lines[0].endswith(("(the pixel model's guess)", "Can't tell (nothing settles it)"))
    assert any(line.startswith("  Content Credentials: ") for line in lines)
    assert any(line.startswith("  Pixel model: ") and "P(REAL)=" in line for line in lines)
