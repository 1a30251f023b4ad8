"""Scores: sacreBLEU's BLEU and chrF on detokenized, cased text, and perplexity.

BLEU uses sacreBLEU's defaults (13a tokenization, cased, exponential smoothing), so figures are
comparable with published sacreBLEU figures; the signature printed with them says exactly how
they were computed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import sacrebleu
from keras import ops

from seq2seq.decoding import translate
from seq2seq.encoded_pairs import encode_pairs
from seq2seq.training.loss import token_log_probs


def bleu_and_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> dict:
    """Corpus BLEU and chrF of ``hypotheses`` against one reference each."""
    bleu = sacrebleu.metrics.BLEU()
    chrf = sacrebleu.metrics.CHRF()
    bleu_score = bleu.corpus_score(list(hypotheses), [list(references)])
    chrf_score = chrf.corpus_score(list(hypotheses), [list(references)])
    return {
        "bleu": round(bleu_score.score, 2),
        "chrf": round(chrf_score.score, 2),
        "signature": {"bleu": str(bleu.get_signature()), "chrf": str(chrf.get_signature())},
    }


def perplexity(model, tokenizer, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> float:
    """``exp`` of the mean cross-entropy per target piece (EOS included), teacher-forced."""
    from seq2seq.pair_batches import PairBatches

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
