"""Child process of test_multi_worker.py: one worker of a multi-worker run, or the single-device run.

Usage: python multi_worker_run.py WORK_DIR OUT_NAME [train|sgd]. With ``TF_CONFIG`` (or
``KERAS_DISTRIBUTION_*`` on JAX) set, this process is one worker of the cluster it describes
(one CPU device each); without, it trains alone. ``train`` runs ``train`` and prints the loss of
every epoch; ``sgd`` runs a few SGD steps on batches whose replicas hold very different numbers
of target tokens and writes ``WORK_DIR/OUT_NAME.workerN.npz``. Corpus, model and settings:
``toy_tasks`` (as in ``data_parallel_run.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["CUDA_VISIBLE_DEVICES"] = ""

from toy_tasks import MODEL, PARALLEL_TRAINING, corpus_selection, unequal_sgd_run  # noqa: E402

from seq2seq.training import TrainingConfig, train  # noqa: E402
from seq2seq.training.distribution import workers_from_environment  # noqa: E402


def main(work: Path, name: str) -> None:
    config = TrainingConfig(**PARALLEL_TRAINING)
    history = train(work / name, corpus_selection(work), model_options=MODEL, training=config, verbose=0)
    for record in history:
        print(f"epoch {record['epoch']}: loss {record['loss']:.6f} val_loss {record['val_loss']:.6f}")


def sgd(work: Path, name: str) -> None:
    _, worker = workers_from_environment()
    unequal_sgd_run(work / f"{name}.worker{worker}.npz")


if __name__ == "__main__":
    {"train": main, "sgd": sgd}[sys.argv[3] if len(sys.argv) > 3 else "train"](Path(sys.argv[1]), sys.argv[2])
