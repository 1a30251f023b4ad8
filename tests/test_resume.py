"""A training run killed with SIGKILL mid-epoch resumes and ends where an uninterrupted run ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
from toy_tasks import reverse_pairs, write_tsv

pytestmark = pytest.mark.slow

EPOCHS = 3


def command(corpus, out, *extra):
    return [
        sys.executable, "-m", "seq2seq", "train", "--corpus", f"tsv:{corpus}", "--out", str(out),
        "--cell", "gru", "--units", "32", "--embed", "16", "--attention-units", "16", "--dropout", "0.1",
        "--vocab-size", "24", "--epochs", str(EPOCHS), "--batch-size", "16", "--bleu-sample", "5",
        "--warmup-steps", "10", "--seed", "3", "--quiet", *extra,
    ]  # fmt: skip


def environment():
    return {**os.environ, "TF_DETERMINISTIC_OPS": "1", "PYTHONHASHSEED": "0", "CUDA_VISIBLE_DEVICES": ""}


def weights(path) -> list[np.ndarray]:
    """Every array in a Keras weights file, in a stable order."""
    arrays = []
    with h5py.File(path, "r") as handle:
        handle.visititems(lambda name, item: arrays.append((name, item[()])) if isinstance(item, h5py.Dataset) else None)
    return [array for _, array in sorted(arrays, key=lambda pair: pair[0])]


def run(args, **kwargs):
    result = subprocess.run(args, env=environment(), capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_kill_during_an_epoch_then_resume_equals_uninterrupted(tmp_path):
    corpus = write_tsv(tmp_path / "reverse.tsv", reverse_pairs(3000, seed=5))
    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    run(command(corpus, straight))

    process = subprocess.Popen(
        command(corpus, interrupted), env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    history = interrupted / "history.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if history.is_file() and len(json.loads(history.read_text() or "[]")) >= 1:
            break
        time.sleep(0.05)
    time.sleep(1.0)  # well into the second epoch
    assert process.poll() is None, "training ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    completed = [h["epoch"] for h in json.loads(history.read_text())]
    assert completed and completed[-1] < EPOCHS, completed

    # What the kill left behind loads: the best model of the completed epochs.
    run([sys.executable, "-m", "seq2seq", "translate", "--checkpoint", str(interrupted), "a b c"])
    run(command(corpus, interrupted, "--resume"))

    straight_history = json.loads((straight / "history.json").read_text())
    resumed_history = json.loads(history.read_text())
    assert [h["epoch"] for h in resumed_history] == list(range(1, EPOCHS + 1))
    for a, b in zip(straight_history, resumed_history):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5) and a["val_loss"] == pytest.approx(b["val_loss"], rel=1e-5)
    final_straight = weights(straight / "backup" / "latest.weights.h5")
    final_resumed = weights(interrupted / "backup" / "latest.weights.h5")
    assert len(final_straight) == len(final_resumed) > 0
    for a, b in zip(final_straight, final_resumed):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
