"""Bad input to the scripts: a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import shutil

import pytest
from synthetic_data import run_script, write_dataset


def assert_clean_failure(result, *words):
    """Exit status 2 with words in the message and no traceback."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


def test_missing_data_dir(tmp_path):
    result = run_script(
        "train",
        "--data-dir",
        str(tmp_path / "nowhere"),
        "--epochs",
        "1",
        "--run-dir",
        str(tmp_path / "run"),
        "--out",
        str(tmp_path / "m.h5"),
    )
    assert_clean_failure(result, "does not exist", "scripts/dataset.py")


def test_wrong_layout(tmp_path):
    (tmp_path / "data" / "images").mkdir(parents=True)
    result = run_script(
        "train",
        "--data-dir",
        str(tmp_path / "data"),
        "--epochs",
        "1",
        "--run-dir",
        str(tmp_path / "run"),
        "--out",
        str(tmp_path / "m.h5"),
    )
    assert_clean_failure(result, "train", "Kaggle layout")


@pytest.mark.parametrize("script", ["evaluate", "predict", "export_tflite"])
def test_unreadable_model_file(script, tiny_dataset, tmp_path):
    broken = tmp_path / "classifier.h5"
    broken.write_bytes(b"\x89HDF\r\n\x1a\n but truncated")
    args = {
        "evaluate": ["--data", str(tiny_dataset)],
        "predict": [str(broken)],
        "export_tflite": ["--check-data", str(tiny_dataset)],
    }[script]
    result = run_script(script, *args, "--model", str(broken))
    assert_clean_failure(result, "cannot load model")


def test_corrupt_files_in_the_data_are_skipped_and_counted(tmp_path, trained):
    data = write_dataset(tmp_path / "data", per_class=6)
    (data / "test" / "REAL" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    (data / "test" / "FAKE" / "notes.png").write_text("not an image")
    model_dir = tmp_path / "model"
    shutil.copytree(trained / "model", model_dir)
    result = run_script(
        "evaluate",
        "--data",
        str(data),
        "--model",
        str(model_dir / "classifier.h5"),
        "--out",
        str(tmp_path / "p"),
        "--jpeg-qualities",
        "--no-card",
    )
    assert result.returncode == 0, result.stderr
    assert "skipped 2 unreadable file(s)" in result.stderr
    assert "12 images" in result.stdout


def test_empty_class_folder_is_refused(tmp_path, trained):
    data = write_dataset(tmp_path / "data", per_class=4)
    for image in (data / "test" / "FAKE").iterdir():
        image.unlink()
    result = run_script(
        "evaluate",
        "--data",
        str(data),
        "--model",
        str(trained / "model" / "classifier.h5"),
        "--out",
        str(tmp_path / "p"),
        "--no-card",
    )
    assert_clean_failure(result, "FAKE holds no images")
