"""How varied a set of replies is: distinct-n, the share of the most frequent reply, length.

Generic replies ("i don't know" to everything) are the known failure of seq2seq chatbots
(Li et al. 2016, "A Diversity-Promoting Objective Function for Neural Conversation Models",
section 5 for distinct-n). These figures compare generated replies with the human replies of the
same contexts.

Distinct-n counts ``tokens``: lowercased words and punctuation marks (``"You?" -> ["you", "?"]``);
lengths count words only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

_TOKEN = re.compile(r"[\w']+|[^\w\s]")  # a word (apostrophes kept) or one punctuation mark
_WORD = re.compile(r"[\w']+")


def tokens(text: str) -> list[str]:
    """The lowercased words and punctuation marks of ``text``: ``"What's up?"`` ->
    ``["what's", "up", "?"]``."""
    return _TOKEN.findall(text.lower())


def distinct_n(replies: Sequence[str], n: int) -> float:
    """Distinct n-grams over all n-grams of all ``replies`` (tokens never span two replies).

    0 when there is no n-gram at all (every reply shorter than ``n`` tokens).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    grams: list[tuple[str, ...]] = []
    for reply in replies:
        words = tokens(reply)
        grams += zip(*(words[start:] for start in range(n)))
    return len(set(grams)) / len(grams) if grams else 0.0


def top_reply_share(replies: Sequence[str]) -> tuple[str, float]:
    """The most frequent reply and its share of ``replies``.

    Replies are compared by their lowercased words ("Yes!" is "yes"); the reply is shown as it
    was first written, and the first of equally frequent ones wins.
    """
    if not replies:
        raise ValueError("no replies")
    keys = [" ".join(_WORD.findall(reply.lower())) for reply in replies]
    key, count = Counter(keys).most_common(1)[0]
    return replies[keys.index(key)], count / len(replies)


def mean_length(replies: Sequence[str]) -> float:
    """Mean words per reply (punctuation marks not counted)."""
    if not replies:
        raise ValueError("no replies")
    return sum(len(_WORD.findall(reply)) for reply in replies) / len(replies)


def sample_contexts(total: int, count: int, seed: int = 0) -> np.ndarray:
    """``(min(count, total),)`` sorted indices of the contexts diversity is measured on.

    Distinct-n depends on how many replies it pools, so human and generated replies are
    compared on the same contexts: this seeded sample.
    """
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(total, size=min(count, total), replace=False))


def diversity(replies: Sequence[str]) -> dict:
    """``{"distinct_1", "distinct_2", "top_reply", "top_reply_share", "mean_words", "replies"}``."""
    top, share = top_reply_share(replies)
    return {
        "distinct_1": distinct_n(replies, 1),
        "distinct_2": distinct_n(replies, 2),
        "top_reply": top,
        "top_reply_share": share,
        "mean_words": mean_length(replies),
        "replies": len(replies),
    }
