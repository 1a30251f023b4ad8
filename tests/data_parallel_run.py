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
from toy_tasks import reverse_pairs, write_tsv  # noqa: E402

from seq2seq.cli.corpora import CorpusSelection  # noqa: E402
from seq2seq.corpora import load_pairs  # noqa: E402
from seq2seq.training import TrainingConfig, train  # noqa: E402

BATCH = 16


def main(work: Path) -> None:
    # Same-length strings and a whole number of batches: each replica sees as many target
    # tokens as the other, so the mean of the replicas' mean losses is the global mean.
    pairs = reverse_pairs(400, seed=9, min_len=5, max_len=5)
    corpus = write_tsv(work / "reverse.tsv", pairs)
    train_count = len(list(load_pairs([f"tsv:{corpus}"], split="train")))
    extra = train_count % BATCH
    train_pairs = set(load_pairs([f"tsv:{corpus}"], split="train"))
    drop = [pair for pair in pairs if pair in train_pairs][:extra]
    corpus = write_tsv(work / "reverse.tsv", [pair for pair in pairs if pair not in set(drop)])
    selection = CorpusSelection(
        specs=(f"tsv:{corpus}",), data_dir=None, context_turns=1, split="train", skip_bad_lines=False, max_len=None
    )
    model = dict(cell="lstm", units=16, embed=8, attention_units=8, dropout=0.0)
    config = TrainingConfig(epochs=2, batch_size=BATCH, vocab_size=24, bleu_sample=0, warmup_steps=5, seed=4)
    history_one = train(work / "one", selection, model_options=model, training=config, verbose=0)
    history_two = train(work / "two", selection, model_options=model, training=config, verbose=0, devices=["/cpu:0", "/cpu:1"])

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
