"""`detector scan` on hostile collections: pipes and devices, signals, a foreign --out, corrupted results.

The signal tests run the real command in its own process group, feeding it paths
on standard input so that it is mid-scan, with a worker that has loaded the tiny
model, when the signal comes; whatever happens, the group is killed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from images import jpeg

from detector.cli import main

STARTED = 120  # seconds a worker may take to start (import TensorFlow, load the model) on a busy machine
STOPPED = 20  # seconds a stopped scan may take to exit


def lines_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text().splitlines()]


def scan_command(model_path: Path, out: Path, *paths) -> list[str]:
    return [sys.executable, "-m", "detector.cli", "scan", *map(str, paths), "--out", str(out)] + [
        *("--workers", "1", "--batch-size", "1", "--model", str(model_path))
    ]


def parent_of(pid: int) -> int | None:
    """pid's parent from /proc, or None once it has gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def descendants(pid: int) -> set[int]:
    """Every process under pid (its children, theirs, ...), from /proc."""
    parents = {int(entry): parent_of(int(entry)) for entry in os.listdir("/proc") if entry.isdigit()}
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pid: int) -> bool:
    """Whether pid still runs (a zombie left for its parent to reap has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def survivors(pids: set[int], within: float) -> set[int]:
    """The pids still running after waiting up to within seconds for them all to end."""
    deadline = time.monotonic() + within
    while (left := {pid for pid in pids if running(pid)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def wait_for_lines(out: Path, count: int, within: float, process: subprocess.Popen) -> bool:
    """Whether out holds count whole lines within the time (False at once if the scan ended)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and process.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= count:
            return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def scan_from_stdin(model_path: Path, out: Path, log: Path):
    """A scan reading paths from a pipe the test writes to; its whole process group is killed at the end."""
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            scan_command(model_path, out, "-"), stdin=subprocess.PIPE, stderr=stderr, start_new_session=True
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def feed(process: subprocess.Popen, *paths: Path) -> None:
    process.stdin.write(b"".join(os.fsencode(path) + b"\n" for path in paths))
    process.stdin.flush()


# --------------------------------------------------------------------------
# Only regular files are opened


def test_pipes_and_devices_are_skipped_with_a_reason(model_path, tmp_path):
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    (pictures / "a.jpg").write_bytes(jpeg(seed=1))
    (pictures / "z.jpg").write_bytes(jpeg(seed=2))
    os.mkfifo(pictures / "pipe.jpg")  # nothing ever writes to it: opening it to read waits forever
    (pictures / "link-to-pipe.jpg").symlink_to(pictures / "pipe.jpg")
    (pictures / "null.jpg").symlink_to(os.devnull)
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(pictures / "socket.jpg"))
    out = tmp_path / "scan.jsonl"
    command = scan_command(model_path, out, pictures, pictures / "pipe.jpg")
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=STARTED)
    except subprocess.TimeoutExpired:
        pytest.fail("the scan hangs on a named pipe")
    finally:
        listening.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == 0, stderr
    lines = lines_of(out)
    by_path = {line["path"]: line for line in lines}
    assert sorted(by_path) == sorted(
        str(pictures / name) for name in ("a.jpg", "link-to-pipe.jpg", "null.jpg", "pipe.jpg", "socket.jpg", "z.jpg")
    )
    assert len(lines) == 7  # the pipe named twice, once as given and once in the folder
    assert "verdict" in by_path[str(pictures / "a.jpg")] and "verdict" in by_path[str(pictures / "z.jpg")]
    kinds = {
        "pipe.jpg": "a named pipe",
        "link-to-pipe.jpg": "a named pipe",
        "null.jpg": "a character device",
        "socket.jpg": "a socket",
    }
    for name, kind in kinds.items():
        error = by_path[str(pictures / name)]["error"]
        assert error["code"] == 400
        assert error["description"] == f"Not a regular file ({kind}): skipped, only regular files are read."


# --------------------------------------------------------------------------
# Workers end when the scan ends, however it ends


def scan_with_a_worker_at_work(process: subprocess.Popen, out: Path, pictures: Path) -> set[int]:
    """Feed the scan two pictures, then a pipe; the processes under it once its worker has the pipe.

    The scan writes a batch when the next one needs its place (two in flight per worker) or at
    the end, so a line for each picture means that the batch after it was handed to the worker.
    """
    feed(process, pictures / "a.jpg", pictures / "b.jpg")
    assert wait_for_lines(out, 1, STARTED, process), "the scan's worker never started"
    feed(process, pictures / "pipe.jpg")
    assert wait_for_lines(out, 2, STARTED, process), "the scan stopped classifying"
    time.sleep(0.5)  # the pipe used to hold the worker here for ever
    workers = descendants(process.pid)
    assert workers, "the scan has no worker process"
    return workers


@pytest.fixture
def pictures(tmp_path):
    folder = tmp_path / "pictures"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(jpeg(seed=1))
    (folder / "b.jpg").write_bytes(jpeg(seed=2))
    os.mkfifo(folder / "pipe.jpg")
    return folder


@pytest.mark.parametrize(
    "signals, to_group",
    [
        ([signal.SIGINT], True),  # Ctrl-C: the terminal signals the whole process group
        ([signal.SIGINT, signal.SIGINT], True),  # Ctrl-C twice
        ([signal.SIGTERM], False),  # kill, or a pod being stopped: the main process alone
    ],
    ids=["ctrl-c", "ctrl-c-twice", "sigterm"],
)
def test_a_stopped_scan_ends_with_its_workers(signals, to_group, model_path, pictures, tmp_path):
    out, log = tmp_path / "scan.jsonl", tmp_path / "stderr.txt"
    with scan_from_stdin(model_path, out, log) as process:
        workers = scan_with_a_worker_at_work(process, out, pictures)
        for signum in signals:
            (os.killpg if to_group else os.kill)(process.pid, signum)
            time.sleep(0.05)
        try:
            process.wait(timeout=STOPPED)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the scan did not stop on {' '.join(signal.Signals(s).name for s in signals)}")
        assert not survivors(workers, 10), "a worker outlived the scan"
    stderr = log.read_text()
    # A second Ctrl-C that comes as the process is already exiting meets the default handler:
    # killed by SIGINT, which a shell reports as 130 too.
    assert process.returncode == 130 or (len(signals) > 1 and process.returncode == -signal.SIGINT), stderr
    assert "Traceback" not in stderr
    assert "run the same command again to go on" in stderr or "exiting now" in stderr
    assert all(line["path"] for line in lines_of(out))  # every line written is whole


def test_workers_end_when_the_scan_is_killed(model_path, pictures, tmp_path):
    out, log = tmp_path / "scan.jsonl", tmp_path / "stderr.txt"
    with scan_from_stdin(model_path, out, log) as process:
        workers = scan_with_a_worker_at_work(process, out, pictures)
        os.kill(process.pid, signal.SIGKILL)  # no chance to clean up
        process.wait()
        assert not survivors(workers, 10), "a worker outlived the killed scan"


def test_a_second_signal_exits_while_the_first_stop_winds_down():
    code = """if True:
        import time
        from detector.cli.scan import Stopped, _stopped_by_signals
        try:
            with _stopped_by_signals():
                print("scanning", flush=True)
                time.sleep(60)
        except Stopped:
            print("stopping", flush=True)
            time.sleep(60)  # a worker that takes its time to end
    """
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout.readline() == b"scanning\n"
        process.send_signal(signal.SIGINT)
        assert process.stdout.readline() == b"stopping\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=STOPPED) == 130
    finally:
        process.kill()
        process.wait()
    assert b"exiting now" in process.stderr.read()


# --------------------------------------------------------------------------
# --out: only ever a results file of the scan's own


def scan_nothing(out: Path, tmp_path: Path) -> int:
    """A scan with no file to classify (no model is loaded), appending to out."""
    (tmp_path / "empty").mkdir(exist_ok=True)
    return main(["scan", str(tmp_path / "empty"), "--out", str(out), "--model", str(tmp_path / "none.h5")])


RESULT = '{"path": "/photos/a.jpg", "filename": "a.jpg", "error": {"code": 415, "name": "N", "description": "D"}}\n'


@pytest.mark.parametrize(
    "content",
    [
        b"my notes, no newline at the end",
        b"my notes\nwith two lines\n",
        RESULT.encode() + b"and a line of notes",
        b"[1, 2]\n",
        b'{"name": "not a result"}\n',
    ],
    ids=["text-without-newline", "text", "a-result-then-text", "json-not-an-object", "object-without-path"],
)
def test_a_file_that_is_not_a_results_file_is_refused_untouched(content, tmp_path, capsys):
    out = tmp_path / "notes.txt"
    out.write_bytes(content)
    assert scan_nothing(out, tmp_path) == 2
    assert out.read_bytes() == content
    error = capsys.readouterr().err
    assert error.startswith(f"error: {out} is not a results file of detector scan") and error.count("\n") == 1


def test_a_symbolic_link_is_never_written_through(tmp_path, capsys):
    target = tmp_path / "results.jsonl"
    target.write_text(RESULT + RESULT[:20])  # a results file with a cut last line, which a scan would repair
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    assert scan_nothing(link, tmp_path) == 2
    assert target.read_text() == RESULT + RESULT[:20]
    assert "is a symbolic link" in capsys.readouterr().err


def test_a_pipe_as_out_is_refused_at_once(tmp_path, capsys):
    os.mkfifo(tmp_path / "out.jsonl")
    assert scan_nothing(tmp_path / "out.jsonl", tmp_path) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_the_lock_is_taken_before_the_file_is_touched(tmp_path, capsys):
    import fcntl

    out = tmp_path / "scan.jsonl"
    out.write_text(RESULT + RESULT[:30])  # another scan is writing its next batch
    with out.open("rb") as other_scan:
        fcntl.flock(other_scan, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert scan_nothing(out, tmp_path) == 2
    assert out.read_text() == RESULT + RESULT[:30]
    assert "another scan is writing" in capsys.readouterr().err


@pytest.mark.parametrize("tail", ["", '{"pa', '{"path": "/photos/b.jp', RESULT[:-1]])
def test_a_results_file_cut_by_a_crash_is_repaired(tail, tmp_path, capsys):
    out = tmp_path / "scan.jsonl"
    out.write_text(RESULT + tail)
    assert scan_nothing(out, tmp_path) == 0
    assert out.read_text() == RESULT
    assert ("removed an unfinished last line" in capsys.readouterr().err) == bool(tail)


def test_an_empty_or_blank_file_is_a_results_file(tmp_path):
    for content in ("", "\n\n"):
        out = tmp_path / "scan.jsonl"
        out.write_text(content)
        assert scan_nothing(out, tmp_path) == 0
        assert out.read_text() == content


# --------------------------------------------------------------------------
# Corrupted results files


@pytest.mark.parametrize(
    "line, reason",
    [
        ('{"path": 5}', 'it has no "path" string'),
        ('{"path": "\\ud800x"}', 'its "path" is not a file name'),
        ('{"path": "unterminated\\u12"}', "it is not a JSON object"),
        ('{"path": "a", "error": 1}\n{"path": [1]}', 'it has no "path" string'),
    ],
    ids=["path-a-number", "path-a-lone-surrogate", "bad-escape", "second-line"],
)
def test_resuming_from_a_corrupted_results_file_is_refused_with_the_line(line, reason, tmp_path, capsys):
    out = tmp_path / "scan.jsonl"
    content = RESULT + line + "\n" + RESULT
    out.write_text(content)
    assert scan_nothing(out, tmp_path) == 2
    assert out.read_text() == content
    number = 2 + line.count("\n")
    assert capsys.readouterr().err == (
        f"error: {out} is not a results file of detector scan (line {number}: {reason}); "
        "it was left as it is: mend or remove that line, or give another --out\n"
    )


def test_a_summary_and_csv_skip_a_corrupted_record_with_a_warning(tmp_path, capsys):
    out, table = tmp_path / "scan.jsonl", tmp_path / "scan.csv"
    out.write_text(RESULT + '{"path": "x", "error": 1}\n' + '{"path": "y", "verdict": {"label": "FAKE"}}\n' + RESULT)
    (tmp_path / "empty").mkdir()
    argv = ["scan", str(tmp_path / "empty"), "--out", str(out), "--summary", "--csv", str(table)]
    assert main([*argv, "--model", str(tmp_path / "none.h5")]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "2 files"
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert warnings == [  # each once, though the file was read twice
        f'warning: {out}, line 2: its "error" is not an object; left out',
        f'warning: {out}, line 3: its "verdict.basis" is missing; left out',
    ]
    assert table.read_text().count("/photos/a.jpg") == 2
