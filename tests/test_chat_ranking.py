"""Response ranking: candidates from other conversations, hits@1 with ties, the model's scores."""

from __future__ import annotations

import functools
import json
import math

import keras
import numpy as np
import pytest
from toy_tasks import reverse_pairs

from seq2seq.chat.ranking import (
    conversation_numbers,
    hits_at_1,
    mean_log_probs,
    rank_replies,
    ranking_candidates,
)
from seq2seq.corpora import load_pairs

# 400 conversations of 2-6 turns; every turn names its conversation ("c7 t2")
CONVERSATIONS = [[f"c{c} t{t}" for t in range(2 + c % 5)] for c in range(400)]


def dialogue_pairs_of(conversations, context_turns=1):
    pairs, numbers = [], []
    for number, turns in enumerate(conversations):
        for t in range(1, len(turns)):
            pairs.append((" <sep> ".join(turns[max(0, t - context_turns) : t]), turns[t]))
            numbers.append(number)
    return pairs, np.array(numbers)


def test_hits_at_1_golden_values_and_ties():
    scores = [[3.0, 1.0, 2.0], [1.0, 3.0, 2.0], [2.0, 2.0, 0.0], [5.0, 5.0, 5.0]]
    assert hits_at_1(scores) == pytest.approx((1 + 0 + 1 / 2 + 1 / 3) / 4)


@pytest.mark.parametrize("context_turns", [1, 2])
def test_conversation_numbers_follow_the_dialogues_read_from_a_corpus(tmp_path, context_turns):
    data = {
        f"id{c}": {
            "messages": [[{"text": turn, "sender": t % 2}] for t, turn in enumerate(turns)]
        }
        for c, turns in enumerate(CONVERSATIONS)
    }
    (tmp_path / "chat.json").write_text(json.dumps(data))
    spec = f"chitchat:{tmp_path / 'chat.json'}"
    pairs = list(load_pairs([spec], "all", context_turns=context_turns))
    expected, truth = dialogue_pairs_of(CONVERSATIONS, context_turns)
    assert pairs == expected
    assert conversation_numbers(pairs).tolist() == truth.tolist()


def test_candidates_come_from_other_conversations_distinct_and_seeded():
    pairs, conversations = dialogue_pairs_of(CONVERSATIONS)
    replies = [reply for _, reply in pairs]
    replies[5] = replies[40] = replies[41] = "yes"  # the same text in three conversations
    candidates = ranking_candidates(replies, conversations, count=20, seed=3)
    assert candidates.shape == (len(pairs), 20)
    assert candidates[:, 0].tolist() == list(range(len(pairs)))
    for row in candidates:
        texts = [replies[j] for j in row]
        assert len(set(texts)) == 20  # no distractor repeats the true reply or another one
        assert all(conversations[j] != conversations[row[0]] for j in row[1:])
    assert np.array_equal(candidates, ranking_candidates(replies, conversations, 20, seed=3))
    assert not np.array_equal(candidates, ranking_candidates(replies, conversations, 20, seed=4))
    with pytest.raises(ValueError, match="fewer than 19"):
        ranking_candidates(replies[:10], conversations[:10], count=20)


def test_a_scorer_that_knows_the_answer_gets_everything_and_a_blind_one_chance():
    pairs, _ = dialogue_pairs_of(CONVERSATIONS)
    truth = set(pairs)

    def oracle(candidate_pairs):
        return np.array([pair in truth for pair in candidate_pairs], dtype=float)

    def constant(candidate_pairs):
        return np.zeros(len(candidate_pairs))

    def noise(candidate_pairs):
        return np.random.default_rng(0).normal(size=len(candidate_pairs))

    assert rank_replies(oracle, pairs).hits_at_1 == 1.0
    assert rank_replies(constant, pairs).hits_at_1 == pytest.approx(0.05)
    blind = rank_replies(noise, pairs)
    # 1,200 contexts: chance 5% +- 0.63% (one standard deviation); seeded, so it never flakes
    assert abs(blind.hits_at_1 - 0.05) < 0.03 and blind.chance == 0.05
    assert blind.contexts == len(pairs) and blind.candidates == 20


def test_mmi_discounts_replies_that_are_likely_after_any_context():
    pairs, _ = dialogue_pairs_of(CONVERSATIONS)
    truth = set(pairs)
    rng = np.random.default_rng(0)
    prior = {reply: rng.normal(scale=3.0) for _, reply in pairs}  # how likely a reply is anywhere
    calls = []

    def scorer(candidate_pairs):  # log p(r | c) = the reply's prior, + 1 after its own context
        calls.append(candidate_pairs)
        return np.array([prior[r] + ((c, r) in truth) for c, r in candidate_pairs])

    result = rank_replies(scorer, pairs, mmi_weight=1.0)
    assert result.mmi_hits_at_1 == 1.0 and result.mmi_weight == 1.0  # the prior cancels out
    assert 0.05 < result.hits_at_1 < 0.5  # the prior's spread beats the +1 most of the time
    # the second call: each candidate reply once, after an empty context
    assert len(calls) == 2 and {c for c, _ in calls[1]} == {""}
    assert sorted(r for _, r in calls[1]) == sorted({r for _, r in calls[0]})
    calls.clear()
    plain = rank_replies(scorer, pairs, mmi_weight=0.0)
    assert plain.mmi_hits_at_1 == plain.hits_at_1 == result.hits_at_1
    assert rank_replies(scorer, pairs).mmi_hits_at_1 is None


@pytest.fixture(scope="module")
def tiny_model():
    from seq2seq.data.tokenizer import Tokenizer
    from seq2seq.model import ModelConfig, Seq2Seq

    pairs = reverse_pairs(60, seed=2)
    tokenizer = Tokenizer.train(pairs, None, vocab_size=24)
    keras.utils.set_random_seed(0)
    config = ModelConfig(
        source_vocab_size=tokenizer.source_vocab_size,
        target_vocab_size=tokenizer.target_vocab_size,
        units=8, embed=8, attention_units=8, dropout=0.0,
    )
    return Seq2Seq(config), tokenizer, pairs


def test_mean_log_probs_match_one_pair_at_a_time_and_the_perplexity(tiny_model):
    from seq2seq.data.tokenizer import BOS_ID, EOS_ID
    from seq2seq.evaluation import perplexity

    model, tokenizer, pairs = tiny_model
    pairs = pairs[:5]  # lengths 3-8 letters: padded batches of 3 and 2
    batched = mean_log_probs(model, tokenizer, pairs, batch_size=3)
    sources = tokenizer.encode_source([s for s, _ in pairs])
    targets = tokenizer.encode_target([t for _, t in pairs])
    lengths = []
    for index, (source, target) in enumerate(zip(sources, targets)):
        decoder_input = np.array([[BOS_ID, *target]], dtype="int32")
        logits = keras.ops.convert_to_numpy(model((np.array([source], "int32"), decoder_input)))[0]
        shifted = logits - logits.max(axis=-1, keepdims=True)  # (T, V)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        expected = np.mean([log_probs[t, y] for t, y in enumerate([*target, EOS_ID])])
        assert batched[index] == pytest.approx(expected, abs=1e-5)
        lengths.append(len(target) + 1)
    mean_cross_entropy = -np.dot(batched, lengths) / sum(lengths)
    assert math.exp(mean_cross_entropy) == pytest.approx(perplexity(model, tokenizer, pairs), rel=1e-5)


def test_rank_replies_with_the_model_scorer_runs_every_candidate_once(tiny_model):
    model, tokenizer, pairs = tiny_model
    dialogue, conversations = dialogue_pairs_of(CONVERSATIONS[:10])
    calls = []

    def scorer(candidate_pairs):
        calls.append(len(candidate_pairs))
        return mean_log_probs(model, tokenizer, candidate_pairs)

    result = rank_replies(scorer, dialogue, count=4, seed=1, conversations=conversations)
    assert calls == [4 * len(dialogue)] and 0.0 <= result.hits_at_1 <= 1.0
    scorer = functools.partial(mean_log_probs, model, tokenizer)
    again = rank_replies(scorer, dialogue, count=4, seed=1, conversations=conversations)
    assert again == result  # deterministic
