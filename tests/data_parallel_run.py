"""Child process of test_data_parallel.py: the same training on one CPU and on two logical CPUs.

Usage: python data_parallel_run.py WORK_DIR. Prints the largest weight difference.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["CUDA_VISIBLE_DEVICES"] = ""
import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import numpy as np  # noqa: E402
from toy_tasks import MODEL, PARALLEL_TRAINING, corpus_selection  # noqa: E402

from seq2seq.training import TrainingConfig, train  # noqa: E402


def main(work: Path) -> None:
    selection = corpus_selection(work)
    config = TrainingConfig(**PARALLEL_TRAINING)
    history_one = train(work / "one", selection, model_options=MODEL, training=config, verbose=0)
    history_two = train(work / "two", selection, model_options=MODEL, training=config, verbose=0, devices=["/cpu:0", "/cpu:1"])

    import keras

    one = keras.saving.load_model(work / "one" / "model.keras", safe_mode=True)
    two = keras.saving.load_model(work / "two" / "model.keras", safe_mode=True)
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(one.get_weights(), two.get_weights()))
    moved = max(float(np.max(np.abs(a))) for a in one.get_weights())
    for a, b in zip(history_one, history_two):
        print(f"epoch {a['epoch']}: loss {a['loss']:.6f} vs {b['loss']:.6f}, val_loss {a['val_loss']:.6f} vs {b['val_loss']:.6f}")
    print(f"max weight difference {difference:.3e} (largest weight {moved:.3f})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
