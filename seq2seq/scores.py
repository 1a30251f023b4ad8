"""Corpus scores of detokenized, cased text: sacreBLEU's BLEU and chrF.

BLEU uses sacreBLEU's defaults (13a tokenization, cased, exponential smoothing), so figures are
comparable with published sacreBLEU figures; the signature returned with them says exactly how
they were computed. (No model here: the trainer's callbacks and ``seq2seq.evaluation`` both use
it.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sacrebleu


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
