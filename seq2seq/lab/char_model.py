"""Memory on real text: what a character model expects after "grann", beside the unigram model.

A model without memory can only predict the most frequent letter whatever came before (the
unigram distribution: "e" after the space). A recurrent model reads the prefix and predicts the
next letter from it. Each cell is trained on the same lower-cased chitchat replies
(``tasks.chitchat_letters``), with the same steps, units and seed.
"""

from __future__ import annotations

import collections
import math
import re

import keras
import numpy as np

from seq2seq.lab import models, tasks
from seq2seq.lab.config import LabConfig

# Each prefix starts with a space (a word boundary) and names the letter the classic story expects.
PREFIXES = {" grann": "y", " q": "u", " wha": "t", " th": "e", " hel": "p"}


def run(config: LabConfig, text: str, progress=None) -> dict:
    """Trains one character model per cell on 90% of ``text``; scores the other 10%.

    Returns ``{"train_chars": N, "unigram": {char: p}, "corpus": {prefix: {"count", "next": {char: p}}},
    "cells": {cell: {"bits_per_char", "next": {prefix: {char: p}}}}}``.
    """
    codes = tasks.encode(text)
    split = int(len(codes) * 0.9)
    train_codes, held_out = codes[:split], codes[split:]
    rng = np.random.default_rng(config.seeds[0])
    result = {
        "train_chars": int(split),
        "unigram": as_dict(tasks.unigram(train_codes)),
        "corpus": {prefix: corpus_next(text[:split], prefix) for prefix in PREFIXES},
        "cells": {},
    }
    for cell in config.cells:
        model = models.next_char_model(cell, len(tasks.ALPHABET), config.char_units, config.seeds[0])
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate / 2, global_clipnorm=1.0),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        models.train(model, lambda: tasks.window_batch(rng, train_codes, config.char_batch_size, config.char_window),
                     config.char_steps, progress, f"characters {cell}")
        result["cells"][cell] = {
            "bits_per_char": bits_per_char(model, held_out),
            "next": {prefix: as_dict(next_distribution(model, prefix)) for prefix in PREFIXES},
        }
    return result


def next_distribution(model: keras.Model, prefix: str) -> np.ndarray:
    """The model's distribution of the character after ``prefix``: ``(27,)``."""
    logits = models.logits_of(model, tasks.one_hot(tasks.encode(prefix))[None])[0, -1]  # (27,)
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.softmax(logits)), dtype="float64")


def bits_per_char(model: keras.Model, codes: np.ndarray) -> float:
    """Cross-entropy in bits of predicting ``codes[1:]`` from ``codes[:-1]`` in one pass."""
    # predict_on_batch (not models.logits_of): one compiled pass over thousands of steps, where an
    # eager call would run TensorFlow's time loop step by step
    logits = model.predict_on_batch(tasks.one_hot(codes[:-1])[None])[0]  # (T, 27)
    log_probs = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) - logits.max(-1, keepdims=True)
    return float(-log_probs[np.arange(len(codes) - 1), codes[1:]].mean() / math.log(2))


def corpus_next(text: str, prefix: str) -> dict:
    """How often ``prefix`` occurs in ``text`` and the share of each character right after it."""
    following = collections.Counter(text[m.end()] for m in re.finditer(re.escape(prefix), text) if m.end() < len(text))
    count = sum(following.values())
    return {"count": count, "next": {char: n / count for char, n in following.most_common()} if count else {}}


def as_dict(probabilities: np.ndarray) -> dict:
    return {char: float(p) for char, p in zip(tasks.ALPHABET, probabilities)}


def top(distribution: dict, k: int = 5) -> list[tuple[str, float]]:
    return sorted(distribution.items(), key=lambda item: -item[1])[:k]


def plot(result: dict, path, prefix: str = " grann") -> None:
    from seq2seq.lab.figures import figure_to_png, pyplot

    plt = pyplot()
    letters = list(tasks.ALPHABET[1:]) + [" "]
    series = [("unigram (no memory)", result["unigram"])]
    series += [(f"{models.NAMES[cell]} after '{prefix.strip()}'", r["next"][prefix]) for cell, r in result["cells"].items()]
    figure, axis = plt.subplots(figsize=(11, 4))
    width = 0.8 / len(series)
    for i, (label, distribution) in enumerate(series):
        axis.bar(np.arange(len(letters)) + i * width, [distribution[c] for c in letters], width, label=label)
    axis.set_xticks(np.arange(len(letters)) + 0.4 - width / 2, [c if c != " " else "␣" for c in letters])
    axis.set(ylabel="probability of the next character", title=f"Next character after '{prefix.strip()}' vs the unigram model")
    axis.legend()
    figure_to_png(figure, path)
