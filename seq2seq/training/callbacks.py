"""Callbacks of ``seq2seq train``: dropout seeds, early stopping, best checkpoint, history, BLEU."""

from __future__ import annotations

import math
from pathlib import Path

import keras
import numpy as np

from seq2seq import atomic, checkpoint
from seq2seq.decoding import DecodingOptions, translate
from seq2seq.scores import bleu_and_chrf
from seq2seq.training.backup import finite_or_none
from seq2seq.training.config import TrainingConfig


class EpochDropoutSeeds(keras.callbacks.Callback):
    """Before each epoch, every dropout seed state becomes a function of (seed, epoch).

    Keras's weight files do not hold the states of random seed generators; without this, a
    resumed run would draw other dropout masks than the interrupted one would have.
    """

    def on_epoch_begin(self, epoch, logs=None):
        for variable in self.model.variables:
            if variable.name == "seed_generator_state":
                seed = np.asarray(keras.ops.convert_to_numpy(variable))[0]
                variable.assign(np.array([seed, epoch << 20], dtype=variable.dtype))


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras's ``EarlyStopping`` on ``val_loss`` whose count survives a resume.

    ``EarlyStopping.on_train_begin`` resets ``wait`` and ``best``; ``TrainingBackup`` saves them
    after every epoch (``get_state``) and hands them back on resume (``set_state``), so a resumed
    run stops at the epoch the uninterrupted one would. Its best weights are not kept.
    """

    def __init__(self, patience: int):
        super().__init__(monitor="val_loss", patience=patience, restore_best_weights=False)
        self._restored: dict | None = None

    def get_state(self) -> dict:
        return {
            "wait": int(self.wait),
            "best": finite_or_none(self.best),
            "best_epoch": int(self.best_epoch),
            "stopped_epoch": int(self.stopped_epoch),
        }

    def set_state(self, state: dict) -> None:
        self._restored = dict(state)
        self._apply_restored()

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._apply_restored()  # whichever of the two callbacks Keras calls first

    def _apply_restored(self) -> None:
        if self._restored is not None:
            self.wait, self.best = self._restored["wait"], self._restored["best"]
            self.best_epoch, self.stopped_epoch = self._restored["best_epoch"], self._restored["stopped_epoch"]


class ValidationBleu(keras.callbacks.Callback):
    """Greedy-translates a fixed sample of validation pairs after each epoch: ``val_bleu``."""

    def __init__(self, tokenizer, pairs, max_pieces: int = TrainingConfig.max_pieces):
        super().__init__()
        self.tokenizer = tokenizer
        self.sources = [source for source, _ in pairs]
        self.references = [target for _, target in pairs]
        self.max_pieces = max_pieces  # the training's longest sequence: sources and outputs

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or not self.sources:
            return
        options = DecodingOptions(max_len=self.max_pieces)
        hypotheses = translate(self.model, self.tokenizer, self.sources, options, max_source_pieces=self.max_pieces)
        logs["val_bleu"] = bleu_and_chrf(hypotheses, self.references)["bleu"]


def best_record(history: list[dict]) -> dict | None:
    """The epoch record whose model is saved: the lowest ``val_loss``, the earliest on a tie
    (None before any validation)."""
    scored = [h for h in history if "val_loss" in h]
    return min(scored, key=lambda h: h["val_loss"]) if scored else None


class CheckpointWriter(keras.callbacks.Callback):
    """After each epoch: history.json, curves.png, and the best model and its metrics.

    "Best" is the lowest ``val_loss``. Every file is replaced atomically.
    """

    def __init__(self, directory: Path, history: list[dict], on_epoch=None):
        super().__init__()
        self.directory = directory
        self.history = history  # earlier epochs of a resumed run come in here
        self.on_epoch = on_epoch
        self.best = best_record(history)

    def on_epoch_end(self, epoch, logs=None):
        record = {"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}}
        if "val_cross_entropy" in record:
            record["val_perplexity"] = math.exp(min(record["val_cross_entropy"], 50.0))
        self.history[:] = [h for h in self.history if h["epoch"] < record["epoch"]] + [record]
        if "val_loss" in record and (self.best is None or record["val_loss"] < self.best["val_loss"]):
            self.best = record
            checkpoint.save_model(self.model, self.directory)
            checkpoint.write_json(self.directory / checkpoint.METRICS_FILE, {"best_epoch": record})
        checkpoint.write_json(self.directory / checkpoint.HISTORY_FILE, self.history)
        plot_curves(self.history, self.directory / checkpoint.CURVES_FILE)
        if self.on_epoch is not None:
            self.on_epoch(record)


def plot_curves(history: list[dict], path: Path) -> None:
    """Loss (train and valid) per epoch, the saved (best) epoch marked, beside validation BLEU,
    or validation perplexity for a run without BLEU (a chatbot's); written atomically as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    figure, (loss_axis, score_axis) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("loss", "train loss"), ("val_loss", "valid loss"), ("val_cross_entropy", "valid cross-entropy")):
        points = [(h["epoch"], h[key]) for h in history if key in h]
        if points:
            loss_axis.plot(*zip(*points), marker="o", label=label)
    best = best_record(history)
    if best is not None:
        loss_axis.axvline(best["epoch"], color="grey", linestyle=":",
                          label=f"saved: epoch {best['epoch']} (lowest valid loss)")
    loss_axis.set(xlabel="epoch", ylabel="nats per target piece", title="Loss")
    loss_axis.legend()
    key, title, label = "val_bleu", "Validation BLEU (greedy, sample)", "BLEU"
    if not any(key in h for h in history):
        key, title, label = "val_perplexity", "Validation perplexity (lower is better)", "perplexity"
    points = [(h["epoch"], h[key]) for h in history if key in h]
    if points:
        score_axis.plot(*zip(*points), marker="o", color="tab:green")
    score_axis.set(xlabel="epoch", ylabel=label, title=title)
    if epochs:
        for axis in (loss_axis, score_axis):
            axis.set_xticks(epochs)
    figure.tight_layout()
    try:
        with atomic.replacing(path) as temporary:
            figure.savefig(temporary, format="png", dpi=80)
    finally:
        plt.close(figure)
