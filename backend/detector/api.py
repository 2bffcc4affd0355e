"""The /api blueprint: predict, health, model card and OpenAPI document."""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

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
from .errors import error_body, image_error
from .heatmap import explanation
from .preprocessing import ImageError, PreparedImage, prepare_image
from .uploads import RequestBudget

bp = Blueprint("api", __name__, url_prefix="/api")


def classifier() -> Classifier:
    """The classifier loaded at start-up."""
    return current_app.extensions["classifier"]


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
    ready = [item for item in prepared if isinstance(item, PreparedImage)]
    probabilities, inference_ms = _classify([item.pixels for item in ready])
    explain = request.args.get("explain", "").lower() in ("1", "true", "yes")

    results, answers = [], iter(probabilities)
    for upload, item in zip(uploads, prepared, strict=True):
        if isinstance(item, HTTPException):
            results.append({"filename": upload.filename, "error": error_body(item)})
        else:
            results.append(_result(upload, item, next(answers), inference_ms, explain))

    if len(uploads) == 1:
        if isinstance(prepared[0], HTTPException):
            raise prepared[0]
        return results[0]
    return {"results": results}


def _prepare(upload: FileStorage, budget: RequestBudget) -> PreparedImage | HTTPException:
    """Decode one upload within the request's budget, or the HTTP error that says why it was not used."""
    data = upload.read()
    if not data:
        name = f" {upload.filename!r}" if upload.filename else ""
        return BadRequest(description=f"The file{name} is empty.")
    try:
        budget.check()  # a gone client ends the whole request (ClientClosedRequest is not caught)
        with budget.decoding():
            return prepare_image(data, limits=budget.limits, charge=budget.charge)
    except ImageError as error:
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


def _result(upload: FileStorage, image: PreparedImage, probability: float, inference_ms: float, explain: bool):
    """The JSON answer for one classified image: the model's output, the file's evidence and the verdict."""
    model = classifier()
    result = report.prediction(
        upload.filename,
        _upload_bytes(upload),
        image,
        probability,
        inference_ms,
        model,
        trust=current_app.config["TRUST_LISTS"],
    )
    if explain:
        result["explanation"] = explanation(image.pixels, model.explain(image.pixels, result["label"]))
    return result


def _upload_bytes(upload: FileStorage) -> bytes:
    """The whole uploaded file again (uploads are kept in memory, see uploads.py)."""
    upload.stream.seek(0)
    return upload.stream.read()


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
