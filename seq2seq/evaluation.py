"""Scoring a model on a corpus: translate the sources, then sacreBLEU BLEU and chrF against the
targets (``seq2seq.scores``), and the teacher-forced perplexity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from keras import ops

from seq2seq.decoding import DECODE_BATCH, DecodingOptions
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
