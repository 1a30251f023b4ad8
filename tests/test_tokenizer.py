"""Tokenizer: pinned ids, round trip on the training text, unknown characters, save/load."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import sentencepiece as spm
from hypothesis import given, settings
from hypothesis import strategies as st

from seq2seq.corpora import CONTEXT_SEPARATOR, load_pairs
from seq2seq.errors import CheckpointError, ConfigError
from seq2seq.data.tokenizer import (
    BOS_ID,
    EOS_ID,
    JOINT_MODEL_FILE,
    PAD_ID,
    SOURCE_MODEL_FILE,
    TARGET_MODEL_FILE,
    UNK_ID,
    Tokenizer,
)

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
pytestmark = pytest.mark.skipif(
    not (CORPORA / "multi30k" / "train.de.gz").is_file(), reason="no ../shared/corpora"
)
TRAIN_PAIRS = 4_000  # a subset keeps training to about a second


@pytest.fixture(scope="module")
def pairs() -> list[tuple[str, str]]:
    source = load_pairs(["multi30k:de-en"], split="train", data_dir=CORPORA)
    return list(itertools.islice(source, TRAIN_PAIRS))


@pytest.fixture(scope="module")
def joint_dir(pairs, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("joint")
    Tokenizer.train(pairs, folder, vocab_size=400, model_type="unigram")
    return folder


@pytest.fixture(scope="module")
def joint(joint_dir) -> Tokenizer:
    return Tokenizer.load(joint_dir)


def test_saved_model_pins_the_special_ids(joint_dir):
    assert sorted(p.name for p in joint_dir.iterdir()) == [JOINT_MODEL_FILE]
    model = spm.SentencePieceProcessor(model_file=str(joint_dir / JOINT_MODEL_FILE))
    assert (model.pad_id(), model.unk_id(), model.bos_id(), model.eos_id()) == (0, 1, 2, 3)
    assert (PAD_ID, UNK_ID, BOS_ID, EOS_ID) == (0, 1, 2, 3)
    assert model.piece_to_id(CONTEXT_SEPARATOR) == 4
    assert model.get_piece_size() == 400


def test_round_trip_on_the_training_text(joint, pairs):
    sources = [source for source, _ in pairs]
    targets = [target for _, target in pairs]
    assert [joint.decode_source(ids) for ids in joint.encode_source(sources)] == sources
    assert [joint.decode_target(ids) for ids in joint.encode_target(targets)] == targets
    encoded = joint.encode_source(sources[:50])
    assert all(0 < len(ids) for ids in encoded)
    assert UNK_ID not in {i for ids in encoded for i in ids}
    assert max(max(ids) for ids in encoded) < joint.source_vocab_size


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_round_trip_on_new_sentences_of_known_words(joint, pairs, data):
    words = sorted({word for pair in pairs[:300] for word in " ".join(pair).split()})
    sentence = " ".join(data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=20)))
    (ids,) = joint.encode_target([sentence])
    assert joint.decode_target(ids) == sentence


def test_context_separator_is_one_piece(joint):
    (ids,) = joint.encode_source([f"Ein Hund {CONTEXT_SEPARATOR} Eine Katze"])
    assert ids.count(4) == 1


def test_unknown_characters_map_to_unk_and_never_crash(joint):
    (ids,) = joint.encode_source(["Ein Hund 漢字 ✈ läuft"])
    assert UNK_ID in ids
    decoded = joint.decode_source(ids)
    assert decoded.startswith("Ein Hund") and decoded.endswith("läuft") and "⁇" in decoded
    assert joint.encode_source([""]) == [[]]


def test_decode_stops_at_eos_and_tolerates_any_id(joint):
    (ids,) = joint.encode_target(["A dog runs."])
    padded = np.array([BOS_ID, *ids, EOS_ID, *ids, PAD_ID, PAD_ID])
    assert joint.decode_target(padded) == "A dog runs."
    out_of_range = joint.decode_target([*ids[:1], 10**6, -5])
    assert out_of_range == joint.decode_target([*ids[:1], UNK_ID, UNK_ID])
    assert joint.decode_target([]) == ""
    (lone,) = [i for i in range(joint.target_vocab_size) if joint.target_piece(i) == "\u2581"]  # "▁" alone
    assert joint.decode_target([lone] * 3 + ids + [lone] * 4) == "A dog runs."  # an untrained model's runs of it


def test_separate_models_have_their_own_vocabularies(pairs, tmp_path):
    tokenizer = Tokenizer.train(pairs, tmp_path, vocab_size=300, model_type="bpe", joint=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [SOURCE_MODEL_FILE, TARGET_MODEL_FILE]
    loaded = Tokenizer.load(tmp_path)
    assert not loaded.joint
    assert (loaded.source_vocab_size, loaded.target_vocab_size) == (300, 300)
    german, english = "Ein Mann schläft.", "A man sleeps."
    assert loaded.encode_source([german]) == tokenizer.encode_source([german])
    assert loaded.decode_source(loaded.encode_source([german])[0]) == german
    assert loaded.decode_target(loaded.encode_target([english])[0]) == english
    assert "ä" in "".join(loaded.source_pieces("schläft"))
    assert UNK_ID in loaded.encode_target(["ä"])[0]  # never in the English training text

    tokenizer_joint = Tokenizer.train(pairs[:500], None, vocab_size=200, model_type="bpe")
    tokenizer_joint.save(tmp_path)  # switching layout removes the stale files
    assert sorted(p.name for p in tmp_path.iterdir()) == [JOINT_MODEL_FILE]


def test_training_streams_a_pair_source_twice_for_separate_models(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"hallo welt {i}\thello world {i}\n" for i in range(300)))
    source = load_pairs([f"tsv:{path}"], split="all")
    tokenizer = Tokenizer.train(source, None, vocab_size=60, model_type="bpe", joint=False)
    assert "▁welt" in tokenizer.source_pieces("welt")
    assert "▁world" in tokenizer.target_pieces("world")


def test_training_errors_are_config_errors(pairs, tmp_path):
    with pytest.raises(ConfigError, match=r"vocabulary size 20 is too small .* at least \d+ \(--vocab-size \d+ or more\)"):
        Tokenizer.train(pairs[:200], None, vocab_size=20)
    with pytest.raises(ConfigError, match="no training text"):
        Tokenizer.train([], None, vocab_size=100)
    with pytest.raises(ConfigError, match="unknown model type 'wordpiece'"):
        Tokenizer.train(pairs, None, model_type="wordpiece")
    with pytest.raises(CheckpointError, match="no tokenizer found"):
        Tokenizer.load(tmp_path)
    (tmp_path / JOINT_MODEL_FILE).write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="not a SentencePiece model"):
        Tokenizer.load(tmp_path)
