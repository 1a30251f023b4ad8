"""Response ranking: can the model tell the true reply from replies of other conversations?

The ConvAI2 protocol (Dinan et al. 2019, "The Second Conversational Intelligence Challenge",
section 3): for each test context, the true reply and ``count - 1`` replies drawn from other
conversations are ranked by the model's score; hits@1 is the share of contexts whose true reply
ranks first. Chance is ``1 / count`` (5% for 20 candidates). It needs no decoding, so it measures
what the model learned about replies, whatever the decoding settings.

The score of a reply is its mean log-probability per piece (EOS included) given the context,
teacher-forced: the mean, not the sum, so that short generic replies ("yes") do not win by being
short.

Likelihood still favours replies that are likely anywhere ("i don't know" fits every context). The
second ranking, maximum mutual information (MMI; Li et al. 2016, "A Diversity-Promoting
Objective Function for Neural Conversation Models", their MMI-antiLM), asks how much more likely
the reply is after this context than after none:

    score(c, r) = log p(r | c) - weight * log p(r | "")

both as means per piece, ``p(r | "")`` being the same model's score of the reply after an empty
context (its prior for replies). ``weight`` 1 is the pointwise mutual information; 0 is the
likelihood ranking. It costs one more score per distinct reply, not per candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from seq2seq.corpora.dialogue import CONTEXT_SEPARATOR

# (context, reply) pairs -> (N,) float: a higher score for a likelier reply
PairScorer = Callable[[Sequence[tuple[str, str]]], np.ndarray]


@dataclass(frozen=True)
class RankingResult:
    """hits@1 of one ranking run."""

    hits_at_1: float  # share of contexts whose true reply ranks first (ties shared)
    chance: float  # 1 / candidates
    contexts: int  # contexts ranked
    candidates: int  # replies ranked per context, the true one included
    mmi_hits_at_1: float | None = None  # the same, ranked by the MMI score (module docstring)
    mmi_weight: float | None = None  # the weight of the reply's prior in that score


def mean_log_probs(
    model, tokenizer, pairs: Sequence[tuple[str, str]], batch_size: int = 64
) -> np.ndarray:
    """``(N,)`` float64: each target's mean log-probability per piece (EOS included), in order.

    Teacher-forced (``seq2seq.evaluation.target_log_probs``); ``exp`` of minus the
    piece-weighted mean of these is the ``perplexity`` there.
    """
    from seq2seq.evaluation import target_log_probs

    totals, pieces = target_log_probs(model, tokenizer, pairs, batch_size)
    return totals / pieces


def conversation_numbers(pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """``(N,)`` int: which conversation each pair of a dialogue split comes from, numbered 0, 1, ...

    ``dialogue_pairs`` yields a conversation's pairs one after the other, each source ending
    with the reply before it; a pair whose source does not end so starts a new conversation.
    (A conversation that opens with the previous one's last reply joins it: a coarser grouping,
    which only excludes more distractors.)
    """
    numbers = np.zeros(len(pairs), dtype=np.int64)  # (N,)
    number = 0
    previous_reply = None
    for index, (source, reply) in enumerate(pairs):
        last_turn = source.rsplit(f" {CONTEXT_SEPARATOR} ", 1)[-1]
        if index > 0 and last_turn != previous_reply:
            number += 1
        numbers[index] = number
        previous_reply = reply
    return numbers


def ranking_candidates(
    replies: Sequence[str], conversations: np.ndarray, count: int = 20, seed: int = 0
) -> np.ndarray:
    """``(N, count)`` int: for each context ``i``, ``i`` then ``count - 1`` distractor indices.

    Distractors are distinct replies of other conversations (``conversations[j] !=
    conversations[i]``) whose text differs from the true reply's, drawn uniformly with a
    ``numpy`` generator seeded by ``seed``.
    """
    _, codes = np.unique(np.asarray(list(replies), dtype=object), return_inverse=True)  # (N,)
    size = len(codes)
    if count < 2:
        raise ValueError(f"count must be at least 2, got {count}")
    rng = np.random.default_rng(seed)
    candidates = np.empty((size, count), dtype=np.int64)  # (N, count)
    for index in range(size):
        eligible = np.flatnonzero((conversations != conversations[index]) & (codes != codes[index]))
        shuffled = rng.permutation(eligible)
        _, first = np.unique(codes[shuffled], return_index=True)  # one index per distinct text
        if len(first) < count - 1:
            raise ValueError(f"context {index}: fewer than {count - 1} replies to draw from")
        distractors = shuffled[np.sort(first)[: count - 1]]  # the first count - 1 texts drawn
        candidates[index] = [index, *distractors]
    return candidates


def hits_at_1(scores: np.ndarray) -> float:
    """Share of rows of ``scores (N, count)`` whose column 0 (the true reply) is the highest.

    A tie for first place counts ``1 / (tied candidates)``, the expected hit of a random
    tie-break: a scorer that scores everything alike gets chance, ``1 / count``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    best = scores.max(axis=1, keepdims=True)  # (N, 1)
    true_is_best = scores[:, 0] == best[:, 0]  # (N,)
    tied = (scores == best).sum(axis=1)  # (N,)
    return float(np.mean(np.where(true_is_best, 1.0 / tied, 0.0)))


def rank_replies(
    score: PairScorer,
    pairs: Sequence[tuple[str, str]],
    count: int = 20,
    seed: int = 0,
    conversations: np.ndarray | None = None,
    mmi_weight: float | None = None,
) -> RankingResult:
    """hits@1 of ``score`` on the ``(context, reply)`` ``pairs`` of a test split.

    Args:
        score: scores a list of ``(context, reply)`` pairs, e.g.
            ``functools.partial(mean_log_probs, model, tokenizer)``; called once with all the
            ``N * count`` candidate pairs, so it can batch them.
        pairs: the test pairs in corpus order (every reply is also a distractor for others).
        count: replies ranked per context, the true one included.
        seed: the seed of the distractor draw.
        conversations: ``(N,)`` conversation of each pair; default ``conversation_numbers``.
        mmi_weight: also rank by ``score(c, r) - mmi_weight * score("", r)`` (MMI); ``score``
            is then called a second time, on each distinct candidate reply after ``""``.
    """
    pairs = list(pairs)
    if conversations is None:
        conversations = conversation_numbers(pairs)
    replies = [reply for _, reply in pairs]
    candidates = ranking_candidates(replies, conversations, count, seed)  # (N, count)
    candidate_pairs = [
        (pairs[row][0], replies[j]) for row, indices in enumerate(candidates) for j in indices
    ]
    scores = np.asarray(score(candidate_pairs), dtype=np.float64).reshape(candidates.shape)
    result = RankingResult(hits_at_1(scores), 1.0 / count, len(pairs), count)
    if mmi_weight is None:
        return result
    texts = np.asarray([replies[j] for j in candidates.ravel()], dtype=object)
    distinct, where = np.unique(texts, return_inverse=True)  # each candidate reply's text once
    prior = np.asarray(score([("", text) for text in distinct]), dtype=np.float64)  # (R,)
    mmi = scores - mmi_weight * prior[where.reshape(candidates.shape)]  # (N, count)
    return replace(result, mmi_hits_at_1=hits_at_1(mmi), mmi_weight=mmi_weight)
