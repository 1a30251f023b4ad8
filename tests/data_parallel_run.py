"""Child process of test_data_parallel.py: the same training on one CPU and on two logical CPUs.

Usage: python data_parallel_run.py WORK_DIR [train|sgd]. ``train`` (TensorFlow) runs ``train``
twice and prints the losses and the largest weight difference; ``sgd`` runs a few SGD steps on
batches whose replicas hold very different numbers of target tokens (``toy_tasks``) and prints
the largest loss and weight differences. The backend is ``KERAS_BACKEND``: TensorFlow gets two
logical CPU devices (``MirroredStrategy``), JAX two host devices (``DataParallel``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["CUDA_VISIBLE_DEVICES"] = ""
if os.environ.get("KERAS_BACKEND", "tensorflow") == "jax":
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=2".strip()
    DEVICES = ["cpu:0", "cpu:1"]
else:
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    DEVICES = ["/cpu:0", "/cpu:1"]

import numpy as np  # noqa: E402
from toy_tasks import MODEL, PARALLEL_TRAINING, compare_unequal_runs, corpus_selection, unequal_sgd_run  # noqa: E402

from seq2seq.training import TrainingConfig, train  # noqa: E402


def main(work: Path) -> None:
    selection = corpus_selection(work)
    config = TrainingConfig(**PARALLEL_TRAINING)
    history_one = train(work / "one", selection, model_options=MODEL, training=config, verbose=0)
    history_two = train(work / "two", selection, model_options=MODEL, training=config, verbose=0, devices=DEVICES)

    import keras

    one = keras.saving.load_model(work / "one" / "model.keras", safe_mode=True)
    two = keras.saving.load_model(work / "two" / "model.keras", safe_mode=True)
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(one.get_weights(), two.get_weights()))
    moved = max(float(np.max(np.abs(a))) for a in one.get_weights())
    for a, b in zip(history_one, history_two):
        print(f"epoch {a['epoch']}: loss {a['loss']:.6f} vs {b['loss']:.6f}, val_loss {a['val_loss']:.6f} vs {b['val_loss']:.6f}")
    print(f"max weight difference {difference:.3e} (largest weight {moved:.3f})")


def sgd(work: Path) -> None:
    unequal_sgd_run(work / "one.npz")
    unequal_sgd_run(work / "two.npz", devices=DEVICES)
    loss, weight = compare_unequal_runs(work / "one.npz", work / "two.npz")
    print(f"sgd: loss difference {loss:.3e}, weight difference {weight:.3e}")


if __name__ == "__main__":
    {"train": main, "sgd": sgd}[sys.argv[2] if len(sys.argv) > 2 else "train"](Path(sys.argv[1]))
