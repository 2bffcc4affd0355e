"""The /api endpoints: answers, the one error shape, limits, concurrency."""

from __future__ import annotations

import io
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor

import hostile_files
import images
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_check import assert_documented, assert_matches

from detector import DEFAULTS


def upload(client, *files, query="", **kwargs):
    """POST files (name, bytes) as `image` fields to /api/predict."""
    data = {"image": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/api/predict{query}", data=data, content_type="multipart/form-data", **kwargs)


def assert_error(response, status):
    """The response is status with the documented JSON error shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert_matches(body, "Error")
    assert body["code"] == status
    assert body["description"]
    return body


def assert_still_answers(client):
    """The app keeps serving after a bad request."""
    response = upload(client, ("ok.png", images.png()))
    assert response.status_code == 200
    assert response.get_json()["label"] in ("REAL", "FAKE")


def test_predict_one_image(client, classifier):
    response = upload(client, ("cat.jpg", images.jpeg(size=(640, 480))))
    assert response.status_code == 200
    body = response.get_json()
    assert_matches(body, "Prediction")
    expected = float(classifier.predict(images_pixels(images.jpeg(size=(640, 480))))[0])
    assert body["probability_real"] == pytest.approx(expected, abs=1e-5)
    assert body["label"] == ("REAL" if expected > 0.5 else "FAKE")
    assert body["confidence"] == pytest.approx(max(expected, 1 - expected), abs=1e-5)
    assert body["threshold"] == 0.5
    assert body["model_version"] == "test-1"
    assert body["filename"] == "cat.jpg"
    assert body["image"] == {"width": 640, "height": 480, "format": "JPEG"}
    assert "explanation" not in body


def images_pixels(data):
    """The model input that preprocessing makes of data, as a batch of one."""
    from detector.preprocessing import prepare_image

    return prepare_image(data).pixels[None]


def test_explain_adds_grad_cam(client):
    response = upload(client, ("cat.png", images.png(size=(64, 64))), query="?explain=1")
    body = response.get_json()
    assert_matches(body, "Prediction")
    explanation = body["explanation"]
    assert explanation["method"] == "grad-cam"
    grid = explanation["grid"]
    assert len(grid) == 8 and all(len(row) == 8 for row in grid)
    assert all(0 <= cell <= 1 for row in grid for cell in row)
    for key in ("heatmap_png", "model_input_png"):
        assert explanation[key].startswith("data:image/png;base64,")


def test_several_images_answer_in_order_with_per_file_errors(client):
    response = upload(
        client,
        ("a.png", images.png(seed=1)),
        ("notes.txt", b"just text"),
        ("b.jpg", images.jpeg(seed=2)),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert_matches(body, "BatchResults")
    first, bad, last = body["results"]
    assert first["filename"] == "a.png" and first["label"] in ("REAL", "FAKE")
    assert bad == {"filename": "notes.txt", "error": bad["error"]}
    assert bad["error"]["code"] == 415
    assert last["filename"] == "b.jpg" and last["image"]["format"] == "JPEG"


def test_batch_answers_match_single_answers(client):
    files = [(f"{seed}.png", images.png(seed=seed)) for seed in range(5)]
    batch = upload(client, *files).get_json()["results"]
    singles = [upload(client, file).get_json() for file in files]
    for together, alone in zip(batch, singles, strict=True):
        assert together["probability_real"] == pytest.approx(alone["probability_real"], abs=1e-5)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("holiday\u202egpj.exe", "holiday gpj.exe"),  # a right-to-left override would show it reversed
        ("a\u2066b\u200fc\x00d\x1b[31me.png", "a b c d [31me.png"),
        ("tab\there\x7f.png", "tab here .png"),
    ],
)
def test_file_names_are_echoed_without_control_or_bidirectional_characters(client, name, shown):
    ok = upload(client, (name, images.png())).get_json()
    assert ok["filename"] == shown
    batch = upload(client, (name, images.png()), (name, b"not a picture")).get_json()["results"]
    assert [item["filename"] for item in batch] == [shown, shown]


def test_file_names_are_echoed_at_most_255_characters_long(client):
    response = upload(client, ("x" * 100_000 + ".png", images.png()))
    assert response.status_code == 200
    name = response.get_json()["filename"]
    assert len(name) == 255 and name.startswith("xxx") and name.endswith("…")
    assert len(response.get_data()) < 20_000
    empty = upload(client, ("\u202e" * 50 + "y" * 1000, b""))
    assert_error(empty, 400)
    assert len(empty.get_json()["description"]) < 300 and "\u202e" not in empty.get_json()["description"]


def test_too_many_images(app, client):
    app.config["MAX_FILES"] = 3
    response = upload(client, *[(f"{i}.png", images.png(seed=i)) for i in range(4)])
    assert "limit is 3" in assert_error(response, 400)["description"]


BAD_UPLOADS = {
    "zero-bytes": (b"", 400, "empty"),
    "text-renamed-jpg": (b"this is not a picture", 415, "not an image"),
    "random-bytes": (bytes(range(256)) * 8, 415, "not an image"),
    "truncated-jpeg": (images.jpeg(size=(64, 64))[:300], 415, "corrupt"),
    "truncated-png": (images.png(size=(64, 64))[:150], 415, "corrupt"),
    "heic-header-only": (images.heic_like(), 415, "not an image"),
    "png-bomb-20000x20000": (images.png_bomb(20000), 422, "20000x20000 picture (400.0 megapixels)"),
    "progressive-jpeg-54-megapixels": (
        images.encode(images.solid((128,), (9000, 6000), "L"), "JPEG", progressive=True, quality=50),
        422,
        "9000x6000 picture (54.0 megapixels)",
    ),
}


@pytest.mark.parametrize("name", BAD_UPLOADS)
def test_bad_upload_gets_json_error(client, name):
    content, status, words = BAD_UPLOADS[name]
    response = upload(client, (f"{name}.jpg", content))
    body = assert_error(response, status)
    assert words in body["description"]
    assert_documented("/api/predict", "post", status)
    assert_still_answers(client)


def _damaged_heif() -> bytes:
    import hostile_files

    return hostile_files.truncated_noise("HEIF", size=(256, 192))


# Files the decoders refuse with words of their own (Pillow, libheif), and what the answer says instead.
DAMAGED_FILES = {
    "truncated-jpeg": (lambda: images.jpeg(size=(64, 64))[:300], "Truncated File Read"),
    "truncated-png": (lambda: images.png(size=(64, 64))[:150], "image file is truncated"),
    "truncated-heif": (_damaged_heif, "iloc"),
}


@pytest.mark.parametrize("name", DAMAGED_FILES)
def test_a_damaged_file_is_told_in_the_services_words_not_the_decoders(client, name, caplog):
    make, decoders_words = DAMAGED_FILES[name]
    with caplog.at_level("INFO", logger="detector"):
        description = assert_error(upload(client, (f"{name}.bin", make())), 415)["description"]
    assert decoders_words not in description
    assert "(" not in description and "Invalid input" not in description
    assert "corrupt" in description
    # The decoder's own words stay in the server's log, for whoever runs it.
    assert decoders_words in caplog.text


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heic_and_avif_photos_get_a_verdict_upright_with_their_camera(client, fmt):
    response = upload(client, (f"IMG_0001.{fmt.lower()}", images.exif_rotated(fmt, quality=90)))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert_matches(body, "Prediction")
    assert body["verdict"]["label"] in ("REAL", "FAKE", "UNSURE")
    # Stored 64x32 and shown turned a quarter: the size as displayed.
    assert body["image"] == {"width": 32, "height": 64, "format": fmt}
    assert "iPhone 15 Pro" in body["provenance"]["camera_metadata"]["summary"]


def test_a_heic_read_from_its_preview_says_so(client):
    # Stored as phones store theirs: in tiles (8x6), with a preview that a few of them check.
    picture = hostile_files.photo_like((640, 480), seed=4)
    data = images.encode(picture, "HEIF", quality=80, thumbnails=[160], tile_size=80)
    response = upload(client, ("IMG_0002.HEIC", data))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert_matches(body, "Prediction")
    preview = {"width": 160, "height": 120, "checked_tiles": 8, "tiles": 48}
    assert body["image"] == {"width": 640, "height": 480, "format": "HEIF", "preview": preview}


@pytest.mark.parametrize("size", [(8192, 6144), (12000, 9000)], ids=["50MP", "108MP"])
def test_large_jpeg_photos_get_a_verdict(client, size):
    response = upload(client, ("large.jpg", images.flat_jpeg(size)))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert_matches(body, "Prediction")
    assert body["image"] == {"width": size[0], "height": size[1], "format": "JPEG"}
    assert body["verdict"]["label"] in ("REAL", "FAKE", "UNSURE")


GOOD_ODD_UPLOADS = {
    "one-pixel": images.encode(images.solid((5, 5, 5), (1, 1)), "PNG"),
    "16-bit-png": images.sixteen_bit_png(),
    "cmyk-jpeg": images.cmyk_jpeg(),
    "palette-gif-transparency": images.transparent_gif(),
    "animated-gif": images.animated_gif(),
    "exif-rotated-jpeg": images.exif_rotated_jpeg(),
}


@pytest.mark.parametrize("name", GOOD_ODD_UPLOADS)
def test_unusual_but_valid_images_are_classified(client, name):
    response = upload(client, (name, GOOD_ODD_UPLOADS[name]), query="?explain=1")
    assert response.status_code == 200
    assert_matches(response.get_json(), "Prediction")


def test_missing_field(client):
    response = client.post(
        "/api/predict", data={"picture": (io.BytesIO(images.png()), "a.png")}, content_type="multipart/form-data"
    )
    assert "field named 'image'" in assert_error(response, 400)["description"]


def test_not_multipart(client):
    assert_error(client.post("/api/predict", json={"image": "abc"}), 400)


def test_upload_over_the_limit(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = upload(client, ("big.png", images.png(size=(200, 200))))
    assert_error(response, 413)
    app.config["MAX_CONTENT_LENGTH"] = DEFAULTS["MAX_CONTENT_LENGTH"]
    assert_still_answers(client)


def test_wrong_method(client):
    response = client.get("/api/predict")
    assert_error(response, 405)
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api", "/", "/about"])
def test_unknown_path_is_json_404(client, path):
    assert_error(client.get(path), 404)


def test_unexpected_error_is_json_500_without_traceback(app, client, monkeypatch):
    def broken(pixels):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.extensions["classifier"], "predict", broken)
    body = assert_error(upload(client, ("a.png", images.png())), 500)
    assert "secret" not in body["description"] and "Traceback" not in body["description"]


def test_uploads_never_touch_the_disk(client, monkeypatch):
    def no_disk(*args, **kwargs):
        raise AssertionError("an upload was spooled to disk")

    for name in ("TemporaryFile", "NamedTemporaryFile", "SpooledTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, no_disk)
    monkeypatch.setattr("werkzeug.formparser.SpooledTemporaryFile", no_disk, raising=False)
    # Well above Werkzeug's 500 KB in-memory threshold.
    response = upload(client, ("big.png", images.png(size=(700, 700))))
    assert response.status_code == 200


def test_the_server_is_asked_for_the_body_in_large_pieces(client):
    """The multipart parser's 64 KB reads are served from one buffer (uploads.BufferedBody)."""
    picture = images.png(size=(1000, 1000))  # noise: about 3 MB
    boundary = "pieces"
    part_head = f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\n\r\n'
    body = part_head.encode() + picture + f"\r\n--{boundary}--\r\n".encode()
    reads = []

    class ServerBody(io.BytesIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    response = client.post(
        "/api/predict",
        input_stream=ServerBody(body),
        content_length=len(body),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200 and response.get_json()["image"]["width"] == 1000
    assert len(picture) > 2 * 1024 * 1024 and min(reads[:2]) >= 1024 * 1024
    assert len(reads) <= len(body) // (1024 * 1024) + 2  # whole buffers, then the end of the body


def test_health(client):
    body = client.get("/api/health").get_json()
    assert_matches(body, "Health")
    assert body == {"status": "ok", "model_loaded": True, "model_version": "test-1"}


def test_model_card_lists_only_existing_plots(app, client, model_path, tmp_path):
    card = client.get("/api/model").get_json()
    assert_matches(card, "ModelCard")
    assert card["plots"] == []
    # The card's own words, nothing added by the API.
    written = json.loads(model_path.with_name("model_card.json").read_text())
    assert written["limitations"] and card["limitations"] == written["limitations"]

    performance = tmp_path / "performance"
    performance.mkdir()
    (performance / "roc_curve.png").write_bytes(images.encode(images.solid(), "PNG"))
    card = client.get("/api/model").get_json()
    assert card["plots"] == [{"name": "roc_curve", "title": "ROC curve", "url": "/api/model/plots/roc_curve.png"}]
    plot = client.get(card["plots"][0]["url"])
    assert plot.status_code == 200 and plot.mimetype == "image/png"


@pytest.mark.parametrize("name", ["secret.png", "..%2Fmodel_card.json", "../conftest.py"])
def test_only_listed_plots_are_served(client, name):
    assert client.get(f"/api/model/plots/{name}").status_code == 404


def test_openapi_document_is_served_and_lists_every_route(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    routes = {
        rule.rule.replace("<name>", "{name}") for rule in app.url_map.iter_rules() if rule.rule.startswith("/api")
    }
    assert routes == set(document["paths"])


def test_concurrent_requests_get_the_same_answers(client):
    files = [(f"{seed}.jpg", images.jpeg(size=(96, 64), seed=seed)) for seed in range(12)]
    sequential = [upload(client, file).get_json()["probability_real"] for file in files]

    def classify(file):
        return upload(client, file).get_json()["probability_real"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        concurrent = list(pool.map(classify, files * 3))
    assert concurrent == pytest.approx(sequential * 3, abs=1e-6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=2048),
        st.binary(max_size=512).map(lambda tail: images.png(size=(8, 8))[:40] + tail),
        st.binary(max_size=512).map(lambda tail: images.jpeg(size=(8, 8))[:120] + tail),
        st.binary(max_size=512).map(lambda tail: b"GIF89a" + tail),
    )
)
def test_arbitrary_bytes_never_cause_a_server_error(client, content):
    response = upload(client, ("fuzz.bin", content))
    assert response.status_code in (200, 400, 415, 422)
    assert response.is_json
