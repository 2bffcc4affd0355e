"""`detector scan PATH... --out RESULTS.jsonl`: classify a whole collection, resumably.

Walks folders recursively (and reads more paths, one a line, from standard
input for `-`), sends the files in batches to worker processes that each load
the model once, and appends one JSON line per file to --out: the API's answer
plus `path`, or `path`, `filename` and `error` in the API's error shape for a
file that is not a picture or breaks a limit. Each batch is written whole and
flushed, so a scan that is stopped loses at most the batches in flight. Run the
same command again to go on: files already in --out are skipped, and when none
is left the model is never loaded. `--shard INDEX/COUNT` scans only the files
whose path falls in that shard, so COUNT processes (or pods) share a collection.

Only regular files are read: a named pipe, device, socket or folder met as a
file gets an error line saying what it is. Ctrl-C or SIGTERM stops the scan and
ends its workers (status 130); a second one exits at once. Workers also end if
the scan is killed outright.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from multiprocessing.connection import wait as wait_for_ready
from pathlib import Path

from .base import UserError, detectors_default, load_classifier, load_detectors
from .classify import classify_files
from .predict import DEFAULT_MODEL_PATH
from .results import format_summary, in_shard, open_results, outcome_counts, read_results, result_line, write_csv

BATCH_SIZE = 16
# Batches queued per worker: enough to keep every worker busy, few enough to bound memory.
BATCHES_PER_WORKER = 2
LOG_EVERY = 60.0  # seconds between progress lines when stderr is not a terminal
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C; `kill` or a pod being stopped
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def add_parser(commands) -> None:
    """The `scan` subcommand and its options."""
    parser = commands.add_parser(
        "scan",
        help="classify every file under folders into a resumable JSON-lines file",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files and folders; - reads paths from stdin")
    parser.add_argument("--out", type=Path, required=True, help="results, one JSON object per line (appended)")
    parser.add_argument("--workers", type=positive, default=cpu_count(), help="worker processes (default: CPUs)")
    parser.add_argument("--batch-size", type=positive, default=BATCH_SIZE, help="files per batch (default: 16)")
    parser.add_argument("--shard", type=shard, default=(0, 1), metavar="INDEX/COUNT", help="scan one shard, e.g. 0/4")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH, help="the Keras .h5 model")
    parser.add_argument(
        "--detectors", default=detectors_default(), metavar="DIR", help="brought detectors (default: $DETECTORS_DIR)"
    )
    parser.add_argument("--summary", action="store_true", help="print files per verdict and basis at the end")
    parser.add_argument("--csv", type=Path, help="also write every result in --out as a flat CSV table")
    parser.set_defaults(handler=run)


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def shard(text: str) -> tuple[int, int]:
    """An argparse type: INDEX/COUNT with 0 <= INDEX < COUNT."""
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        raise argparse.ArgumentTypeError(f"expected INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 0/4; got {text!r}")
    return int(index), int(count)


def cpu_count() -> int:
    """The CPUs this process may run on."""
    with contextlib.suppress(AttributeError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# --------------------------------------------------------------------------
# The collection


def walk(targets: Iterable[str], stdin=None) -> Iterator[str]:
    """Every file under the targets, as it is reached (folders in name order; `-` reads stdin)."""
    for target in targets:
        if target == "-":
            for line in (stdin or sys.stdin).buffer:
                name = os.fsdecode(line.rstrip(b"\r\n"))
                if name:
                    yield from _files(name)
        else:
            yield from _files(target)


def _files(path: str) -> Iterator[str]:
    """path itself, or every file in the folder tree under it (symbolic links to folders are not followed)."""
    if not os.path.isdir(path):
        yield path  # a missing or unreadable path is reported as such
        return
    unreadable: list[str] = []
    for folder, subfolders, names in os.walk(path, onerror=lambda error: unreadable.append(error.filename)):
        subfolders.sort()
        yield from unreadable  # a folder that cannot be listed is an error line, like a file
        unreadable.clear()
        for name in sorted(names):
            yield os.path.join(folder, name)
    yield from unreadable


def batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """Consecutive lists of size items (the last may be shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# --------------------------------------------------------------------------
# Worker processes: each loads the model once and classifies batches


_classifier = None
_detectors = None
_load_error: str | None = None


def _start_worker(model_path: str, detectors_dir: str | None = None) -> None:
    """Load the model and the brought detectors in this worker; a failure is reported by the first batch."""
    global _classifier, _detectors, _load_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process, which stops the workers
    _end_with_parent()
    try:
        _classifier = load_classifier(model_path)
        _detectors = load_detectors(detectors_dir, _classifier, model_path)
    except UserError as error:
        _load_error = str(error)
    from ..provenance import warm_up

    warm_up()


def _end_with_parent() -> None:
    """End this worker when the scan's process ends, even if it is killed outright (SIGKILL).

    A worker otherwise outlives a killed scan, holding its model's memory (about 800 MB) and
    waiting for work that never comes, or busy with a batch nobody will write.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    if sys.platform.startswith("linux"):
        # The kernel kills this process when its parent dies, even in the middle of a long C call.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # Everywhere, and for a parent that died before the prctl: the pipe that multiprocessing keeps
    # open from the parent to each child it spawned closes when the parent ends.
    threading.Thread(target=_exit_when_ready, args=(parent.sentinel,), daemon=True).start()


def _exit_when_ready(sentinel: int) -> None:
    """Exit this process as soon as sentinel is ready (at once if it already is)."""
    wait_for_ready([sentinel])
    os._exit(1)


def _classify_batch(paths: list[str]) -> tuple[str, int]:
    """The batch's result lines, and how many of them are errors."""
    if _classifier is None:
        raise UserError(_load_error or "the model is not loaded")
    results = classify_files(_classifier, paths, detectors=_detectors)
    return "".join(result_line(result) for result in results), sum("error" in result for result in results)


# --------------------------------------------------------------------------
# The scan


class Stopped(Exception):
    """Ctrl-C or SIGTERM: stop the scan, ending its workers."""


def run(args: argparse.Namespace) -> int:
    """Scan, append, then print the summary and write the CSV if asked."""
    index, count = args.shard
    try:
        out, recorded, dropped = open_results(args.out)
    except OSError as error:
        raise UserError(f"cannot write {args.out}: {error.strerror or error}") from None
    with out:
        if dropped:
            print(f"{args.out}: removed an unfinished last line ({dropped} bytes)", file=sys.stderr)
        if recorded:
            print(f"{args.out}: {len(recorded):,} files already done, skipped", file=sys.stderr)

        def wanted(path: str) -> bool:
            return path not in recorded and (count == 1 or in_shard(path, index, count))

        progress = Progress(args.paths, wanted)
        pending = (path for path in walk(args.paths) if wanted(path))
        try:
            with _stopped_by_signals():
                _scan(batches(pending, args.batch_size), out, args, progress)
        except Stopped:
            progress.close()
            print(f"stopped: {progress.scanned:,} files recorded; run the same command again to go on", file=sys.stderr)
            return 130
        progress.close()
    print(
        f"{args.out}: {progress.scanned:,} files scanned now ({progress.errors:,} errors), {len(recorded):,} before",
        file=sys.stderr,
    )
    if args.summary or args.csv:
        skip = _warn_once(args.out)
        if args.summary:
            print(format_summary(*outcome_counts(read_results(args.out, skip))))
        if args.csv:
            try:
                rows = write_csv(read_results(args.out, skip), args.csv)
            except OSError as error:
                raise UserError(f"cannot write {args.csv}: {error.strerror or error}") from None
            print(f"{args.csv}: {rows:,} rows", file=sys.stderr)
    return 0


def _warn_once(out: Path) -> Callable[[int, str], None]:
    """A warning for each line of out that is not a record, once however often the file is read (in order)."""
    warned = 0

    def skip(number: int, reason: str) -> None:
        nonlocal warned
        if number > warned:
            warned = number
            print(f"warning: {out}, line {number:,}: {reason}; left out", file=sys.stderr)

    return skip


@contextlib.contextmanager
def _stopped_by_signals():
    """Within the block, the first Ctrl-C or SIGTERM raises Stopped; the next one exits at once.

    Once a stop has begun, its handlers stay: a second signal while the process winds down
    (ending the workers, writing, exiting) must still exit it. Without a stop, the caller's
    handlers are put back.
    """
    previous = {signum: signal.signal(signum, _stop) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is _stop:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def _stop(signum, frame):
    for each in STOP_SIGNALS:
        signal.signal(each, _exit_now)
    raise Stopped()


def _exit_now(signum, frame):
    # Whole batches are already on disk; a line cut here is removed by the next run. Any
    # worker still running ends with this process (see _end_with_parent).
    os.write(sys.stderr.fileno(), b"stopped again: exiting now; run the same command again to go on\n")
    os._exit(130)


def _scan(work: Iterator[list[str]], out, args: argparse.Namespace, progress: Progress) -> None:
    """Classify the batches in worker processes, appending each batch's lines as soon as it is done."""
    in_flight: dict[Future, int] = {}  # each batch and its number of files
    try:
        with Workers(args) as workers:
            for batch in work:
                in_flight[workers.submit(batch)] = len(batch)
                if len(in_flight) >= args.workers * BATCHES_PER_WORKER:
                    _write_finished(in_flight, out, progress)
            while in_flight:
                _write_finished(in_flight, out, progress)
    except BrokenProcessPool:
        raise UserError("a worker process died (out of memory?); run the same command again to go on") from None


class Workers:
    """The worker processes, which end when the scan does, however it ends.

    They start with the first batch, so a finished scan never loads the model. At the end of
    the work they finish and exit; on Ctrl-C, SIGTERM or an error they are terminated at once,
    and the batches they held are lost (the next run does them).
    """

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.pool: ProcessPoolExecutor | None = None
        self.others: set[multiprocessing.Process] = set()  # children that are not workers

    def submit(self, batch: list[str]) -> Future:
        """Hand a batch to the workers, starting them first if need be."""
        if self.pool is None:
            self.others = set(multiprocessing.active_children())
            self.pool = _pool(self.args)
        return self.pool.submit(_classify_batch, batch)

    def running(self) -> set[multiprocessing.Process]:
        """The worker processes now running."""
        return set(multiprocessing.active_children()) - self.others

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if self.pool is None:
            return
        if kind is None:
            try:
                self.pool.shutdown(wait=True)
                return
            except BaseException:  # stopped while they were finishing
                self.terminate()
                raise
        self.terminate()

    def terminate(self) -> None:
        """End every worker now, whatever it is doing (a shutdown would wait for its batch to finish)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        workers = self.running()
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()


def _pool(args: argparse.Namespace) -> ProcessPoolExecutor:
    """Worker processes, each with the model loaded once (TensorFlow's threads as in an API worker)."""
    if not args.model.is_file():
        raise UserError(f"model file {args.model} does not exist")
    return ProcessPoolExecutor(
        args.workers,
        # Fresh interpreters: TensorFlow is not safe to fork, and this process never imports it.
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(str(args.model), args.detectors),
    )


def _write_finished(in_flight: dict[Future, int], out, progress: Progress) -> None:
    """Wait for a batch to finish and append the lines of every finished one, each batch whole."""
    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
    for future in done:
        files = in_flight.pop(future)
        lines, errors = future.result()  # a worker's UserError (the model) ends the scan here
        out.write(lines.encode())
        out.flush()
        progress.update(files, errors)


# --------------------------------------------------------------------------
# Progress


class Progress:
    """A tqdm bar with rate and ETA on a terminal, else a line every minute; counts what was written.

    The total is counted by walking the collection a second time in a thread,
    so the scan starts at once and the ETA appears when the count is known.
    """

    def __init__(self, targets: list[str], wanted: Callable[[str], bool]):
        self.scanned = self.errors = 0
        self.total: int | None = None
        self.started = self.logged = time.monotonic()
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(desc="scanning", unit="file", dynamic_ncols=True, smoothing=0.1)
        if "-" not in targets:  # standard input can be read once only
            threading.Thread(target=self._count, args=(targets, wanted), daemon=True).start()

    def _count(self, targets: list[str], wanted: Callable[[str], bool]) -> None:
        self.total = sum(1 for path in walk(targets) if wanted(path))

    def update(self, files: int, errors: int) -> None:
        """files more written, errors of them errors."""
        self.scanned += files
        self.errors += errors
        if self.bar is not None:
            if self.total is not None and self.bar.total != self.total:
                self.bar.total = self.total
            self.bar.set_postfix(errors=self.errors, refresh=False)
            self.bar.update(files)
        elif time.monotonic() - self.logged >= LOG_EVERY:
            self.logged = time.monotonic()
            rate = self.scanned / (self.logged - self.started)
            of = f" of {self.total:,}" if self.total is not None else ""
            print(f"scanned {self.scanned:,}{of} files ({self.errors:,} errors), {rate:.1f} files/s", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
