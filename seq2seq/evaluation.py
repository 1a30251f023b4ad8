"""Scoring a model on a corpus: translate the sources, then sacreBLEU BLEU and chrF against the
targets (``seq2seq.scores``), and the teacher-forced perplexity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from keras import ops

from seq2seq.data.batching import pad_batch, plan_batches
from seq2seq.data.encoded_pairs import encode_pairs
from seq2seq.decoding import DECODE_BATCH, DecodingOptions
from seq2seq.scores import bleu_and_chrf
from seq2seq.training.loss import token_log_probs


def target_log_probs(model, tokenizer, pairs: Sequence[tuple[str, str]],
                     batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Each target's log-probability given its source, teacher-forced: ``(totals (N,), pieces
    (N,))``, float64, in the order of ``pairs``; a total is over the target's pieces and EOS,
    and ``pieces`` counts them. Batched by length (``plan_batches``, no shuffle)."""
    encoded = encode_pairs(pairs, tokenizer)  # no max_len: every pair, in order
    totals = np.zeros(len(encoded), dtype=np.float64)  # (N,)
    pieces = np.zeros(len(encoded), dtype=np.float64)  # (N,)
    for indices in plan_batches(encoded.source_lengths, encoded.target_lengths, batch_size, shuffle=False):
        (source, decoder_input), target = pad_batch(encoded, indices)  # (B, S), (B, T), (B, T)
        logits = ops.stop_gradient(model((source, decoder_input), training=False))  # (B, T, V); no autograd (torch)
        true_log_prob, _, mask = token_log_probs(target, logits)  # (B, T), _, (B, T)
        totals[indices] = ops.convert_to_numpy(ops.sum(true_log_prob * mask, axis=1))
        pieces[indices] = ops.convert_to_numpy(ops.sum(mask, axis=1))
    return totals, pieces


def perplexity(model, tokenizer, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> float:
    """``exp`` of the mean cross-entropy per target piece (EOS included), teacher-forced."""
    totals, pieces = target_log_probs(model, tokenizer, pairs, batch_size)
    return math.exp(-totals.sum() / max(pieces.sum(), 1.0))


def evaluate(translator, pairs: Sequence[tuple[str, str]], options: DecodingOptions | None = None,
             batch_size: int = DECODE_BATCH, progress: Callable[[int], None] | None = None) -> dict:
    """Translate the sources of ``pairs`` with ``translator`` (a ``Translator``) and score them.

    ``progress(n)`` is called as batches of ``n`` sources are decoded (``Translator.translate``).
    Returns ``{"bleu", "chrf", "perplexity", "pairs", "signature", "decoding"}``.
    """
    options = options or DecodingOptions()
    pairs = list(pairs)
    outputs = translator.translate([source for source, _ in pairs], options, batch_size=batch_size, progress=progress)
    scores = bleu_and_chrf([output.text for output in outputs], [target for _, target in pairs])
    scores["perplexity"] = round(perplexity(translator.model, translator.tokenizer, pairs, batch_size), 3)
    scores["pairs"] = len(pairs)
    scores["decoding"] = options.describe()
    return scores
