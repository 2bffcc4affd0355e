"""Bring your own detector: folders, labels, loading, measuring, serving, and what the verdict lets them say."""

from __future__ import annotations

import io
import json
import logging
import shutil

import images
import numpy as np
import pytest
from detector_folders import keras_classifier, labelled_pictures, onnx_classifier, picture
from openapi_check import assert_matches
from PIL import Image
from sklearn.metrics import roc_auc_score

from detector import create_app, heldout
from detector.cli import main
from detector.detectors import measure as measuring
from detector.detectors.combine import combine, fit_logistic
from detector.detectors.folder import FolderError, read_folder
from detector.detectors.inputs import spec_from_preprocessor_config
from detector.detectors.labels import LabelError, resolve, side_of
from detector.detectors.registry import FAILED, MEASURED, NOT_MEASURED, Registry
from detector.detectors.runtime import LoadError, load

# Three sources, each shifted a little towards one class, so the detectors are good but not perfect.
SOURCES = {"alpha": 0.0, "beta": 15.0, "gamma": -15.0}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Labelled pictures: 3 sources x 40 per class, 80x80 (photos)."""
    return labelled_pictures(tmp_path_factory.mktemp("data"), SOURCES, per_class=40)


@pytest.fixture(scope="module")
def onnx_folder(tmp_path_factory):
    """A tiny ONNX detector in the optimum layout, not yet measured."""
    return onnx_classifier(tmp_path_factory.mktemp("detectors") / "tiny-onnx")


@pytest.fixture(scope="module")
def measured(onnx_folder, data, tmp_path_factory):
    """A copy of the ONNX detector measured on the data with the command, and what --json printed."""
    folder = tmp_path_factory.mktemp("measured") / "tiny-onnx"
    shutil.copytree(onnx_folder, folder)
    return folder


def run_cli(argv, capsys) -> tuple[int, str, str]:
    """Run the detector command; its status, stdout and stderr."""
    status = main(argv)
    out = capsys.readouterr()
    return status, out.out, out.err


def measure_json(folder, data, capsys) -> dict:
    """`detector models measure FOLDER --data DATA --json`, parsed."""
    status, out, err = run_cli(["models", "measure", str(folder), "--data", str(data), "--json"], capsys)
    assert status == 0, err
    return json.loads(out)


# --------------------------------------------------------------------------
# ROC-AUC without scikit-learn


@pytest.mark.parametrize("seed", range(5))
def test_roc_auc_equals_scikit_learn_with_ties(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 300)
    scores = np.round(rng.normal(labels * 0.7, 1.0), 1)  # rounding makes many ties
    assert heldout.roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-9)


def test_roc_auc_of_one_label_is_none_and_of_perfect_scores_is_one():
    assert heldout.roc_auc(np.ones(4), np.arange(4.0)) is None
    assert heldout.roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    assert heldout.roc_auc(np.array([0, 0, 1, 1]), np.array([0.4, 0.3, 0.2, 0.1])) == 0.0


# --------------------------------------------------------------------------
# Labels


@pytest.mark.parametrize(
    "names, real, ai",
    [
        (["artificial", "human"], [1], [0]),
        (["REAL", "FAKE"], [0], [1]),
        (["Realism", "ai_generated"], None, None),  # "realism" is not a word of the vocabulary
        (["AI-Images", "Real Photos"], [1], [0]),
        (["deepfake", "authentic", "natural"], [1, 2], [0]),
        (["LABEL_0", "LABEL_1"], None, None),
        (["real", "sd", "midjourney"], None, None),
        (["ai photo", "human"], None, None),  # a label naming both sides
    ],
)
def test_labels_are_read_against_the_vocabulary(names, real, ai):
    if real is None:
        with pytest.raises(LabelError, match="name it in detector.json"):
            resolve(names)
    else:
        sides = resolve(names)
        assert (list(sides.real), list(sides.ai)) == (real, ai)


def test_the_folder_names_the_labels_where_they_are_ambiguous():
    sides = resolve(["LABEL_0", "LABEL_1"], ai_labels=["LABEL_1"])
    assert (sides.ai, sides.real) == ((1,), (0,))
    three = resolve(["real", "sd", "midjourney"], real_labels=["real"])
    assert (three.ai, three.real) == ((1, 2), (0,))
    with pytest.raises(LabelError, match="does not have"):
        resolve(["a", "b"], ai_labels=["c"])
    assert side_of("Human") == "real" and side_of("synthetic") == "ai" and side_of("cat") is None


def test_an_ambiguous_onnx_folder_is_refused_with_the_fix(tmp_path):
    folder = onnx_classifier(tmp_path / "hub", id2label={"0": "LABEL_0", "1": "human"})
    shutil.copy(folder / "config.json", tmp_path / "config.json")
    (folder / "config.json").write_text(json.dumps({"id2label": {"0": "LABEL_0", "1": "LABEL_1"}}))
    with pytest.raises(FolderError, match=r'name it in detector.json.*"ai_labels"'):
        read_folder(folder)
    (folder / "detector.json").write_text(json.dumps({"ai_labels": ["LABEL_0"]}))
    assert read_folder(folder).labels.real == (1,)


# --------------------------------------------------------------------------
# Folders and loading


def test_preprocessor_configs_of_common_processors():
    vit = spec_from_preprocessor_config(
        {"do_resize": True, "size": {"height": 224, "width": 224}, "image_mean": [0.5] * 3, "image_std": [0.5] * 3}
    )
    assert (vit.resize, vit.crop, vit.mean, vit.rescale) == ((224, 224), None, (0.5, 0.5, 0.5), 1 / 255)
    clip = spec_from_preprocessor_config(
        {"size": {"shortest_edge": 224}, "do_center_crop": True, "crop_size": {"height": 224, "width": 224}}
    )
    assert (clip.shortest_edge, clip.crop, clip.output_size) == (224, (224, 224), (224, 224))
    convnext = spec_from_preprocessor_config({"size": {"shortest_edge": 224}, "crop_pct": 0.875})
    assert (convnext.shortest_edge, convnext.crop) == (256, (224, 224))
    tensor = clip.tensor(Image.new("RGB", (640, 480), (255, 0, 0)))
    assert tensor.shape == (3, 224, 224) and tensor.dtype == np.float32
    assert tensor[0].min() == pytest.approx(1.0) and tensor[2].max() == pytest.approx(0.0)


def test_an_onnx_folder_in_the_optimum_layout_loads(onnx_folder):
    folder = read_folder(onnx_folder)
    assert (folder.name, folder.format, folder.labels.describe()) == (
        "tiny-onnx",
        "onnx",
        "real = 'human'; AI-generated = 'artificial'",
    )
    detector = load(folder)
    assert detector.seconds_per_picture > 0
    red, blue = (images.solid((220, 40, 40), (100, 80)), images.solid((40, 40, 220), (100, 80)))
    from detector.detectors.inputs import Picture
    from detector.preprocessing import prepare_image

    pictures = [Picture(data, prepare_image(data)) for data in (images.encode(red, "PNG"), images.encode(blue, "PNG"))]
    p_real = detector.probability_real(pictures)
    assert p_real[0] > 0.99 and p_real[1] < 0.01


def test_a_keras_folder_loads_and_agrees_with_the_onnx_one(tmp_path, onnx_folder):
    from detector.detectors.inputs import Picture
    from detector.preprocessing import prepare_image

    keras_detector = load(read_folder(keras_classifier(tmp_path / "tiny-keras")))
    onnx_detector = load(read_folder(onnx_folder))
    rng = np.random.default_rng(3)
    datas = [images.encode(picture(label, rng), "PNG") for label in (0, 1, 0, 1)]
    pictures = [Picture(data, prepare_image(data)) for data in datas]
    # The same computation in both (mean red minus blue on pixels scaled to -1..1), only resized differently.
    np.testing.assert_allclose(
        keras_detector.probability_real(pictures), onnx_detector.probability_real(pictures), atol=0.02
    )


def test_the_built_in_model_is_described_the_same_way():
    folder = read_folder(measuring.Path(__file__).resolve().parents[1] / "model")
    assert (folder.name, folder.format, folder.model_file.name) == ("builtin", "keras", "classifier.h5")
    assert folder.spec.output_size == (32, 32) and folder.labels.real == (1,)


def truncated_onnx(tmp_path, onnx_folder):
    folder = tmp_path / "truncated"
    shutil.copytree(onnx_folder, folder)
    data = (folder / "model.onnx").read_bytes()
    (folder / "model.onnx").write_bytes(data[: len(data) // 2])
    return folder


def wrong_rank_onnx(tmp_path, onnx_folder):
    return onnx_classifier(tmp_path / "flat", input_shape=["batch_size", 3])


def keras_lambda(tmp_path, onnx_folder):
    from keras import layers

    return keras_classifier(tmp_path / "lambda", extra=layers.Lambda(lambda x: x * 2.0))


def keras_custom_layer(tmp_path, onnx_folder):
    from keras import layers

    class Doubling(layers.Layer):  # not registered: loading it would need this code
        def call(self, x):
            return x * 2.0

    return keras_classifier(tmp_path / "custom", extra=Doubling())


@pytest.mark.parametrize(
    "make, message",
    [
        (truncated_onnx, "ONNX Runtime cannot load it"),
        (wrong_rank_onnx, "takes a rank-2 input"),
        (keras_lambda, "Keras cannot load it safely"),
        (keras_custom_layer, "Keras cannot load it safely"),
    ],
)
def test_broken_or_hostile_models_are_refused_naming_the_file(tmp_path, onnx_folder, make, message):
    folder = read_folder(make(tmp_path, onnx_folder))
    with pytest.raises(LoadError, match=message) as refused:
        load(folder)
    assert str(folder.model_file) in str(refused.value) and "\n" not in str(refused.value)


def test_a_folder_that_is_no_detector_says_what_is_missing(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FolderError, match="neither model.onnx"):
        read_folder(tmp_path / "empty")
    onnx_classifier(tmp_path / "noconfig")
    (tmp_path / "noconfig" / "preprocessor_config.json").unlink()
    with pytest.raises(FolderError, match="preprocessor_config.json is missing"):
        read_folder(tmp_path / "noconfig")


# --------------------------------------------------------------------------
# Measuring


def test_measure_prints_exactly_the_figures_and_writes_the_measurement(measured, data, capsys):
    report = measure_json(measured, data, capsys)
    assert list(report) == list(measuring.REPORT_KEYS)
    assert report["detector"] == "tiny-onnx" and report["pictures"] == 240
    assert set(report["sources"]) == set(SOURCES)
    assert all(row["pictures"] == 80 for row in report["sources"].values())
    assert report["mean_source_roc_auc"] > 0.9 and report["pooled_roc_auc"] > 0.9
    assert {band["kind"] for band in report["bands"]} == {"photo"}
    assert sum(band["pictures"] for band in report["bands"]) == 240
    assert 0 <= report["ece"] < 0.2 and 0 <= report["confidently_wrong"] < 0.1
    written = json.loads((measured / "measurement.json").read_text())
    assert {key: written[key] for key in measuring.REPORT_KEYS} == report
    assert len(written["fingerprint"]) == 64 and written["model_digest"] == read_folder(measured).digest()
    assert len(written["scores"]["logit"]) == 240


def independent_p_real(folder, paths) -> np.ndarray:
    """P(REAL) computed without the project's code: Pillow, NumPy and ONNX Runtime directly."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    batch = []
    for path in paths:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB").resize((16, 16), Image.Resampling.BILINEAR), np.float32)
        batch.append(((pixels / 255 - 0.5) / 0.5).transpose(2, 0, 1))
    logits = session.run(None, {"pixel_values": np.stack(batch)})[0]
    return np.exp(logits[:, 1]) / np.exp(logits).sum(axis=1)  # id2label 1 is "human"


def test_per_source_auc_agrees_with_an_independent_computation(measured, data, capsys):
    report = measure_json(measured, data, capsys)
    files = measuring.labelled_files([data])
    p_real = independent_p_real(measured, [item.path for item in files])
    for source in SOURCES:
        members = [i for i, item in enumerate(files) if item.source == source]
        labels = [files[i].label for i in members]
        expected = roc_auc_score(labels, p_real[members])
        assert report["sources"][source]["roc_auc"] == pytest.approx(expected, abs=0.02)


def test_per_source_auc_is_scikit_learns_on_the_same_scores(onnx_folder, data):
    scored = measuring.score_files(load(read_folder(onnx_folder)), measuring.labelled_files([data]))
    figures = measuring.measure_scores(
        np.asarray(scored.probability_real),
        np.asarray(scored.labels),
        np.asarray(scored.sources),
        np.asarray(scored.kinds),
    )
    sources, labels, p = np.asarray(scored.sources), np.asarray(scored.labels), np.asarray(scored.probability_real)
    for source in SOURCES:
        expected = roc_auc_score(labels[sources == source], p[sources == source])
        assert figures["sources"][source]["roc_auc"] == pytest.approx(expected, abs=1e-9)
    assert figures["pooled_roc_auc"] == pytest.approx(roc_auc_score(labels, p), abs=1e-9)


def test_sources_come_from_file_names_or_the_folder(tmp_path):
    root = tmp_path / "mine"
    (root / "REAL").mkdir(parents=True)
    (root / "FAKE").mkdir()
    images.solid().save(root / "REAL" / "phone__1.png")
    images.solid().save(root / "FAKE" / "a.png")
    files = measuring.labelled_files([root])
    assert {(item.path.name, item.source, item.label) for item in files} == {
        ("phone__1.png", "phone", 1),
        ("a.png", "mine", 0),
    }
    with pytest.raises(measuring.DataError, match="neither REAL/ nor FAKE/"):
        measuring.labelled_files([tmp_path / "nothing"])


def test_calibration_is_fitted_across_sources_and_needs_two():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 200)
    p = 1 / (1 + np.exp(-(labels * 2 - 1) * 3 - rng.normal(0, 1, 200)))
    one_source = measuring.measure_scores(p, labels, np.array(["a"] * 200), np.array(["photo"] * 200))
    assert one_source["bands"] == [] and one_source["ece"] is None and one_source["kinds"] == {}
    two = measuring.measure_scores(p, labels, np.array(["a", "b"] * 100), np.array(["photo"] * 200))
    assert two["kinds"]["photo"]["sources"] == 2 and two["ece"] is not None
    assert sum(band["pictures"] for band in two["bands"]) == 200


def test_the_fingerprint_is_of_the_pictures_not_their_order():
    a = measuring.fingerprint(["d1", "d2"], [1, 0], ["s", "t"])
    assert a == measuring.fingerprint(["d2", "d1"], [0, 1], ["t", "s"])
    assert a != measuring.fingerprint(["d1", "d2"], [0, 0], ["s", "t"])


def test_measure_refuses_a_broken_detector_and_missing_data(tmp_path, data, onnx_folder, capsys):
    status, _, err = run_cli(
        ["models", "measure", str(truncated_onnx(tmp_path, onnx_folder)), "--data", str(data)], capsys
    )
    assert status == 2 and "ONNX Runtime cannot load it" in err
    status, _, err = run_cli(["models", "measure", str(onnx_folder), "--data", str(tmp_path / "none")], capsys)
    assert status == 2 and "neither REAL/ nor FAKE/" in err


# --------------------------------------------------------------------------
# Combination


def fake_measurement(name, logits, labels, sources, kinds=None):
    """A measurement of a detector with these per-picture logits (all on the same pictures)."""
    p = 1 / (1 + np.exp(-np.asarray(logits)))
    kinds = kinds if kinds is not None else np.array(["photo"] * len(labels))
    digests = [f"{i:04d}" for i in range(len(labels))]
    return {
        "detector": name,
        **measuring.measure_scores(p, labels, sources, kinds),
        "fingerprint": measuring.fingerprint(digests, labels.tolist(), sources.tolist()),
        "scores": {
            "digest": digests,
            "label": labels.tolist(),
            "source": sources.tolist(),
            "kind": kinds.tolist(),
            "logit": list(map(float, logits)),
        },  # fmt: skip
    }


def test_logistic_regression_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (300, 2)) * [1.0, 5.0]
    y = (x[:, 0] + x[:, 1] / 5 + rng.normal(0, 1, 300) > 0).astype(int)
    slopes, bias = fit_logistic(x, y)
    reference = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000)).fit(x, y)
    np.testing.assert_allclose(x @ slopes + bias, reference.decision_function(x), atol=1e-6)


def test_detectors_that_see_different_things_combine_and_redundant_ones_do_not():
    rng = np.random.default_rng(2)
    n = 600
    labels = rng.integers(0, 2, n)
    sources = np.array(["a", "b", "c"])[rng.integers(0, 3, n)]
    signal = labels * 2.0 - 1
    first = signal + rng.normal(0, 1.5, n)  # two independent noisy views of the truth
    second = signal + rng.normal(0, 1.5, n)
    a, b = fake_measurement("a", first, labels, sources), fake_measurement("b", second, labels, sources)
    stacked = combine([a, b])
    assert stacked["combines"] == ["a", "b"]
    assert stacked["mean_source_roc_auc"] >= max(a["mean_source_roc_auc"], b["mean_source_roc_auc"]) + 0.02
    twin = fake_measurement("twin", first * 1.01, labels, sources)
    redundant = combine([a, twin])
    assert redundant["mean_source_roc_auc"] < a["mean_source_roc_auc"] + 0.02
    other_pictures = fake_measurement("c", second, labels, np.roll(sources, 1))
    assert combine([a, other_pictures]) is None  # not measured on the same pictures


def test_the_registry_shows_a_combination_only_where_it_leads(tmp_path):
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, 400)
    sources = np.array(["a", "b"])[rng.integers(0, 2, 400)]
    signal = labels * 2.0 - 1
    a = fake_measurement("a", signal + rng.normal(0, 1.5, 400), labels, sources)
    b = fake_measurement("b", signal + rng.normal(0, 1.5, 400), labels, sources)
    from detector.detectors.registry import Entry

    entries = [Entry(m["detector"], "", "onnx", MEASURED, None, object(), m) for m in (a, b)]
    assert Registry(entries).lead[0] == "combined"
    twin = fake_measurement("twin", np.asarray(a["scores"]["logit"]) * 1.01, labels, sources)
    entries = [Entry(m["detector"], "", "onnx", MEASURED, None, object(), m) for m in (a, twin)]
    registry = Registry(entries)
    assert "combined" not in registry.lead and registry.combination is None


def test_the_built_in_model_competes_with_its_cards_figure_when_not_measured_here():
    from detector.detectors.registry import Entry, card_mean_source_auc

    rng = np.random.default_rng(5)
    labels = rng.integers(0, 2, 200)
    sources = np.array(["a", "b"])[rng.integers(0, 2, 200)]
    worse = fake_measurement("worse", rng.normal(0, 1, 200), labels, sources)  # no better than chance
    entry = Entry("worse", "", "onnx", MEASURED, None, object(), worse)
    assert Registry([entry], builtin_card_auc=0.59).lead == ["builtin", "worse"]
    assert Registry([entry]).lead == ["worse", "builtin"]  # a card without figures ranks last
    card = json.loads((measuring.Path(__file__).resolve().parents[1] / "model" / "model_card.json").read_text())
    aucs = [row["roc_auc"] for row in card["metrics"]["modern_val"]["per_source"] if row["roc_auc"] is not None]
    assert card_mean_source_auc(card) == pytest.approx(np.mean(aucs), abs=1e-4)
    assert card_mean_source_auc({}) is None


# --------------------------------------------------------------------------
# Serving


@pytest.fixture(scope="module")
def detectors_dir(tmp_path_factory, onnx_folder, data):
    """A DETECTORS_DIR with a measured ONNX detector, a Keras one never measured, and a truncated ONNX file."""
    root = tmp_path_factory.mktemp("detectors_dir")
    shutil.copytree(onnx_folder, root / "tiny-onnx")
    main(["models", "measure", str(root / "tiny-onnx"), "--data", str(data), "--json"])
    keras_classifier(root / "tiny-keras")
    shutil.copytree(onnx_folder, root / "broken")
    model = root / "broken" / "model.onnx"
    model.write_bytes(model.read_bytes()[:100])
    (root / "broken" / "detector.json").write_text(json.dumps({"name": "broken"}))
    return root


@pytest.fixture
def served(classifier, detectors_dir, tmp_path, caplog):
    """The app with DETECTORS_DIR, and the log lines of its start."""
    with caplog.at_level(logging.INFO):
        app = create_app(
            {
                "TESTING": True,
                "CLASSIFIER": classifier,
                "DETECTORS_DIR": str(detectors_dir),
                "FRONTEND_DIST": str(tmp_path / "none"),
                "PERFORMANCE_DIR": str(tmp_path / "performance"),
            }
        )
    return app, [record.getMessage() for record in caplog.records]


def upload(client, data, name="picture.png"):
    return client.post("/api/predict", data={"image": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_a_broken_model_is_refused_at_start_in_one_line_and_the_rest_serves(served, detectors_dir):
    app, log = served
    refused = [line for line in log if line.startswith("detector refused")]
    assert len(refused) == 1 and str(detectors_dir / "broken" / "model.onnx") in refused[0] and "\n" not in refused[0]
    states = {entry.name: entry.state for entry in app.extensions["detectors"].entries}
    assert states == {"broken": FAILED, "tiny-keras": NOT_MEASURED, "tiny-onnx": MEASURED}


def test_the_model_card_lists_every_detector_with_why(served):
    app, _ = served
    card = app.test_client().get("/api/model").get_json()
    assert_matches(card, "ModelCard")
    rows = {row["name"]: row for row in card["detectors"]}
    assert rows["tiny-onnx"]["state"] == "measured" and rows["tiny-onnx"]["lead_rank"] == 1
    assert rows["tiny-onnx"]["measurement"]["pictures"] == 240 and rows["tiny-onnx"]["measurement"]["sources"] == 3
    assert rows["tiny-keras"]["state"] == "not_measured" and "detector models measure" in rows["tiny-keras"]["reason"]
    assert rows["broken"]["state"] == "failed" and "model.onnx" in rows["broken"]["reason"]


def test_a_measured_detector_adds_its_evidence_line_and_leads_the_verdict(served, classifier):
    app, _ = served
    red = images.encode(picture(1, np.random.default_rng(9), size=120, lean=80), "PNG")
    body = upload(app.test_client(), red).get_json()
    assert_matches(body, "Prediction")
    # The contract's own fields stay the built-in model's.
    from detector.preprocessing import prepare_image

    expected = float(classifier.predict(prepare_image(red).pixels[None])[0])
    assert body["probability_real"] == pytest.approx(expected, abs=1e-5)
    assert [line["name"] for line in body["detectors"]] == ["tiny-onnx"]  # the unmeasured one never speaks
    line = body["detectors"][0]
    assert (line["label"], line["input_kind"], line["kind_measured"]) == ("REAL", "photo", True)
    assert line["band"]["pictures"] >= 50 and line["band"]["accuracy"] >= 0.9
    assert "3 sources" in line["measured_on"]
    verdict = body["verdict"]
    assert (verdict["label"], verdict["pixel_evidence"]) == ("REAL", "tiny-onnx")
    assert verdict["measured_accuracy"] == line["band"]["accuracy"]


def test_a_detector_whose_band_is_below_90_percent_never_decides(served):
    app, _ = served
    registry = app.extensions["detectors"]
    entry = next(e for e in registry.entries if e.name == "tiny-onnx")
    original = entry.measurement["bands"]
    entry.measurement["bands"] = [{**band, "accuracy": 0.89} if band["accuracy"] else band for band in original]
    try:
        red = images.encode(picture(1, np.random.default_rng(9), size=120, lean=80), "PNG")
        verdict = upload(app.test_client(), red).get_json()["verdict"]
    finally:
        entry.measurement["bands"] = original
    assert (verdict["label"], verdict["lean"], verdict["pixel_evidence"]) == ("UNSURE", "REAL", "tiny-onnx")
    assert "89%" in verdict["summary"]


def test_a_detector_slower_than_its_share_of_the_time_left_is_skipped_with_a_note(served):
    app, _ = served
    entry = next(e for e in app.extensions["detectors"].entries if e.name == "tiny-onnx")
    speed = entry.detector.seconds_per_picture
    entry.detector.seconds_per_picture = 1000.0  # far beyond the request's 15 s
    try:
        response = upload(app.test_client(), images.png(size=(100, 100)))
    finally:
        entry.detector.seconds_per_picture = speed
    assert response.status_code == 200
    body = response.get_json()
    assert_matches(body, "Prediction")
    line = body["detectors"][0]
    assert line["label"] is None and line["confidence"] is None and line["note"].startswith("Skipped for this request")
    assert body["verdict"]["pixel_evidence"] == "builtin"


def test_a_detector_that_fails_on_a_request_is_skipped_not_a_server_error(served, monkeypatch):
    app, _ = served
    entry = next(e for e in app.extensions["detectors"].entries if e.name == "tiny-onnx")

    def broken(batch):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(entry.detector, "_run", broken)
    response = upload(app.test_client(), images.png(size=(100, 100)))
    assert response.status_code == 200
    assert "failed on these pictures" in response.get_json()["detectors"][0]["note"]


def test_a_thumbnail_is_told_the_detector_was_not_measured_on_its_kind(served):
    app, _ = served
    body = upload(app.test_client(), images.png(size=(40, 40))).get_json()
    line = body["detectors"][0]
    assert (line["input_kind"], line["kind_measured"], line["band"]) == ("thumbnail", False, None)
    assert "Not measured on thumbnails" in line["note"]
    assert body["verdict"]["pixel_evidence"] == "builtin"


def test_a_changed_model_is_no_longer_measured(tmp_path, onnx_folder, data, capsys):
    folder = tmp_path / "changing"
    shutil.copytree(onnx_folder, folder)
    measure_json(folder, data, capsys)
    assert measuring.read_measurement(read_folder(folder))[0] is not None
    onnx_classifier(folder, strength=3.0)
    measurement, why = measuring.read_measurement(read_folder(folder))
    assert measurement is None and "changed" in why


def test_without_detectors_the_answer_has_an_empty_list(client):
    body = upload(client, images.png(size=(100, 100))).get_json()
    assert body["detectors"] == [] and body["verdict"]["pixel_evidence"] == "builtin"


# --------------------------------------------------------------------------
# The command line


def test_models_list_shows_every_state(detectors_dir, capsys):
    status, out, _ = run_cli(["models", "list", str(detectors_dir)], capsys)
    assert status == 0
    assert "tiny-onnx" in out and "measured, leads #1" in out
    assert "tiny-keras" in out and "not measured" in out
    assert "broken" in out and "failed" in out and "model.onnx" in out
    assert out.splitlines()[0].startswith("builtin")


def test_predict_prints_the_detector_line(detectors_dir, model_path, tmp_path, capsys):
    path = tmp_path / "red.png"
    picture(1, np.random.default_rng(9), size=120, lean=80).save(path)
    status, out, err = run_cli(
        ["predict", str(path), "--model", str(model_path), "--detectors", str(detectors_dir)], capsys
    )
    assert status == 0, err
    assert "Detector tiny-onnx (the verdict rests on it): leans a real photo" in out
    assert "right" in out and "held-out sources" in out
    assert "detector refused" in err and "tiny-keras stays silent" in err
