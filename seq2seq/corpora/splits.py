"""Deterministic train/valid/test splits by a hash of the conversation, or of the pair.

Dialogue corpora are split by conversation: every (context, reply) pair of one conversation lands
in the split of the conversation, so no reply of a test conversation is the source of a training
pair (split pair by pair, 96% of chitchat's test replies were turns of the training data). A
translation pair is a conversation of two turns: ``conversation_hash([source, target])`` equals
``pair_hash(source, target)``, so pair corpora (TSV, JSONL source/target lines) keep the split
each pair always had.

A split depends only on the (normalized) text of its conversation or pair, never on the other
conversations, the order of the file, ``--context-turns`` or the Python process (``hash()`` is
salted per process; CRC-32 is not), so nothing moves between splits when a corpus grows. About
98% train, 1% valid, 1% test.

CRC-32 is no cryptographic hash, but it spreads text evenly over 100 buckets and costs a third of
BLAKE2b, which matters at millions of pairs.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

SPLITS = ("train", "valid", "test")
SPLIT_CHOICES = (*SPLITS, "all")  # "all": every pair, whatever its split

_VALID_BUCKET = 0  # hash % 100 == 0 -> valid
_TEST_BUCKET = 1  # hash % 100 == 1 -> test; the other 98 buckets -> train


def pair_hash(source: str, target: str) -> int:
    """The CRC-32 of ``source<TAB>target`` in UTF-8: the same in every process and version."""
    return zlib.crc32(f"{source}\t{target}".encode())


def conversation_hash(turns: Sequence[str]) -> int:
    """The CRC-32 of the turns joined by tabs in UTF-8; for two turns, ``pair_hash`` of them."""
    return zlib.crc32("\t".join(turns).encode())


def split_of_hash(value: int) -> str:
    """The split (``"train"``, ``"valid"`` or ``"test"``) of a pair with ``pair_hash`` ``value``."""
    bucket = value % 100
    if bucket == _VALID_BUCKET:
        return "valid"
    if bucket == _TEST_BUCKET:
        return "test"
    return "train"


def split_of(source: str, target: str) -> str:
    """The split of a normalized pair: ``"train"`` (98%), ``"valid"`` (1%) or ``"test"`` (1%)."""
    return split_of_hash(pair_hash(source, target))


def split_of_conversation(turns: Sequence[str]) -> str:
    """The split of a conversation given by its normalized turns (all of them, in order)."""
    return split_of_hash(conversation_hash(turns))


def split_mask(lines: list[bytes], split: str) -> np.ndarray:
    """``(N,)`` bool: which of N normalized pairs belong to ``split`` (``split_of`` in bulk).

    ``lines[i]``: pair ``i`` as ``f"{source}\\t{target}".encode()``, what ``pair_hash`` hashes.
    """
    hashes = map(zlib.crc32, lines)
    buckets = np.fromiter(hashes, dtype=np.int64, count=len(lines)) % 100  # (N,)
    if split == "train":
        return (buckets != _VALID_BUCKET) & (buckets != _TEST_BUCKET)
    if split == "valid":
        return buckets == _VALID_BUCKET
    if split == "test":
        return buckets == _TEST_BUCKET
    raise ValueError(f"split_mask needs train, valid or test, got {split!r}")


def check_split(split: str) -> str:
    """Return ``split`` if it is one of ``SPLIT_CHOICES``; raise ``ValueError`` naming it if not."""
    if split not in SPLIT_CHOICES:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLIT_CHOICES)}")
    return split
