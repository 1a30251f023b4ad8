"""Turning a trained model into text: greedy decoding (beam search and sampling extend this).

``greedy(model, source_ids, max_len)`` decodes a batch step by step through
``model.decoder.step``, the same step function teacher forcing uses, and stops when every
sentence has produced EOS. ``translate(model, tokenizer, texts)`` does the whole round trip:
encode with SentencePiece, batch by length, decode, detokenize, restore the input order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from keras import ops

from seq2seq.data.tokenizer import BOS_ID, EOS_ID, PAD_ID


def greedy(model, source_ids: np.ndarray, max_len: int = 100) -> list[list[int]]:
    """``source_ids (B, S)`` int (0-padded) -> B lists of target ids (no BOS, no EOS).

    A translation is at most ``min(max_len, 2 S + 10)`` pieces long.
    """
    batch = source_ids.shape[0]
    max_len = min(max_len, 2 * source_ids.shape[1] + 10)
    memory, state = model.encode(source_ids)
    tokens = np.full((batch,), BOS_ID, dtype="int32")
    finished = np.zeros((batch,), dtype=bool)
    outputs = np.zeros((batch, max_len), dtype="int32")
    for t in range(max_len):
        logits, state, _ = model.decoder.step(ops.convert_to_tensor(tokens), state, memory)
        tokens = np.asarray(ops.convert_to_numpy(ops.argmax(logits, axis=-1)), dtype="int32")
        tokens = np.where(finished, PAD_ID, tokens)
        outputs[:, t] = tokens
        finished |= tokens == EOS_ID
        if finished.all():
            break
    return [_until_eos(row) for row in outputs]


def _until_eos(row: np.ndarray) -> list[int]:
    ids = row.tolist()
    if EOS_ID in ids:
        ids = ids[: ids.index(EOS_ID)]
    return [i for i in ids if i != PAD_ID]


def pad(id_lists: Sequence[Sequence[int]]) -> np.ndarray:
    """Lists of ids -> ``(B, longest)`` int32, right-padded with ``PAD_ID``."""
    width = max(1, max((len(ids) for ids in id_lists), default=1))
    padded = np.full((len(id_lists), width), PAD_ID, dtype="int32")
    for row, ids in enumerate(id_lists):
        padded[row, : len(ids)] = ids
    return padded


def translate(model, tokenizer, texts: Sequence[str], batch_size: int = 64, max_len: int = 100) -> list[str]:
    """Texts in, texts out, in the same order. Sources are batched by length (little padding)."""
    encoded = tokenizer.encode_source(list(texts))
    encoded = [ids[:max_len] if ids else [EOS_ID] for ids in encoded]  # an empty line decodes too
    order = np.argsort([len(ids) for ids in encoded], kind="stable")
    results: list[str] = [""] * len(texts)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        decoded = greedy(model, pad([encoded[i] for i in chunk]), max_len=max_len)
        for index, ids in zip(chunk, decoded):
            results[index] = tokenizer.decode_target(ids)
    return results
