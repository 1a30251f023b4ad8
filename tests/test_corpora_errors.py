"""Bad corpus input through the command line: one ``Error: file:line: reason`` line, exit 1.

Each malformed file is checked twice: strictly (the error names file and line) and with
``--skip-bad-lines`` (exit 0, the skipped lines counted in the output).
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from seq2seq.cli import main

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def run(*args: str):
    return CliRunner().invoke(main, ["corpora", *args])


def assert_one_line_error(result, expected: str) -> None:
    """Exit status 1, the message on one ``Error:`` line, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # click's exit, not an escaped exception
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(error_lines) == 1, result.output
    assert expected in error_lines[0], error_lines[0]


def assert_skipped(result, bad_lines: int) -> None:
    """Exit 0, and every split's filter line reports the skipped lines."""
    assert result.exit_code == 0, result.output
    assert result.output.count(f"no pair from: bad lines {bad_lines},") == 3, result.output


# --- specs ----------------------------------------------------------------------------------------


def test_unknown_spec():
    assert_one_line_error(run("show", "wikipedia"), "unknown corpus 'wikipedia'; expected one of")


@pytest.mark.parametrize("pair", ["de-xx", "de-de", "de", "en_fr"])
def test_unknown_multi30k_language_pair(pair):
    assert_one_line_error(run("show", f"multi30k:{pair}"), "unknown multi30k language pair")


def test_unknown_chatterbot_language():
    assert_one_line_error(run("show", "chatterbot:klingon"), "available: bengali")


def test_bad_option_value_is_a_usage_error():
    result = run("show", "chatterbot", "--context-turns", "0")
    assert result.exit_code == 2 and "--context-turns" in result.output


# --- files that cannot be read --------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.tsv"
    assert_one_line_error(run("show", f"tsv:{path}"), f"{path}: file not found")


def test_directory_instead_of_file(tmp_path):
    assert_one_line_error(run("show", f"chitchat:{tmp_path}"), f"{tmp_path}: is a directory")
    # a folder of your own split, but without its files
    assert_one_line_error(run("show", f"jsonl:{tmp_path}"), f"{tmp_path}: no train.jsonl in this folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.tsv"
    path.write_text("a\tb\n")
    path.chmod(0)
    assert_one_line_error(run("show", f"tsv:{path}"), f"{path}: permission denied")


def test_empty_corpus(tmp_path):
    path = tmp_path / "empty.tsv"
    path.write_text("\n \t \n")
    assert_one_line_error(run("show", f"tsv:{path}"), f"corpus 'tsv:{path}' is empty")


# --- tsv ------------------------------------------------------------------------------------------


def test_tsv_line_without_tab(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("a\tb\nno tab here\nc\td\n")
    assert_one_line_error(run("show", f"tsv:{path}"), f"{path}:2: no tab")
    assert_skipped(run("show", f"tsv:{path}", "--skip-bad-lines"), bad_lines=1)


def test_tsv_line_with_two_tabs(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("a\tb\nc\td\te\n")
    result = run("show", f"tsv:{path}")
    assert_one_line_error(result, f"{path}:2: 2 tabs: expected exactly one between source and target")
    assert "carriage return" not in result.output


def test_tsv_lines_ended_by_carriage_returns_alone_are_named(tmp_path):
    path = tmp_path / "mac.tsv"
    path.write_bytes(b"a\tb\rc\td\re\tf\r")
    assert_one_line_error(run("show", f"tsv:{path}"), f"{path}:1: 3 tabs: expected exactly one between source and "
                                                      "target (lines end in a carriage return alone here: convert "
                                                      "them to newlines)")


def test_tsv_invalid_utf8(tmp_path):
    path = tmp_path / "latin1.tsv"
    path.write_bytes("a\tb\nc\td\n".encode() + "caf\xe9\tcoffee\n".encode("latin-1"))
    assert_one_line_error(run("show", f"tsv:{path}"), f"{path}:3: invalid UTF-8 (byte 4")
    assert_skipped(run("show", f"tsv:{path}", "--skip-bad-lines"), bad_lines=1)


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "pairs.tsv.gz"
    path.write_bytes(gzip.compress(b"a\tb\n" * 1000)[:-30])  # truncated
    assert_one_line_error(run("show", f"tsv:{path}"), "corrupt gzip file")


# --- jsonl ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"source": "a", "target": ', "invalid JSON"),
        ("[1, 2]", "expected a JSON object, found an array"),
        ("null", "expected a JSON object, found null"),
        ('{"source": "\\ud800", "target": "b"}', "invalid text: a lone surrogate \\ud800 (character 1)"),
        ('{"messages": ["hi \\udc80", "there"]}', "invalid text: a lone surrogate \\udc80 (character 4)"),
        ('{"question": "a"}', 'expected keys "source" and "target", or "messages"'),
        ('{"source": "a", "target": 3}', '"source" and "target" must be strings'),
        ('{"messages": [{"role": "user"}]}', 'message 1 has no string "text" or "content"'),
    ],
)
def test_jsonl_malformed_lines(tmp_path, line, reason):
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps({"source": "q", "target": "a"}) + "\n" + line + "\n")
    assert_one_line_error(run("show", f"jsonl:{path}"), f"{path}:2: {reason}")
    assert_skipped(run("show", f"jsonl:{path}", "--skip-bad-lines"), bad_lines=1)


# --- chatterbot and chitchat files ----------------------------------------------------------------


def test_chatterbot_invalid_yaml(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("conversations:\n- - hi\n  - [unclosed\n")
    assert_one_line_error(run("show", f"chatterbot:{path}"), f"{path}:4: invalid YAML")


def test_chatterbot_conversation_that_is_not_a_list(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("conversations:\n- - hi\n  - hello\n- {who: me}\n")
    assert_one_line_error(
        run("show", f"chatterbot:{path}"), f"{path}:4: a conversation must be a list"
    )
    assert_skipped(run("show", f"chatterbot:{path}", "--skip-bad-lines"), bad_lines=1)


def test_chatterbot_file_without_conversations(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("categories: [x]\n")
    assert_one_line_error(run("show", f"chatterbot:{path}"), 'a "conversations" list')


def test_chitchat_invalid_json(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text('{"c1": {"messages": []},\n "c2": }\n')
    assert_one_line_error(run("show", f"chitchat:{path}"), f"{path}:2: invalid JSON")


def test_chitchat_malformed_conversation(tmp_path):
    good = {"messages": [[{"text": "hi", "sender": "a"}], [{"text": "yo", "sender": "b"}]]}
    path = tmp_path / "chat.json"
    path.write_text(json.dumps({"good": good, "broken": {"messages": [["not a message"]]}}))
    assert_one_line_error(run("show", f"chitchat:{path}"), "conversation broken: each message")
    assert_skipped(run("show", f"chitchat:{path}", "--skip-bad-lines"), bad_lines=1)


def test_chitchat_lone_surrogate(tmp_path):
    good = {"messages": [[{"text": "hi", "sender": "a"}], [{"text": "yo", "sender": "b"}]]}
    broken = {"messages": [[{"text": "\ud800 yo", "sender": "a"}], [{"text": "hey", "sender": "b"}]]}
    path = tmp_path / "chat.json"
    path.write_text(json.dumps({"good": good, "broken": broken}))  # json writes the escape \ud800
    assert_one_line_error(run("show", f"chitchat:{path}"), "conversation broken: invalid text: a lone surrogate")
    assert_skipped(run("show", f"chitchat:{path}", "--skip-bad-lines"), bad_lines=1)


# --- multi30k -------------------------------------------------------------------------------------


def write_gz_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write("".join(f"{line}\n" for line in lines))


def test_multi30k_missing_files_say_how_to_get_them(tmp_path):
    result = run("show", "multi30k:de-en", "--data-dir", str(tmp_path))
    assert_one_line_error(result, "train.de.gz: file not found; run `seq2seq corpora download")


def test_multi30k_files_of_different_lengths(tmp_path):
    for split in ("train", "val", "test_2016_flickr"):
        write_gz_lines(tmp_path / "multi30k" / f"{split}.de.gz", ["eins", "zwei", "drei"])
        write_gz_lines(tmp_path / "multi30k" / f"{split}.en.gz", ["one", "two"])
    result = run("show", "multi30k:de-en", "--data-dir", str(tmp_path))
    assert_one_line_error(result, "train.de.gz:3: has more lines than")


@pytest.mark.skipif(not (CORPORA / "multi30k").is_dir(), reason="no ../shared/corpora")
def test_multi30k_show_reports_splits_and_samples():
    result = run("show", "multi30k:de-en", "--data-dir", str(CORPORA))
    assert result.exit_code == 0, result.output
    assert "train     28,997" in result.output  # 29,000 minus 3 exact duplicates
    assert "valid      1,014" in result.output and "test       1,000" in result.output
    assert result.output.count("source: ") == 3


def test_list_names_every_kind():
    result = run("list")
    assert result.exit_code == 0
    for usage in ("chitchat", "chatterbot[:LANG", "multi30k:SRC-TGT", "tsv:PATH", "jsonl:PATH"):
        assert usage in result.output


def test_a_bad_line_and_a_splits_summary_are_reported_once_however_often_the_file_is_read(tmp_path, caplog):
    # A training run reads the train split twice (tokenizer, encoding) and the file again for valid.
    import logging

    from seq2seq.corpora import load_pairs

    corpus = tmp_path / "pairs.tsv"
    corpus.write_text("".join(f"w{i} x\tx w{i}\n" for i in range(40)) + "no tab here\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="seq2seq"):
        passes = [list(load_pairs([f"tsv:{corpus}"], split, skip_bad_lines=True)) for split in ("train", "train", "valid")]
    assert passes[0] == passes[1] and passes[0]
    shown = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert shown.count(f"skipped bad line: {corpus}:41: no tab: expected source<TAB>target") == 1
    assert sum(m.startswith(f"tsv:{corpus} [train]: kept") for m in shown) == 1
    assert sum(m.startswith(f"tsv:{corpus} [valid]: kept") for m in shown) == 1
