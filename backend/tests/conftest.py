"""Fixtures: a tiny real Keras model in the contract's shape, the app and its client."""

from __future__ import annotations

import json

import pytest

from detector import create_app

# Stand-ins for what training writes into a real card.
LIMITATIONS = ["Every picture is shrunk to 32x32 pixels first.", "A verdict is not proof."]


@pytest.fixture(scope="session")
def model_path(tmp_path_factory):
    """A tiny, deterministic model saved as .h5 with a model card, as training writes them."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(7)
    inputs = keras.Input((32, 32, 3))
    x = layers.Rescaling(1 / 255)(inputs)
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(4)(x)
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    logit = layers.Dense(1, name="logit")(x)
    model = keras.Model(inputs, layers.Activation("sigmoid")(logit))
    path = tmp_path_factory.mktemp("model") / "classifier.h5"
    model.save(path)
    card = {
        "version": "test-1",
        "threshold": 0.5,
        "limitations": LIMITATIONS,
        "plots": [{"name": "roc_curve", "title": "ROC curve", "file": "roc_curve.png"}],
    }
    path.with_name("model_card.json").write_text(json.dumps(card))
    return path


@pytest.fixture(scope="session")
def classifier(model_path):
    """The tiny model loaded once through the production loader."""
    from detector.classifier import Classifier

    return Classifier.load(model_path)


@pytest.fixture
def app(classifier, tmp_path):
    """The app in testing mode, with no built frontend."""
    return create_app(
        {
            "TESTING": True,
            "CLASSIFIER": classifier,
            "FRONTEND_DIST": str(tmp_path / "no-frontend"),
            "PERFORMANCE_DIR": str(tmp_path / "performance"),
        }
    )


@pytest.fixture
def client(app):
    """A test client for app."""
    return app.test_client()
