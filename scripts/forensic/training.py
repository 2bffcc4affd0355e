"""Train one forensic model on some pictures, resumably, and score pictures on their fixed crop grid."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np

from . import data as native
from .network import make_model


@dataclass(frozen=True)
class Settings:
    """What one training run does; written beside its checkpoints so a resumed run cannot drift."""

    front_end: str = "npr"
    width: int = 32
    crop: int = 64
    batch: int = 64
    epochs: int = 12
    steps: int = 100
    learning_rate: float = 2e-3
    weight_decay: float = 0.05
    seed: int = 1337


def compile_model(model: keras.Model, settings: Settings) -> None:
    """AdamW with a cosine schedule, and an exponential moving average of the weights (used once fit ends)."""
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0,
        decay_steps=settings.epochs * settings.steps,
        warmup_target=settings.learning_rate,
        warmup_steps=settings.steps,
    )
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=settings.weight_decay, use_ema=True, ema_momentum=0.99)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")],
    )


def train(data: native.NativeSet, indices: np.ndarray, settings: Settings, run_dir: Path) -> keras.Model:
    """The trained model of run_dir: loaded if it finished before, else trained (resuming a broken-off run)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    final, settings_file = run_dir / "model.keras", run_dir / "settings.json"
    if settings_file.exists() and json.loads(settings_file.read_text()) != asdict(settings):
        raise ValueError(f"{run_dir} holds a run with other settings; use another --run-dir")
    settings_file.write_text(json.dumps(asdict(settings), indent=2) + "\n")
    if final.exists():
        return keras.models.load_model(final)
    keras.utils.set_random_seed(settings.seed)
    model = make_model(settings.front_end, settings.width)
    compile_model(model, settings)
    dataset = native.training_dataset(data, indices, settings.crop, settings.batch, settings.steps, settings.seed)
    model.fit(
        dataset,
        epochs=settings.epochs,
        steps_per_epoch=settings.steps,
        callbacks=[
            keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
            keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
        ],
        verbose=2,
    )
    model.save(final)
    return model


def grid_logits(model: keras.Model, grid: np.ndarray, indices: np.ndarray, batch: int = 32) -> np.ndarray:
    """Each picture's score: the mean logit of P(REAL) over its fixed grid of native crops."""
    per_picture = grid.shape[1]
    scores = []
    for start in range(0, len(indices), batch):
        chunk = np.asarray(grid[indices[start : start + batch]], dtype=np.float32)
        logits = model.predict_on_batch(chunk.reshape(-1, *chunk.shape[2:]))
        scores.append(np.asarray(logits, dtype=np.float64).reshape(-1, per_picture).mean(axis=1))
    return np.concatenate(scores) if scores else np.zeros(0)
