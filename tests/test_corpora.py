"""Corpora: every kind read from its real source, normalization, filters with counts, splits."""

from __future__ import annotations

import gzip
import json
import tempfile
import zlib
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seq2seq.corpora import (
    CONTEXT_SEPARATOR,
    CORPUS_KINDS,
    load_pairs,
    normalize_text,
    parse_spec,
    split_of,
)
from seq2seq.corpora.spec import same_corpus
from seq2seq.corpora.splits import conversation_hash, pair_hash, split_of_conversation
from seq2seq.errors import DataError

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
MULTI30K = CORPORA / "multi30k"
needs_multi30k = pytest.mark.skipif(
    not (MULTI30K / "train.de.gz").is_file(), reason="Multi30k files not in ../shared/corpora"
)


def first_lines(path: Path, count: int) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [next(stream).rstrip("\n") for _ in range(count)]


def write_tsv(path: Path, pairs: list[tuple[str, str]]) -> str:
    path.write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")
    return f"tsv:{path}"


def assert_counts_add_up(stats) -> None:
    removed = stats.empty + stats.other_split + stats.too_long + stats.duplicates
    assert stats.kept + removed == stats.pairs_read


# --- specs and normalization ----------------------------------------------------------------------


def test_parse_spec_kinds_and_arguments():
    assert parse_spec("multi30k:de-en").argument == "de-en"
    assert parse_spec("chatterbot").argument == ""
    assert parse_spec("tsv:C:/data/a:b.tsv").argument == "C:/data/a:b.tsv"  # first colon only
    assert set(CORPUS_KINDS) == {"chitchat", "chatterbot", "multi30k", "tsv", "jsonl"}
    with pytest.raises(DataError, match="unknown corpus 'wiki'"):
        parse_spec("wiki")
    with pytest.raises(DataError, match=r"needs an argument: tsv:PATH"):
        parse_spec("tsv")


def test_normalize_text_nfkc_whitespace_and_control_characters():
    assert normalize_text("  Ｈｅｌｌｏ\u00a0\u3000 big\tworld\r\n") == "Hello big world"
    assert normalize_text("ﬁne ½") == "fine 1⁄2"  # NFKC compatibility forms
    assert normalize_text("a\x00b\x1bc") == "abc"
    assert normalize_text("Cafe\u0301") == "Café"  # composed
    assert normalize_text("\u200c keeps ZWNJ\u200c") == "\u200c keeps ZWNJ\u200c"  # it spells Persian words
    assert normalize_text("👩\u200d💻") == "👩\u200d💻"  # so does ZWJ an emoji
    # Invisible characters pasted from web pages: the shipped translator read "Män\u200bner" as
    # "natives" and "\ufeffZwei Männer\u00ad" as "These men" before they were dropped
    assert normalize_text("\ufeffZwei Män\u200bner\u00ad spielen\u2060 \u200eim\u200f Park") == "Zwei Männer spielen im Park"
    assert normalize_text("Cafe\u200b\u0301") == "Café"  # dropped before NFKC composes


@settings(max_examples=200)
@given(st.lists(st.sampled_from(["a", "b", " ", "  ", "\t", "\n", "é", "e", "\u0301", "\u200b", "\u00ad", "\ufeff",
                                 "\x00", "\u00a0", "Ｈ", "\u200c"]), max_size=20).map("".join))
def test_normalizing_a_block_at_once_is_normalizing_its_fields(text):
    from seq2seq.corpora.text import normalize_fields

    block = normalize_fields(text)
    if block is not None:  # else the fields are normalized one by one
        fields = [normalize_text(field) for line in text.split("\n") for field in line.split("\t")]
        assert [field for line in block.split("\n") for field in line.split("\t")] == fields


@settings(max_examples=60)
@given(st.text())
def test_normalize_text_is_idempotent_and_single_spaced(text):
    normalized = normalize_text(text)
    assert normalize_text(normalized) == normalized
    assert "  " not in normalized and normalized == normalized.strip()
    assert "\t" not in normalized and "\n" not in normalized


# --- Multi30k -------------------------------------------------------------------------------------


@needs_multi30k
def test_multi30k_splits_follow_the_files():
    train = load_pairs(["multi30k:de-en"], split="train", data_dir=CORPORA)
    pairs = list(train)
    assert train.stats.pairs_read == 29_000
    assert train.stats.kept == len(pairs) == 29_000 - train.stats.duplicates
    assert 0 < train.stats.duplicates < 20
    expected = list(
        zip(first_lines(MULTI30K / "train.de.gz", 3), first_lines(MULTI30K / "train.en.gz", 3))
    )
    assert pairs[:3] == [(normalize_text(s), normalize_text(t)) for s, t in expected]
    assert len(list(load_pairs(["multi30k:de-en"], "valid", CORPORA))) == 1_014
    assert len(list(load_pairs(["multi30k:de-en"], "test", CORPORA))) == 1_000
    everything = load_pairs(["multi30k:fr-cs"], "all", CORPORA)
    assert len(list(everything)) == 31_014  # no hash split, no deduplication
    assert everything.stats.other_split == everything.stats.duplicates == 0


@needs_multi30k
def test_multi30k_data_dir_from_the_environment(monkeypatch):
    monkeypatch.setenv("SEQ2SEQ_CORPORA", str(CORPORA))
    source, target = next(iter(load_pairs(["multi30k:en-cs"], "test")))
    assert source == normalize_text(first_lines(MULTI30K / "test_2016_flickr.en.gz", 1)[0])
    assert target == normalize_text(first_lines(MULTI30K / "test_2016_flickr.cs.gz", 1)[0])


# --- chitchat and chatterbot (installed packages) -------------------------------------------------


def test_chitchat_package_pairs_and_conversation_splits():
    pairs = load_pairs(["chitchat"], split="all", context_turns=2)
    total = sum(1 for _ in pairs)
    with_context = sum(f" {CONTEXT_SEPARATOR} " in source for source, _ in pairs)
    assert total > 100_000 and pairs.stats.kept == total
    assert pairs.stats.no_reply > 0 and pairs.stats.empty > 0  # reported, not silently dropped
    assert_counts_add_up(pairs.stats)
    assert with_context > total / 2  # every reply after the second turn has two context turns
    counts = {}
    for split in ("train", "valid", "test"):
        source = load_pairs(["chitchat"], split=split, context_turns=2)
        counts[split] = sum(1 for _ in source)
        assert_counts_add_up(source.stats)
        assert source.stats.pairs_read == pairs.stats.pairs_read  # other splits counted too
    assert counts["train"] + counts["valid"] + counts["test"] <= total  # train drops duplicates
    assert 0.97 < counts["train"] / total < 0.99
    assert 0.005 < counts["valid"] / total < 0.015
    assert 0.005 < counts["test"] / total < 0.015


@pytest.mark.parametrize("context_turns", [1, 3])
def test_chitchat_test_replies_are_not_training_turns(context_turns):
    # Split pair by pair, a test reply B of (A -> B) was the source of (B -> C) in train: 95.9%
    # of the test replies (context 1) were verbatim turns of the training data. Split by
    # conversation, only replies that other conversations also use remain ("Yes", "Hahaha").
    train = list(load_pairs(["chitchat"], split="train", context_turns=context_turns))
    test = list(load_pairs(["chitchat"], split="test", context_turns=context_turns))
    separator = f" {CONTEXT_SEPARATOR} "
    train_turns = {turn for source, reply in train for turn in (*source.split(separator), reply)}
    replies_in_train = sum(reply in train_turns for _, reply in test) / len(test)
    assert replies_in_train < 0.10  # measured 4.5%, whatever the context turns
    pairs_in_train = len(set(test) & set(train)) / len(test)
    assert pairs_in_train < 0.005  # measured 1 of 1,605: ("Hello?", "Hello")


def test_chitchat_turns_merge_consecutive_messages_of_one_sender(tmp_path):
    conversation = {
        "messages": [
            [{"text": "Hi", "sender": "a"}, {"text": "there", "sender": "a"}],
            [{"text": "Hello", "sender": "b"}],
            [{"text": "How are", "sender": "a"}],
            [{"text": "you?", "sender": "a"}],  # same sender again: same turn
            [{"text": "Fine", "sender": "b"}],
        ]
    }
    path = tmp_path / "chat.json"
    path.write_text(json.dumps({"c1": conversation, "c2": {"messages": [[]]}}))
    pairs = load_pairs([f"chitchat:{path}"], split="all", context_turns=2)
    assert list(pairs) == [
        ("Hi there", "Hello"),
        (f"Hi there {CONTEXT_SEPARATOR} Hello", "How are you?"),
        (f"Hello {CONTEXT_SEPARATOR} How are you?", "Fine"),
    ]
    assert pairs.stats.no_reply == 1


def test_chatterbot_languages_from_the_package():
    english = list(load_pairs(["chatterbot"], split="all"))
    assert ("Hello", "Hi") in english
    german = list(load_pairs(["chatterbot:german"], split="all"))
    assert ("Guten Morgen!", "Hallo") in german
    assert not set(german) & set(english)
    train = load_pairs(["chatterbot"], split="train")
    assert len(set(train)) == len(list(train))  # duplicates removed from train...
    assert train.stats.duplicates > 0  # ...and counted


def test_chatterbot_yaml_file_keeps_scalars_as_written(tmp_path):
    path = tmp_path / "mine.yml"
    path.write_text(
        "categories: [test]\n"
        "conversations:\n"
        "- - Are you a robot?\n"
        "  - yes\n"
        "  - 42\n"
        "- - lonely utterance\n"
        "- just a string\n",
        encoding="utf-8",
    )
    pairs = load_pairs([f"chatterbot:{path}"], split="all")
    assert list(pairs) == [("Are you a robot?", "yes"), ("yes", "42")]
    assert pairs.stats.no_reply == 2


# --- tsv and jsonl --------------------------------------------------------------------------------


def test_tsv_bom_crlf_gzip_and_blank_lines(tmp_path):
    path = tmp_path / "pairs.tsv.gz"
    with gzip.open(path, "wb") as stream:
        stream.write("\ufeffHallo\tHello\r\n\n  Welt \t  World\r\n".encode())
    pairs = load_pairs([f"tsv:{path}"], split="all")
    assert list(pairs) == [("Hallo", "Hello"), ("Welt", "World")]
    assert pairs.stats.empty == 1 and pairs.stats.pairs_read == 3


def test_a_gzipped_file_is_read_whatever_its_name(tmp_path):
    for name, spec in (("pairs.tsv", "tsv"), ("pairs.txt", "tsv"), ("talk.jsonl", "jsonl")):
        text = "Hallo\tHello\nWelt\tWorld\n" if spec == "tsv" else '{"source": "Hallo", "target": "Hello"}\n'
        (tmp_path / name).write_bytes(gzip.compress(text.encode()))
        pairs = load_pairs([f"{spec}:{tmp_path / name}"], split="all")
        assert list(pairs)[0] == ("Hallo", "Hello")


def test_a_folder_is_your_own_split_read_as_it_is(tmp_path):
    """``tsv:DIR``: train.tsv, dev.tsv (valid), test.tsv.gz, every pair in its file's split (the hash
    would put about 98 in 100 in train); ``jsonl:DIR`` the same, every conversation kept."""
    pairs = {split: [(f"{split} {i}", f"{split.upper()} {i}") for i in range(20)] for split in ("train", "valid", "test")}
    write_tsv(tmp_path / "train.tsv", pairs["train"])
    write_tsv(tmp_path / "dev.tsv", pairs["valid"])
    (tmp_path / "test.tsv.gz").write_bytes(gzip.compress("".join(f"{s}\t{t}\n" for s, t in pairs["test"]).encode()))
    for split in ("train", "valid", "test"):
        source = load_pairs([f"tsv:{tmp_path}"], split=split)
        assert list(source) == pairs[split] and source.stats.other_split == 0
        sources, targets = next(source.chunks(100))  # the block reader
        assert list(zip(sources, targets)) == pairs[split]
    assert list(load_pairs([f"tsv:{tmp_path}"], split="all")) == [*pairs["train"], *pairs["valid"], *pairs["test"]]

    talks = tmp_path / "talks"
    talks.mkdir()
    for split in ("train", "valid"):
        (talks / f"{split}.jsonl").write_text("".join(json.dumps({"messages": [f"{split} {i}", f"reply {i}"]}) + "\n"
                                                      for i in range(20)))
    assert list(load_pairs([f"jsonl:{talks}"], split="valid")) == [(f"valid {i}", f"reply {i}") for i in range(20)]
    with pytest.raises(DataError, match=r"talks: no test.jsonl in this folder: a folder of your own split holds "
                                        r"train.jsonl, valid.jsonl and test.jsonl \(each may be gzipped\)"):
        list(load_pairs([f"jsonl:{talks}"], split="test"))
    with pytest.raises(DataError, match=r"no valid.tsv \(or dev.tsv, validation.tsv\) in this folder"):
        list(load_pairs([f"tsv:{talks}"], split="valid"))
    write_tsv(tmp_path / "valid.tsv", pairs["valid"][:3])  # beside dev.tsv: which one is meant?
    with pytest.raises(DataError, match=r": valid.tsv and dev.tsv are both the valid split; keep one"):
        list(load_pairs([f"tsv:{tmp_path}"], split="valid"))


def test_a_header_line_is_read_as_a_pair_with_a_warning(tmp_path, caplog):
    header = tmp_path / "header.tsv"
    header.write_text("\ufeffSource\tTarget\nHallo\tHello\n", encoding="utf-8")
    plain = tmp_path / "plain.tsv"
    plain.write_text("ja\tyes\nHallo\tHello\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="seq2seq"):
        assert list(load_pairs([f"tsv:{header}"], split="all")) == [("Source", "Target"), ("Hallo", "Hello")]
        list(load_pairs([f"tsv:{header}"], split="all"))  # read again: said once
        assert len(list(load_pairs([f"tsv:{plain}"], split="all"))) == 2
    assert caplog.messages == [f"{header}:1: 'Source\\tTarget' looks like a header; it is read as a pair "
                               "(delete the line if it is one)"]


def test_jsonl_pairs_and_dialogues(tmp_path):
    lines = [
        {"source": "q1", "target": "a1"},
        {"messages": ["hi", "hello", "how are you"]},
        {
            "messages": [
                {"role": "user", "content": "one"},
                {"role": "user", "content": "two"},
                {"role": "assistant", "content": "three"},
            ]
        },
        {"messages": ["alone"]},
    ]
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    pairs = load_pairs([f"jsonl:{path}"], split="all")
    assert list(pairs) == [
        ("q1", "a1"),
        ("hi", "hello"),
        ("hello", "how are you"),
        ("one two", "three"),
    ]
    assert pairs.stats.no_reply == 1


def test_a_chat_style_dialogue_learns_the_assistants_turns_only(tmp_path):
    def message(role, content):
        return {"role": role, "content": content}

    lines = [
        {"messages": [message("system", "You are a helpdesk bot."), message("user", "my badge crashes"),
                      message("assistant", "Restart it."), message("user", "ok"), message("user", "it works"),
                      message("assistant", "Great."), message("user", "thanks")]},
        {"messages": [message("System", "You are a helpdesk bot."), message("User", "hello?"),
                      message("Assistant", "Hi!")]},  # roles in any case
        {"messages": [message("user", "hi there"), message("bot", "Hello!")]},  # no assistant: every turn a reply
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    pairs = load_pairs([f"jsonl:{path}"], split="all", context_turns=2)
    assert list(pairs) == [("my badge crashes", "Restart it."), ("Restart it. <sep> ok it works", "Great."),
                           ("hello?", "Hi!"), ("hi there", "Hello!")]
    splits = [load_pairs([f"jsonl:{path}"], split=split, context_turns=2) for split in ("train", "valid", "test")]
    assert sum(len(list(split)) for split in splits) == 4  # the splits together hold the same pairs
    assert all(split.stats.pairs_read == 4 for split in splits)  # ... and each counts them alike
    (tmp_path / "alone.jsonl").write_text(json.dumps({"messages": [message("system", "Be kind."),
                                                                   message("assistant", "Hi!")]}) + "\n")
    with pytest.raises(DataError, match=r"is empty: no non-empty pair .*no reply 1"):  # a greeting alone: no pair
        list(load_pairs([f"jsonl:{tmp_path / 'alone.jsonl'}"], split="all"))


def test_same_corpus_resolves_file_paths_and_compares_the_rest_as_written(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "pairs.tsv").write_text("a\tb\n")
    monkeypatch.chdir(tmp_path)
    assert same_corpus("tsv:data/pairs.tsv", f"tsv:{tmp_path}/data/pairs.tsv")
    assert same_corpus("tsv:data/pairs.tsv", "tsv:./data/../data/pairs.tsv")
    assert not same_corpus("tsv:data/pairs.tsv", "jsonl:data/pairs.tsv")  # another kind
    assert not same_corpus("tsv:data/pairs.tsv", "tsv:elsewhere/pairs.tsv")  # no such file
    assert same_corpus("chatterbot", "chatterbot") and not same_corpus("chatterbot:english", "chatterbot:german")
    assert not same_corpus("multi30k:de-en", "multi30k:en-de")


# --- filters and stats ----------------------------------------------------------------------------


def test_filters_count_everything_they_drop(tmp_path):
    pairs = [("a", "b")] * 3 + [("  ", "x"), ("one two three four", "y"), ("c", "d")]
    spec = write_tsv(tmp_path / "p.tsv", pairs)
    train = load_pairs([spec], split="train", max_len=3)
    assert list(train) == [("a", "b"), ("c", "d")]  # every pair here hashes to train
    stats = train.stats
    assert (stats.pairs_read, stats.empty, stats.too_long, stats.duplicates) == (6, 1, 1, 2)
    assert_counts_add_up(stats)
    assert "empty 1" in stats.summary() and "too long 1" in stats.summary()

    everything = load_pairs([spec], split="all", max_len=3)  # all: no dedup, no length filter
    assert list(everything) == [("a", "b")] * 3 + [("one two three four", "y"), ("c", "d")]
    assert everything.stats.too_long == everything.stats.duplicates == 0


def test_max_len_filters_training_pairs_only(tmp_path):
    # "long words here q34" -> r is a test pair, q307 a valid one, q0 a training one
    pairs = [(f"long words here q{i}", "r") for i in (34, 307, 0)] + [("short", "r")]
    spec = write_tsv(tmp_path / "p.tsv", pairs)
    assert [split_of(*pair) for pair in pairs] == ["test", "valid", "train", "train"]
    for use_chunks in (False, True):
        for split, expected in (("train", 3), ("valid", 307), ("test", 34)):
            source = load_pairs([spec], split=split, max_len=3)
            if use_chunks:
                kept = [pair for chunk in source.chunks(2) for pair in zip(*chunk)]
            else:
                kept = list(source)
            if split == "train":
                assert kept == [("short", "r")] and source.stats.too_long == 1
            else:
                assert kept == [(f"long words here q{expected}", "r")]
                assert source.stats.too_long == 0
            assert_counts_add_up(source.stats)


def test_max_len_option_of_corpora_show_leaves_valid_and_test_whole(tmp_path):
    from click.testing import CliRunner

    from seq2seq.cli import main

    pairs = [(f"long words here q{i}", "r") for i in (34, 307, 0)] + [("short", "r")]
    spec = write_tsv(tmp_path / "p.tsv", pairs)
    result = CliRunner().invoke(main, ["corpora", "show", spec, "--max-len", "3"])
    assert result.exit_code == 0, result.output
    counts = {line.split()[0]: line.split()[1] for line in result.output.splitlines()[1:7:2]}
    assert counts == {"train": "1", "valid": "1", "test": "1"}
    assert "too long 1" in result.output.splitlines()[2]  # the train filters line


def test_duplicates_removed_across_corpora_and_source_is_reiterable(tmp_path):
    first = write_tsv(tmp_path / "1.tsv", [("a", "b"), ("c", "d")])
    second = write_tsv(tmp_path / "2.tsv", [("c", "d"), ("e", "f")])
    source = load_pairs([first, second], split="train")
    assert list(source) == list(source) == [("a", "b"), ("c", "d"), ("e", "f")]
    assert source.stats.duplicates == 1
    assert source.stats.by_corpus[second].duplicates == 1
    assert source.stats.by_corpus[first].kept == 2


# --- splits ---------------------------------------------------------------------------------------


def test_split_golden_values():
    # Changing the hash would move pairs between splits: these values must never change.
    assert pair_hash("Hello", "Hi") == 91942965  # CRC-32 of "Hello\tHi"
    assert conversation_hash(["Hello", "Hi"]) == 91942965  # a pair: a conversation of two turns
    assert conversation_hash(["Hello", "Hi", "How are you?"]) == zlib.crc32(
        b"Hello\tHi\tHow are you?"
    )
    splits = [split_of(f"q{i}", "r") for i in (80, 151, 163, 0)]
    assert splits == ["test", "valid", "valid", "train"]


def numbered_conversations(count: int) -> list[list[str]]:
    """``count`` conversations of 2-6 turns; every turn names its conversation: ``c7 t2``."""
    return [[f"c{c} t{t}" for t in range(2 + c % 5)] for c in range(count)]


def write_dialogues(folder: Path, kind: str, conversations: list[list[str]]) -> str:
    """The conversations as a corpus of ``kind`` (chitchat, chatterbot or jsonl); its spec."""
    if kind == "chitchat":
        data = {
            f"id{c}": {
                "messages": [[{"text": turn, "sender": t % 2}] for t, turn in enumerate(turns)]
            }
            for c, turns in enumerate(conversations)
        }
        (folder / "chat.json").write_text(json.dumps(data))
        return f"chitchat:{folder / 'chat.json'}"
    if kind == "chatterbot":
        lines = ["conversations:"]
        for turns in conversations:
            lines += [f"- - {turns[0]}", *(f"  - {turn}" for turn in turns[1:])]
        (folder / "bot.yml").write_text("\n".join(lines) + "\n")
        return f"chatterbot:{folder / 'bot.yml'}"
    lines = [json.dumps({"messages": turns}) for turns in conversations]
    (folder / "chat.jsonl").write_text("\n".join(lines) + "\n")
    return f"jsonl:{folder / 'chat.jsonl'}"


@pytest.mark.parametrize("kind", ["chitchat", "chatterbot", "jsonl"])
def test_no_conversation_contributes_to_two_splits(tmp_path, kind):
    conversations = numbered_conversations(600)
    spec = write_dialogues(tmp_path, kind, conversations)
    split_of_conversation_number = {}
    for split in ("train", "valid", "test"):
        source = load_pairs([spec], split=split, context_turns=2)
        pair_counts = Counter(reply.split()[0] for _, reply in source)
        for name, count in pair_counts.items():
            assert name not in split_of_conversation_number, f"{name} in two splits"
            split_of_conversation_number[name] = split
            assert count == len(conversations[int(name[1:])]) - 1  # all its pairs, here
        assert source.stats.pairs_read == sum(len(turns) - 1 for turns in conversations)
        assert_counts_add_up(source.stats)
    assert len(split_of_conversation_number) == len(conversations)  # each one somewhere
    for name, split in split_of_conversation_number.items():
        assert split == split_of_conversation(conversations[int(name[1:])])
    per_split = Counter(split_of_conversation_number.values())
    assert per_split["valid"] >= 2 and per_split["test"] >= 2 and per_split["train"] > 570


def test_jsonl_pair_lines_keep_the_pair_split(tmp_path):
    pairs = [(f"q{i}", "r") for i in range(200)]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps({"source": s, "target": t}) + "\n" for s, t in pairs))
    for split in ("train", "valid", "test"):
        expected = [pair for pair in pairs if split_of(*pair) == split]
        assert list(load_pairs([f"jsonl:{path}"], split=split)) == expected


short_text = st.text(alphabet="abcdefgh xyz", min_size=1, max_size=12).map(normalize_text)
pair = st.tuples(short_text, short_text).filter(lambda p: p[0] and p[1])


@settings(max_examples=40, deadline=None)
@given(pair, st.lists(pair, max_size=30), st.randoms())
def test_a_pairs_split_never_depends_on_the_other_pairs(probe, others, random):
    lines = [*others, probe]
    random.shuffle(lines)
    with tempfile.TemporaryDirectory() as folder:
        spec = write_tsv(Path(folder) / "p.tsv", lines)
        found_in = {s for s in ("train", "valid", "test") if probe in load_pairs([spec], s)}
    assert found_in == {split_of(*probe)}
