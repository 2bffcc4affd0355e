"""Flask JSON API that tells real photographs from AI-generated images."""

from __future__ import annotations

import os
import re

from flask import Flask

# Paths are relative to the working directory: the checkout's root under
# `make run` and the tests, /app in the container (which has the same layout).
# FLASK_MODEL_PATH, FLASK_FRONTEND_DIST and FLASK_PERFORMANCE_DIR point elsewhere.
DEFAULTS = {
    "MODEL_PATH": "backend/model/classifier.h5",
    # Werkzeug answers 413 before reading more than this many bytes of a request. 64 MiB holds
    # a 200-megapixel phone JPEG (docs/security.md); the Docker setup's MAX_UPLOAD_BYTES sets it.
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    "MAX_FILES": 32,
    # Decode budget (docs/security.md, "What an upload may cost"; preprocessing.py says how a cost is counted).
    # What decoding one image may cost, in plain pixels (more: 422): a PNG pixel counts 1, a JPEG
    # pixel 1/64 (decoded at 1/8 scale) plus its coded bytes, a HEIF or AVIF pixel more.
    "MAX_PIXELS": 50_000_000,
    # Decoded pixels, weighted by the decoder's cost, summed over a request's images (more: 413 per file).
    "MAX_REQUEST_PIXELS": 50_000_000,
    # Any file may cost FREE_PIXELS; beyond that, MAX_PIXELS_PER_BYTE per byte of the file (more: 422).
    "FREE_PIXELS": 8_000_000,
    "MAX_PIXELS_PER_BYTE": 64,
    # Seconds a request may spend decoding; a batch's images not started by then get 503.
    "REQUEST_DEADLINE": 15.0,
    # Pictures one worker process decodes at once, whatever its number of threads.
    "DECODE_SLOTS": 2,
    # Comma-separated origins (https://app.example.org) whose pages may read /api's answers from
    # another site; empty = same origin only; never "*" (register_cors refuses it). The browser
    # extension needs none: its host permission lets it in.
    "CORS_ORIGINS": "",
    "FRONTEND_DIST": "frontend/dist",
    # The nginx file whose security headers every response gets (detector/headers.py); empty: none,
    # because a proxy in front adds them (the backend image sets it empty: nginx serves them there).
    "SECURITY_HEADERS": "frontend/nginx/security-headers.conf",
    "PERFORMANCE_DIR": "performance",
    # Tests inject a ready classifier here instead of loading MODEL_PATH.
    "CLASSIFIER": None,
    # A folder of brought detectors, one subfolder each (docs/detectors.md); empty: none.
    "DETECTORS_DIR": "",
    # Tests inject a ready detectors.registry.Registry here instead of loading DETECTORS_DIR.
    "DETECTORS": None,
    # Content Credentials trust lists (detector.provenance.TrustLists); None = the shipped copies.
    "TRUST_LISTS": None,
}


PATH_SETTINGS = ("MODEL_PATH", "FRONTEND_DIST", "PERFORMANCE_DIR")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then FLASK_* environment variables, then test_config."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    # Anchor relative paths now: Flask would read them against the package's folder.
    for key in PATH_SETTINGS:
        app.config[key] = os.path.abspath(app.config[key])

    from . import api, errors, frontend, headers
    from .uploads import BufferedBody, InMemoryRequest

    app.request_class = InMemoryRequest
    app.wsgi_app = BufferedBody(app.wsgi_app)
    errors.register(app)
    headers.register(app)
    register_classifier(app)
    register_detectors(app)
    register_provenance(app)
    register_cors(app)
    app.register_blueprint(api.bp)
    frontend.register(app)
    return app


def register_classifier(app: Flask) -> None:
    """Load and warm up the model once per process (per gunicorn worker)."""
    classifier = app.config["CLASSIFIER"]
    if classifier is None:
        from .classifier import Classifier

        classifier = Classifier.load(app.config["MODEL_PATH"])
        app.logger.info("loaded model %s (version %s)", app.config["MODEL_PATH"], classifier.version)
    app.extensions["classifier"] = classifier


def register_detectors(app: Flask) -> None:
    """Load every brought detector once per process; broken ones are refused with one log line each."""
    registry = app.config["DETECTORS"]
    if registry is None:
        from .detectors.registry import Registry

        # The built-in model's own measurement sits beside MODEL_PATH: only when that is the model in use.
        model_path = app.config["MODEL_PATH"] if app.config["CLASSIFIER"] is None else None
        registry = Registry.load(
            app.config["DETECTORS_DIR"] or None, app.extensions["classifier"], model_path, app.logger
        )
    app.extensions["detectors"] = registry


def register_provenance(app: Flask) -> None:
    """Parse the Content Credentials trust lists once per process, before the first request needs them."""
    from . import provenance

    provenance.warm_up(app.config["TRUST_LISTS"])


# An origin as a browser sends it: scheme://host[:port], nothing a pattern could widen.
ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def cors_origins(setting: str | list[str]) -> list[str]:
    """The CORS_ORIGINS setting as a list of exact origins; a wildcard or a pattern is a clear error."""
    origins = setting.split(",") if isinstance(setting, str) else list(setting)
    origins = [origin.strip() for origin in origins if origin.strip()]
    for origin in origins:
        if origin == "*":
            raise ValueError(
                "CORS_ORIGINS may not be '*': every web page could then read the API's answers. "
                "List the origins that need them, e.g. https://app.example.org."
            )
        if not ORIGIN.fullmatch(origin):
            raise ValueError(
                f"CORS_ORIGINS entry {origin!r} is not an origin: write scheme://host[:port], "
                "e.g. https://app.example.org, with no path, wildcard or pattern."
            )
    return origins


def register_cors(app: Flask) -> None:
    """Allow cross-origin calls to /api only from the configured origins."""
    origins = cors_origins(app.config["CORS_ORIGINS"])
    if origins:
        from flask_cors import CORS

        CORS(app, resources={r"/api/*": {"origins": origins}})
