"""The data of the memory lab: a long-range recall task and lower-cased English letters.

Recall task: a sequence of ``distance + 1`` one-hot symbols whose first symbol is the label
(one of ``label_symbols``) and whose other ``distance`` symbols are distractors drawn from a
separate alphabet. The model reads the whole sequence and must name the first symbol at the
end, so it has to carry it across ``distance`` steps. Chance accuracy is ``1 / label_symbols``.
"""

from __future__ import annotations

import re

import numpy as np

# The character models read lower-case letters and one space for every run of anything else.
ALPHABET = " abcdefghijklmnopqrstuvwxyz"
CHAR_INDEX = {char: index for index, char in enumerate(ALPHABET)}


def recall_batch(rng: np.random.Generator, batch_size: int, distance: int, label_symbols: int, noise_symbols: int):
    """One batch of the recall task.

    Returns:
        inputs: float32 ``(batch, distance + 1, label_symbols + noise_symbols)`` one-hot.
        labels: int32 ``(batch,)``, the first symbol.
    """
    labels = rng.integers(0, label_symbols, size=batch_size)
    noise = rng.integers(label_symbols, label_symbols + noise_symbols, size=(batch_size, distance))
    symbols = np.concatenate([labels[:, None], noise], axis=1)  # (B, T)
    inputs = np.eye(label_symbols + noise_symbols, dtype="float32")[symbols]  # (B, T, V)
    return inputs, labels.astype("int32")


def letters(text: str) -> str:
    """Lower-case ``text`` and replace every run of non-letters by one space."""
    return re.sub(r"[^a-z]+", " ", text.lower())


def chitchat_letters(max_chars: int) -> str:
    """The first ``max_chars`` letters of the chitchat replies (training split), as ``letters``."""
    from seq2seq.corpora import load_pairs

    pieces, total = [], 0
    for _, reply in load_pairs(["chitchat"], split="train"):
        piece = letters(reply).strip()
        if piece:
            pieces.append(piece)
            total += len(piece) + 1
        if total >= max_chars:
            break
    return " ".join(pieces)[:max_chars]


def encode(text: str) -> np.ndarray:
    """``text`` (letters and spaces) -> int32 ``(len(text),)`` indices into ``ALPHABET``."""
    return np.array([CHAR_INDEX[char] for char in text], dtype="int32")


def unigram(codes: np.ndarray) -> np.ndarray:
    """The frequency of each character of ``ALPHABET``: ``(len(ALPHABET),)``, sums to one."""
    counts = np.bincount(codes, minlength=len(ALPHABET)).astype("float64")
    return counts / counts.sum()


def window_batch(rng: np.random.Generator, codes: np.ndarray, batch_size: int, window: int):
    """Random windows for next-character training: inputs one-hot ``(B, W, 27)``, targets ``(B, W)``."""
    starts = rng.integers(0, len(codes) - window - 1, size=batch_size)
    rows = starts[:, None] + np.arange(window + 1)[None, :]  # (B, W + 1)
    chunk = codes[rows]
    return one_hot(chunk[:, :-1]), chunk[:, 1:]


def one_hot(codes: np.ndarray) -> np.ndarray:
    """int ``(..., T)`` -> float32 ``(..., T, 27)``."""
    return np.eye(len(ALPHABET), dtype="float32")[codes]
