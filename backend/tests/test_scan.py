"""`detector scan`: a nested folder of generated pictures and bad files, resumed, sharded, summarised.

Each scan here starts real worker processes that load the tiny model, as a
scan of a real collection does.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from images import encode, exif_rotated_jpeg, jpeg, noise, png, png_bomb
from openapi_check import assert_matches

from detector.cli import main
from detector.cli.classify import MAX_FILE_BYTES
from detector.cli.results import CSV_COLUMNS, in_shard

BAD_FILES = {  # name: (bytes or a size for a file of zeros, the API's status for it)
    "notes.txt": (b"not a picture at all", 415),
    "empty.jpg": (b"", 415),
    "truncated.jpg": (jpeg((64, 64))[:300], 415),
    "bomb.png": (png_bomb(), 422),
    "huge.tif": (MAX_FILE_BYTES + 1, 413),  # over the API's upload limit
}


def write_collection(root: Path) -> dict[str, int | None]:
    """Pictures and bad files in nested folders; each path with the error code it should get (None: a picture)."""
    expected: dict[str, int | None] = {}
    pictures = {
        "top.jpg": jpeg((32, 32), seed=1),
        "a/photo.png": png((300, 200), seed=2),
        "a/b/rotated.jpg": exif_rotated_jpeg(),
        "a/b/c/deep.webp": encode(noise((48, 48), seed=3), "WEBP"),
        "a/b/c/deeper.gif": encode(noise((40, 40), seed=4).convert("P"), "GIF"),
        **{f"d/thumb{i:02d}.jpg": jpeg((32, 32), seed=10 + i) for i in range(9)},
    }
    for name, data in pictures.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
        expected[str(root / name)] = None
    for name, (content, code) in BAD_FILES.items():
        path = root / "a" / "b" / name
        if isinstance(content, int):
            with path.open("wb") as file:
                file.truncate(content)
        else:
            path.write_bytes(content)
        expected[str(path)] = code
    (root / "a" / "gone.jpg").symlink_to(root / "nowhere.jpg")  # a dangling link: unreadable
    expected[str(root / "a" / "gone.jpg")] = 400
    return expected


def lines_of(out: Path) -> list[dict]:
    text = out.read_text()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def scan(*args, model: Path, stdin: str | None = None, monkeypatch=None) -> int:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    return main(["scan", *map(str, args), "--workers", "1", "--model", str(model)])


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, model_path):
    """A collection scanned once with two workers, small batches, --summary and --csv."""
    root = tmp_path_factory.mktemp("collection")
    expected = write_collection(root / "pictures")
    out, table = root / "results" / "scan.jsonl", root / "scan.csv"
    argv = ["scan", str(root / "pictures"), "--out", str(out), "--workers", "2", "--batch-size", "3"]
    result = subprocess.run(
        [sys.executable, "-m", "detector.cli", *argv, "--summary", "--csv", str(table), "--model", str(model_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return root, expected, out, table, result


def test_one_line_per_file_in_the_apis_shape(scanned):
    _, expected, out, _, _ = scanned
    lines = lines_of(out)
    assert sorted(line["path"] for line in lines) == sorted(expected)
    for line in lines:
        body = {key: value for key, value in line.items() if key != "path"}
        assert body["filename"] == os.path.basename(line["path"])
        if expected[line["path"]] is None:
            assert_matches(body, "Prediction")
            assert line["verdict"]["label"] in ("REAL", "FAKE", "UNSURE")
        else:
            assert_matches(body, "FileError")
            assert line["error"]["code"] == expected[line["path"]], line


def test_a_picture_is_described_as_the_api_describes_it(scanned, client):
    root, _, out, _, _ = scanned
    picture = root / "pictures" / "a" / "photo.png"
    line = next(line for line in lines_of(out) if line["path"] == str(picture))
    answer = client.post("/api/predict", data={"image": (picture.open("rb"), "photo.png")}).get_json()
    for key in ("label", "probability_real", "image", "model_assessment", "provenance", "verdict", "model_version"):
        assert line[key] == answer[key], key


def test_summary_counts_each_outcome_and_basis(scanned):
    _, expected, out, _, result = scanned
    assert f"warning: {out}" not in result.stderr  # every line the scan wrote is a record
    first, *rows = result.stdout.splitlines()
    assert first == f"{len(expected)} files"
    table = {}
    for row in rows:
        name, count, detail = re.fullmatch(r"  (.+?) +([\d,]+)  \((.*)\)", row).groups()
        table[name] = (int(count.replace(",", "")), detail)
    verdicts = [line["verdict"] for line in lines_of(out) if "verdict" in line]
    outcomes = Counter((verdict["label"], verdict["basis"]) for verdict in verdicts)
    words = {"REAL": "real photograph", "FAKE": "AI-generated", "UNSURE": "Can't tell"}
    assert {words[label]: (count, f"by {basis} {count}") for (label, basis), count in outcomes.items()} == {
        name: value for name, value in table.items() if name != "errors"
    }
    errors = Counter(code for code in expected.values() if code)
    assert table["errors"] == (
        sum(errors.values()),
        "400 Bad Request 1, 413 Request Entity Too Large 1, 415 Unsupported Media Type 3, 422 Unprocessable Entity 1",
    )


def test_csv_has_a_row_per_line(scanned):
    _, expected, out, table, _ = scanned
    with table.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == CSV_COLUMNS
    by_path = {row["path"]: row for row in rows}
    assert sorted(by_path) == sorted(expected)
    for line in lines_of(out):
        row = by_path[line["path"]]
        if "error" in line:
            assert row["error_code"] == str(line["error"]["code"]) and row["verdict"] == ""
        else:
            assert row["verdict"] == line["verdict"]["label"] and row["basis"] == line["verdict"]["basis"]
            assert float(row["probability_real"]) == line["probability_real"]
            assert (int(row["width"]), int(row["height"])) == (line["image"]["width"], line["image"]["height"])


def test_a_finished_scan_is_not_redone_and_needs_no_model(scanned, tmp_path):
    root, _, out, _, _ = scanned
    copy = tmp_path / "scan.jsonl"
    shutil.copy(out, copy)
    started = time.monotonic()
    # No model file: a scan with nothing left to do never loads one.
    status = main(["scan", str(root / "pictures"), "--out", str(copy), "--model", str(tmp_path / "none.h5")])
    assert status == 0 and time.monotonic() - started < 10
    assert copy.read_bytes() == out.read_bytes()


def test_resumes_after_an_interruption(scanned, model_path, tmp_path):
    root, expected, out, _, _ = scanned
    complete = out.read_text().splitlines(keepends=True)
    kept = complete[:5]
    cut = tmp_path / "scan.jsonl"
    # What a kill during a write leaves: whole lines, then part of one.
    cut.write_text("".join(kept) + complete[5][: len(complete[5]) // 2])
    assert scan(root / "pictures", "--out", cut, model=model_path) == 0
    text = cut.read_text()
    assert text.startswith("".join(kept))
    paths = [json.loads(line)["path"] for line in text.splitlines()]  # every line whole
    assert sorted(paths) == sorted(expected)  # each file once: the five done are not redone


def test_a_killed_scan_resumes_where_it_stopped(model_path, tmp_path):
    # Enough files that the scan cannot finish between two looks at its output, even on a busy machine.
    expected = {str(tmp_path / "pictures" / f"{i:03d}.jpg") for i in range(240)}
    (tmp_path / "pictures").mkdir()
    for i, path in enumerate(sorted(expected)):
        Path(path).write_bytes(jpeg((32, 32), seed=i))
    out = tmp_path / "scan.jsonl"
    argv = ["scan", str(tmp_path / "pictures"), "--out", str(out), "--workers", "1", "--batch-size", "1"]
    process = subprocess.Popen(
        [sys.executable, "-m", "detector.cli", *argv, "--model", str(model_path)],
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while (not out.exists() or out.read_text().count("\n") < 2) and time.monotonic() < deadline:
            assert process.poll() is None, "the scan ended before it could be stopped"
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the main process and its worker, with no warning
        process.wait()
    done = len(out.read_text().splitlines())
    assert 2 <= done < len(expected)
    assert scan(tmp_path / "pictures", "--out", out, model=model_path) == 0
    assert Counter(line["path"] for line in lines_of(out)) == Counter(expected)


def test_shards_split_a_collection_and_stdin_lists_files(scanned, model_path, tmp_path, monkeypatch):
    root, expected, _, _, _ = scanned
    listed = "\n".join(sorted(expected)) + "\n"
    first, second = tmp_path / "0.jsonl", tmp_path / "1.jsonl"
    from_stdin = scan("-", "--out", first, "--shard", "0/2", model=model_path, stdin=listed, monkeypatch=monkeypatch)
    assert from_stdin == 0
    assert scan(root / "pictures", "--out", second, "--shard", "1/2", model=model_path) == 0
    shards = [{line["path"] for line in lines_of(out)} for out in (first, second)]
    assert shards[0] and shards[1] and not shards[0] & shards[1]
    assert sorted(shards[0] | shards[1]) == sorted(expected)
    assert all(in_shard(path, 0, 2) for path in shards[0])


@given(st.lists(st.text(min_size=1), max_size=30, unique=True), st.integers(min_value=1, max_value=16))
def test_every_path_falls_in_exactly_one_shard(paths, count):
    for path in paths:
        assert sum(in_shard(path, index, count) for index in range(count)) == 1
    # Stable: the shard depends on the path alone, not on the order or the process.
    assert [in_shard(p, 0, count) for p in paths] == [in_shard(p, 0, count) for p in reversed(paths)][::-1]


def test_shard_of_a_path_is_the_same_in_another_process():
    paths = ["a/b.jpg", "photos/2024/IMG_0001.HEIC", "ünïcode/名前.png"]
    code = "import sys; from detector.cli.results import path_key; print(*[path_key(p) for p in sys.argv[1:]])"
    other = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True, check=True)
    from detector.cli.results import path_key

    assert other.stdout.split() == [str(path_key(path)) for path in paths]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--shard", "2/2"], "INDEX/COUNT"),
        (["--shard", "x"], "INDEX/COUNT"),
        (["--workers", "0"], "at least 1"),
    ],
)
def test_bad_options_are_refused(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["scan", str(tmp_path), "--out", str(tmp_path / "out.jsonl"), *argv])
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_a_missing_model_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "a.jpg").write_bytes(jpeg())
    status = main(["scan", str(tmp_path), "--out", str(tmp_path / "out.jsonl"), "--model", str(tmp_path / "no.h5")])
    assert status == 2 and "does not exist" in capsys.readouterr().err
    assert (tmp_path / "out.jsonl").read_text() == ""


def test_an_unwritable_results_file_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "a.jpg").write_bytes(jpeg())
    (tmp_path / "taken").write_text("a file where a folder should be")
    status = main(["scan", str(tmp_path / "a.jpg"), "--out", str(tmp_path / "taken" / "out.jsonl")])
    assert status == 2 and "cannot write" in capsys.readouterr().err


def test_detector_command_is_installed():
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="detector")
    assert script.load() is main
