"""Picture files in, one result each out: the API's answer for a file on disk.

The same steps as POST /api/predict with several files: read, decode within the
API's default limits, run the model once on the batch, then add the evidence and
the verdict (report.prediction). A file that cannot be used gets the API's error
shape instead, so every file has a result.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Sequence

import numpy as np
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, RequestEntityTooLarge

from .. import DEFAULTS, report
from ..detectors.inputs import Picture
from ..errors import error_body, image_error
from ..preprocessing import ImageError, PreparedImage, prepare_image

# The largest upload the API accepts by default is also the largest file read here.
MAX_FILE_BYTES = DEFAULTS["MAX_CONTENT_LENGTH"]


# What a path can be besides a regular file, as a reason for skipping it. Reading a pipe or a
# device could wait for ever (a pipe nobody writes to) or never end, so none is ever read.
NOT_REGULAR = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def require_regular(mode: int) -> None:
    """BadRequest, saying what it is, unless mode is a regular file's."""
    if not stat.S_ISREG(mode):
        kind = NOT_REGULAR.get(stat.S_IFMT(mode), "not a file")
        raise BadRequest(description=f"Not a regular file ({kind}): skipped, only regular files are read.")


def read_file(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, or RequestEntityTooLarge without reading more than limit + 1 bytes."""
    require_regular(os.stat(path).st_mode)  # so that no pipe or device is even opened
    # Non-blocking, then checked again: the path may have become a pipe since the stat.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    with open(descriptor, "rb") as file:
        require_regular(os.fstat(descriptor).st_mode)
        os.set_blocking(descriptor, True)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge(description=f"The file is larger than the limit of {limit:,} bytes.")
    return data


def load(path: str) -> tuple[bytes, PreparedImage] | HTTPException:
    """The file's bytes and decoded picture, or the HTTP error that says why it cannot be used."""
    try:
        data = read_file(path)
        return data, prepare_image(data)
    except HTTPException as error:
        return error
    except ImageError as error:
        return image_error(error)
    except OSError as error:  # missing, unreadable, a folder...
        return BadRequest(description=error.strerror or str(error))


def classify_files(
    classifier, paths: Sequence[str], filename=os.path.basename, trust=None, detectors=None
) -> list[dict]:
    """One result per path, in order: the API's answer plus `path`, or `path`, `filename` and `error`.

    detectors (a detectors.registry.Registry) adds each measured detector's line, with no deadline.
    """
    loaded = [load(path) for path in paths]
    ready = [item for item in loaded if not isinstance(item, HTTPException)]
    probabilities, inference_ms = np.empty(0), 0.0
    if ready:
        started = time.perf_counter()
        probabilities = classifier.predict(np.stack([image.pixels for _, image in ready]))
        inference_ms = (time.perf_counter() - started) * 1000
    evidence = [[] for _ in ready]
    if ready and detectors is not None and detectors.speaking:
        evidence = detectors.evidence([Picture(data, image) for data, image in ready], probabilities)
    answers, lines = iter(probabilities), iter(evidence)
    results = []
    for path, item in zip(paths, loaded, strict=True):
        name = filename(path)
        if not isinstance(item, HTTPException):
            data, image = item
            probability, detector_lines = next(answers), next(lines)
            lead = detectors.lead if detectors is not None else None
            try:
                item = report.prediction(
                    name, data, image, probability, inference_ms, classifier, trust, None, detector_lines, lead
                )
            except Exception:  # the readers guard themselves; one file must never end a scan
                item = InternalServerError(description="The file could not be processed.")
        if isinstance(item, HTTPException):
            item = {"filename": name, "error": error_body(item)}
        results.append({"path": path, **item})
    return results
