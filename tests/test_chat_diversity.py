"""Diversity of replies against hand-computed values."""

from __future__ import annotations

import pytest

from seq2seq.chat.diversity import (
    distinct_n,
    diversity,
    mean_length,
    sample_contexts,
    tokens,
    top_reply_share,
)

REPLIES = ["I don't know.", "i don't know", "Yes!", "I like cats, you?"]
# tokens: [i, don't, know, .] [i, don't, know] [yes, !] [i, like, cats, ",", you, ?]  -> 15


def test_tokens_lowercase_and_split_punctuation():
    assert tokens("What's UP?") == ["what's", "up", "?"]
    assert tokens("I like cats, you?") == ["i", "like", "cats", ",", "you", "?"]


def test_distinct_1_and_2_by_hand():
    # unigrams: 15, distinct {i, don't, know, ., yes, !, like, cats, ",", you, ?} = 11
    assert distinct_n(REPLIES, 1) == pytest.approx(11 / 15)
    # bigrams: 3 + 2 + 1 + 5 = 11; distinct: (i don't) (don't know) (know .) (yes !) (i like)
    # (like cats) (cats ,) (, you) (you ?) = 9
    assert distinct_n(REPLIES, 2) == pytest.approx(9 / 11)
    assert distinct_n(["a b", "b a"], 3) == 0.0  # no trigram
    assert distinct_n(["yes"] * 10, 1) == pytest.approx(0.1)  # the generic failure
    with pytest.raises(ValueError):
        distinct_n(REPLIES, 0)


def test_top_reply_share_compares_words_whatever_the_case_and_punctuation():
    assert top_reply_share(REPLIES) == ("I don't know.", 0.5)  # "i don't know" is the same
    assert top_reply_share(["No", "Yes", "yes!", "Maybe"]) == ("Yes", 0.5)
    assert top_reply_share(["a", "b", "c", "d"]) == ("a", 0.25)


def test_mean_length_counts_words_not_punctuation():
    # 3 + 3 + 1 + 4 = 11 words
    assert mean_length(REPLIES) == pytest.approx(11 / 4)


def test_diversity_summary_and_seeded_contexts():
    summary = diversity(["Yes", "yes", "No", "Maybe"])
    assert summary == {
        "distinct_1": 0.75,
        "distinct_2": 0.0,
        "top_reply": "Yes",
        "top_reply_share": 0.5,
        "mean_words": 1.0,
        "replies": 4,
    }
    sample = sample_contexts(1000, 500, seed=0)
    assert len(set(sample.tolist())) == 500 and sample.tolist() == sorted(sample.tolist())
    assert sample.tolist() == sample_contexts(1000, 500, seed=0).tolist()
    assert sample_contexts(10, 500).tolist() == list(range(10))
