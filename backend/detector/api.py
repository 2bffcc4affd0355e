"""The /api blueprint: predict, health, model card and OpenAPI document."""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
from flask import Blueprint, abort, current_app, request, send_from_directory
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from . import report
from .classifier import Classifier
from .detectors.inputs import Picture
from .detectors.registry import Registry
from .errors import error_body, image_error
from .heatmap import explanation
from .preprocessing import ImageError, PreparedImage, prepare_image
from .provenance import read_provenance
from .text import clean
from .uploads import RequestBudget

bp = Blueprint("api", __name__, url_prefix="/api")
# File names are echoed in answers: at most this long (a common file system's limit), one printable line.
MAX_FILENAME_CHARS = 255


class Decoded(NamedTuple):
    """One upload read within the request's budget: its bytes, its model input and the evidence in its file."""

    data: bytes
    image: PreparedImage
    provenance: dict


def classifier() -> Classifier:
    """The classifier loaded at start-up."""
    return current_app.extensions["classifier"]


def detectors() -> Registry:
    """The brought detectors loaded at start-up."""
    return current_app.extensions["detectors"]


@bp.post("/predict")
def predict():
    """Classify one or more uploaded images (multipart field `image`)."""
    uploads = request.files.getlist("image")
    if not uploads:
        abort(400, description="Send the picture as multipart/form-data in a field named 'image'.")
    limit = current_app.config["MAX_FILES"]
    if len(uploads) > limit:
        abort(400, description=f"Too many images in one request ({len(uploads)}); the limit is {limit}.")

    budget = RequestBudget.for_request(current_app, request.environ)
    prepared = [_prepare(upload, budget) for upload in uploads]
    ready = [item for item in prepared if isinstance(item, Decoded)]
    probabilities, inference_ms = _classify([item.image.pixels for item in ready])
    evidence = _detector_evidence(ready, probabilities, budget)
    explain = request.args.get("explain", "").lower() in ("1", "true", "yes")

    results, answers, lines = [], iter(probabilities), iter(evidence)
    for upload, item in zip(uploads, prepared, strict=True):
        if isinstance(item, HTTPException):
            results.append({"filename": shown_filename(upload), "error": error_body(item)})
        else:
            results.append(_result(upload, item, next(answers), inference_ms, explain, next(lines)))

    if len(uploads) == 1:
        if isinstance(prepared[0], HTTPException):
            raise prepared[0]
        return results[0]
    return {"results": results}


def shown_filename(upload: FileStorage) -> str | None:
    """The upload's file name as answers echo it: bounded, without control or bidirectional characters."""
    return clean(upload.filename, MAX_FILENAME_CHARS)


def _prepare(upload: FileStorage, budget: RequestBudget) -> Decoded | HTTPException:
    """Decode one upload and read its provenance within the request's budget, or the HTTP error that says why not."""
    data = upload.read()
    if not data:
        name = shown_filename(upload)
        return BadRequest(description=f"The file {name!r} is empty." if name else "The file is empty.")
    try:
        budget.check()  # a gone client ends the whole request (ClientClosedRequest is not caught)
        with budget.decoding():
            # Both walk the file's structure: both hold a decode slot, before the next image's deadline check.
            image = prepare_image(data, limits=budget.limits, charge=budget.charge)
            return Decoded(data, image, read_provenance(data, current_app.config["TRUST_LISTS"]))
    except ImageError as error:
        if error.__cause__ is not None:  # a decoder's own words: for whoever runs the service, not the answer
            cause = error.__cause__
            current_app.logger.warning("a decoder refused an upload: %s: %.300s", type(cause).__name__, cause)
        return image_error(error)
    except (RequestEntityTooLarge, ServiceUnavailable) as error:  # the request's budget is spent
        return error


def _classify(images: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """P(REAL) for all decoded images in one batch, and the time the model took."""
    if not images:
        return np.empty(0), 0.0
    started = time.perf_counter()
    probabilities = classifier().predict(np.stack(images))
    return probabilities, (time.perf_counter() - started) * 1000


def _detector_evidence(ready: list[Decoded], probabilities: np.ndarray, budget: RequestBudget) -> list[list[dict]]:
    """Each brought detector's line per picture, within the time the request has left.

    The detectors decode each picture again at the size they need, so they hold a
    decode slot like decoding does; when none comes free in time, they are
    skipped for this request with a note, never an error.
    """
    registry = detectors()
    if not ready or not registry.speaking:
        return [[] for _ in ready]
    pictures = [Picture(item.data, item.image) for item in ready]
    try:
        with budget.decoding():
            return registry.evidence(pictures, probabilities, budget.deadline, budget.clock)
    except ServiceUnavailable:
        return registry.evidence(pictures, probabilities, deadline=budget.clock())  # no time left: all skipped


def _result(
    upload: FileStorage, decoded: Decoded, probability: float, inference_ms: float, explain: bool, lines: list[dict]
):
    """The JSON answer for one classified image: the model's output, the file's evidence and the verdict."""
    model = classifier()
    image = decoded.image
    result = report.prediction(
        shown_filename(upload),
        None,
        image,
        probability,
        inference_ms,
        model,
        provenance=decoded.provenance,
        detectors=lines,
        lead=detectors().lead,
    )
    if explain:
        result["explanation"] = explanation(image.pixels, model.explain(image.pixels, result["label"]))
    return result


@bp.get("/health")
def health():
    """Liveness and readiness: the model is loaded (it is loaded before the app serves)."""
    return {"status": "ok", "model_loaded": True, "model_version": classifier().version}


@bp.get("/model")
def model_card():
    """The model card: training data, measured metrics, limitations and plots."""
    card = dict(classifier().card)
    card.setdefault("version", classifier().version)
    card.setdefault("threshold", classifier().threshold)
    card.setdefault("limitations", [])  # written by training: the card is their one source
    card["decision"] = report.decision(classifier().card, classifier().threshold)
    card["detectors"] = detectors().status()
    performance_dir = Path(current_app.config["PERFORMANCE_DIR"])
    card["plots"] = [
        {"name": plot["name"], "title": plot["title"], "url": f"/api/model/plots/{plot['file']}"}
        for plot in card.get("plots", [])
        if (performance_dir / plot["file"]).is_file()
    ]
    return card


@bp.get("/model/plots/<name>")
def model_plot(name: str):
    """One of the evaluation plots listed in the model card."""
    files = {plot["file"] for plot in classifier().card.get("plots", [])}
    if name not in files:
        abort(404, description=f"No plot named {name!r}.")
    return send_from_directory(current_app.config["PERFORMANCE_DIR"], name, max_age=3600)


@bp.get("/openapi.json")
def openapi():
    """The hand-written OpenAPI 3.1 description of this API."""
    return json.loads(resources.files(__package__).joinpath("openapi.json").read_text())
