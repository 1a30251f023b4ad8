"""Scoring a model on a corpus: translate the sources, then sacreBLEU BLEU and chrF against the
targets (``seq2seq.scores``), and the teacher-forced perplexity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from keras import ops

from seq2seq.decoding import translate
from seq2seq.data.encoded_pairs import encode_pairs
from seq2seq.data.pair_batches import PairBatches
from seq2seq.scores import bleu_and_chrf
from seq2seq.training.loss import token_log_probs


def perplexity(model, tokenizer, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> float:
    """``exp`` of the mean cross-entropy per target piece (EOS included), teacher-forced."""
    encoded = encode_pairs(pairs, tokenizer)
    total, count = 0.0, 0.0
    for (source, decoder_input), target in PairBatches(encoded, batch_size, shuffle=False):
        logits = ops.stop_gradient(model((source, decoder_input), training=False))  # no autograd (torch)
        true_log_prob, _, mask = token_log_probs(target, logits)
        total -= float(ops.convert_to_numpy(ops.sum(true_log_prob * mask)))
        count += float(ops.convert_to_numpy(ops.sum(mask)))
    return math.exp(total / max(count, 1.0))


def evaluate(model, tokenizer, pairs: Sequence[tuple[str, str]], batch_size: int = 64, max_len: int = 100) -> dict:
    """Translate the sources of ``pairs`` and score them against the targets.

    Returns ``{"bleu", "chrf", "perplexity", "pairs", "signature"}``.
    """
    pairs = list(pairs)
    hypotheses = translate(model, tokenizer, [source for source, _ in pairs], batch_size=batch_size, max_len=max_len)
    scores = bleu_and_chrf(hypotheses, [target for _, target in pairs])
    scores["perplexity"] = round(perplexity(model, tokenizer, pairs, batch_size), 3)
    scores["pairs"] = len(pairs)
    return scores
