"""create_app: configuration sources, model loading, CORS, the built frontend."""

from __future__ import annotations

import images
import pytest

from detector import DEFAULTS, create_app
from detector.classifier import ModelLoadError


def test_testing_flag(classifier):
    assert not create_app({"CLASSIFIER": classifier}).testing
    assert create_app({"TESTING": True, "CLASSIFIER": classifier}).testing


def test_safe_defaults(classifier):
    app = create_app({"CLASSIFIER": classifier})
    assert not app.debug
    assert app.config["MAX_CONTENT_LENGTH"] == DEFAULTS["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024
    assert app.config["MAX_FILES"] == 32
    assert app.config["CORS_ORIGINS"] == ""


def test_environment_overrides_defaults(classifier, monkeypatch):
    monkeypatch.setenv("FLASK_MAX_CONTENT_LENGTH", "1000")
    monkeypatch.setenv("FLASK_MAX_FILES", "4")
    app = create_app({"CLASSIFIER": classifier})
    assert app.config["MAX_CONTENT_LENGTH"] == 1000
    assert app.config["MAX_FILES"] == 4


def test_loads_the_model_from_the_configured_path(model_path, monkeypatch):
    monkeypatch.setenv("FLASK_MODEL_PATH", str(model_path))
    app = create_app()
    assert app.extensions["classifier"].version == "test-1"


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        create_app({"MODEL_PATH": str(tmp_path / "nope.h5")})


def test_corrupt_model_is_a_clear_error(tmp_path):
    broken = tmp_path / "classifier.h5"
    broken.write_bytes(b"not hdf5 at all")
    with pytest.raises(ModelLoadError, match="cannot load model"):
        create_app({"MODEL_PATH": str(broken)})


def test_model_with_wrong_contract_is_refused(tmp_path):
    import keras

    inputs = keras.Input((64, 64, 3))
    outputs = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(inputs))
    path = tmp_path / "classifier.h5"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(ModelLoadError, match="expected"):
        create_app({"MODEL_PATH": str(path)})


def test_cors_only_for_configured_origins(classifier):
    app = create_app(
        {"TESTING": True, "CLASSIFIER": classifier, "CORS_ORIGINS": "https://good.example, https://also.example"}
    )
    client = app.test_client()
    allowed = client.get("/api/health", headers={"Origin": "https://good.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://good.example"
    refused = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers


@pytest.mark.parametrize("origin", ["https://example.com", "chrome-extension://abc", "moz-extension://abc", "null"])
def test_no_cors_headers_by_default(client, origin):
    """Web pages elsewhere cannot read answers; the browser extension needs no CORS either (host permission)."""
    read = client.get("/api/health", headers={"Origin": origin})
    preflight = client.options("/api/predict", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    for response in (read, preflight):
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("*", "may not be '\\*'"),
        ("https://good.example, *", "may not be '\\*'"),
        (["*"], "may not be '\\*'"),
        ("https://*.example.org", "is not an origin"),
        (".*", "is not an origin"),
        ("https://app.example.org/path", "is not an origin"),
        ("app.example.org", "is not an origin"),
    ],
)
def test_cors_origins_are_exact_origins(classifier, setting, message):
    with pytest.raises(ValueError, match=message):
        create_app({"TESTING": True, "CLASSIFIER": classifier, "CORS_ORIGINS": setting})


def test_cors_origins_from_the_environment(classifier, monkeypatch):
    monkeypatch.setenv("FLASK_CORS_ORIGINS", "https://app.example.org,http://127.0.0.1:5173")
    client = create_app({"TESTING": True, "CLASSIFIER": classifier}).test_client()
    response = client.get("/api/health", headers={"Origin": "http://127.0.0.1:5173"})
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:5173"
    monkeypatch.setenv("FLASK_CORS_ORIGINS", "*")
    with pytest.raises(ValueError, match="may not be"):
        create_app({"TESTING": True, "CLASSIFIER": classifier})


@pytest.fixture
def built_frontend(tmp_path):
    """A stand-in for frontend/dist."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")
    (dist / "favicon.png").write_bytes(images.encode(images.solid(), "PNG"))
    return dist


def test_serves_the_built_app_at_the_same_url(classifier, built_frontend):
    client = create_app({"TESTING": True, "CLASSIFIER": classifier, "FRONTEND_DIST": str(built_frontend)}).test_client()
    index = client.get("/")
    assert index.status_code == 200 and b"root" in index.data
    assert index.headers["Cache-Control"] == "no-cache"
    asset = client.get("/assets/index-abc123.js")
    assert asset.status_code == 200 and "max-age=31536000" in asset.headers["Cache-Control"]
    assert client.get("/favicon.png").mimetype == "image/png"
    # Client-side routes load the app; unknown API paths stay JSON.
    assert b"root" in client.get("/about").data
    missing = client.get("/api/unknown")
    assert missing.status_code == 404 and missing.is_json
    assert client.get("/api/health").is_json
