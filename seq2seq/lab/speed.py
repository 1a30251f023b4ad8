"""Speed: wall time of one training step of each cell at the same hidden size, on this machine."""

from __future__ import annotations

import time

import keras
import numpy as np

from seq2seq.lab import models
from seq2seq.lab.config import LabConfig

FEATURES = 16
BATCH = 32
WARMUP_STEPS = 3


def run(config: LabConfig) -> dict:
    """``{cell: {"ms_per_step" (median), "parameters"}}`` for ``(32, speed_time, 16)`` batches."""
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(BATCH, config.speed_time, FEATURES)).astype("float32")
    labels = rng.integers(0, 4, size=BATCH).astype("int32")
    out = {}
    for cell in config.cells:
        model = models.classifier(cell, config.speed_time, FEATURES, 4, config.speed_units, seed=0)
        models.compile_for_classes(model, keras.optimizers.Adam(1e-3))
        for _ in range(WARMUP_STEPS):
            model.train_on_batch(inputs, labels)
        times = []
        for _ in range(config.speed_steps):
            start = time.perf_counter()
            model.train_on_batch(inputs, labels)
            times.append(time.perf_counter() - start)
        out[cell] = {
            "ms_per_step": 1000 * float(np.median(times)),
            "parameters": int(model.get_layer("recurrent").count_params()),
        }
    return out
