"""``seq2seq translate`` and ``seq2seq chat`` as a terminal user meets them, on tiny trained models.

Every bad input ends in one ``Error:`` line and a non-zero exit status, or in an answer; never a
traceback. Decoding a sentence gives the same output alone and inside a batch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from toy_tasks import reverse_pairs, write_tsv

from seq2seq.cli import main

TINY = ["--units", "16", "--embed", "16", "--attention-units", "16", "--vocab-size", "24", "--bleu-sample", "0",
        "--quiet", "--dropout", "0", "--lr", "0.01", "--warmup-steps", "10"]
ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str, input: bytes | str | None = None, env: dict | None = None):
    return CliRunner().invoke(main, [str(arg) for arg in args], input=input, env=env)


def one_error_line(result, *fragments: str, exit_code: int = 1) -> str:
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def translator_dir(tmp_path_factory):
    corpus = write_tsv(tmp_path_factory.mktemp("corpus") / "reverse.tsv", reverse_pairs(400, seed=2))
    out = tmp_path_factory.mktemp("run") / "model"
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", out, "--epochs", "3", "--seed", "0", *TINY)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def chatbot_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dialogues")
    dialogues = folder / "talk.jsonl"
    rng = np.random.default_rng(0)
    conversations = [[" ".join(rng.choice(list("abcdefgh"), size=3)) for _ in range(4)] for _ in range(400)]
    dialogues.write_text("".join(json.dumps({"messages": turns}) + "\n" for turns in conversations), encoding="utf-8")
    out = tmp_path_factory.mktemp("run") / "chatbot"
    result = invoke("train", "--corpus", f"jsonl:{dialogues}", "--context-turns", "2", "--out", out,
                    "--epochs", "1", "--seed", "0", *TINY)
    assert result.exit_code == 0, result.output
    return out


# --- translate: input -------------------------------------------------------------------------------


def test_invalid_utf8_on_stdin_is_one_line_naming_the_line(translator_dir):
    result = invoke("translate", "--checkpoint", translator_dir, input=b"a b c\n\xff\xfe kaputt\n")
    one_error_line(result, "stdin:2:", "invalid UTF-8")


def test_invalid_utf8_in_a_file_names_file_and_line(translator_dir, tmp_path):
    source = tmp_path / "in.txt"
    source.write_bytes(b"a b\nc d\n\xc3\x28\n")
    one_error_line(invoke("translate", "--checkpoint", translator_dir, "--input", source), f"{source}:3:", "invalid UTF-8")


def test_invalid_utf8_in_an_argument_is_one_line_naming_it(translator_dir):
    # The shell hands Python bytes; what is not UTF-8 arrives as surrogate escapes (PEP 383).
    bad = b"Ein \xff Hund".decode("utf-8", "surrogateescape")
    one_error_line(invoke("translate", "--checkpoint", translator_dir, "a b", bad), "argument 2: invalid UTF-8")
    result = invoke("translate", "--checkpoint", translator_dir, "--greedy", "--skip-bad-lines", bad, "a b")
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n") == ["", invoke("translate", "--checkpoint", translator_dir, "--greedy", "a b").stdout.strip(), ""]


def test_text_arguments_and_input_together_are_a_usage_error(translator_dir, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("a b\n")
    result = invoke("translate", "--checkpoint", translator_dir, "--input", source, "c d")
    assert result.exit_code == 2 and "give TEXT arguments or --input, not both" in result.stderr


def test_skip_bad_lines_gives_an_empty_line_and_a_count(translator_dir):
    result = invoke("translate", "--checkpoint", translator_dir, "--skip-bad-lines", "--greedy",
                    input=b"a b c\n\xff\xfe\nd e f\n")
    assert result.exit_code == 0, result.output
    good = invoke("translate", "--checkpoint", translator_dir, "--greedy", "a b c", "d e f").stdout.split("\n")
    assert result.stdout.split("\n") == [good[0], "", good[1], ""]
    assert result.stderr == "Warning: skipped 1 line(s) of invalid UTF-8 (empty output lines)\n"


def test_input_dash_is_standard_input(translator_dir):
    result = invoke("translate", "--checkpoint", translator_dir, "--greedy", "--input", "-", input="a b c\nd e\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == invoke("translate", "--checkpoint", translator_dir, "--greedy", "a b c", "d e").stdout


def test_text_dash_is_standard_input_too(translator_dir):
    result = invoke("translate", "--checkpoint", translator_dir, "--greedy", "-", input="a b c\nd e\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == invoke("translate", "--checkpoint", translator_dir, "--greedy", "a b c", "d e").stdout
    assert result.stdout.count("\n") == 2  # two translations, not the translation of "-"


def test_a_file_named_dash_is_read_as_a_file_when_its_path_says_so(translator_dir, tmp_path, monkeypatch):
    (tmp_path / "-").write_text("a b c\nd e\n")
    monkeypatch.chdir(tmp_path)
    result = invoke("translate", "--checkpoint", translator_dir, "--greedy", "--input", "./-", input="x y z\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == invoke("translate", "--checkpoint", translator_dir, "--greedy", "a b c", "d e").stdout


def test_ctrl_c_says_interrupted_and_exits_130_as_a_shell_does(monkeypatch):
    import seq2seq.cli.translate

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(seq2seq.cli.translate, "load_translator", interrupted)
    result = invoke("translate", "a b")
    assert result.exit_code == 130 and result.stdout == ""
    assert result.stderr == "\nInterrupted\n"  # the interrupted line ended, no "Aborted!", no traceback


def test_a_missing_input_file_is_one_line(translator_dir, tmp_path):
    one_error_line(invoke("translate", "--checkpoint", translator_dir, "--input", tmp_path / "no.txt"), "file not found")


@pytest.mark.parametrize("option", ["--output", "--plot-attention"])
def test_an_output_in_a_missing_folder_is_one_line_before_any_work(translator_dir, tmp_path, option):
    # checked first: the checkpoint given here does not exist, so any work would fail otherwise
    result = invoke("translate", "--checkpoint", tmp_path / "no-model", option, tmp_path / "no" / "out.png", "a b")
    one_error_line(result, f"{tmp_path / 'no'}: no such folder")


def test_an_output_that_cannot_be_written_is_one_line(translator_dir):
    one_error_line(invoke("translate", "--checkpoint", translator_dir, "--output", "/dev/full", "a b"),
                   "/dev/full: cannot write (No space left on device)")


def test_train_and_lab_into_a_path_under_a_file_are_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    one_error_line(invoke("train", "--corpus", "tsv:missing.tsv", "--out", tmp_path / "file" / "run"),
                   "cannot create the folder")
    one_error_line(invoke("lab", "memory", "--quick", "--out", tmp_path / "file" / "lab"), "cannot create the folder")


def test_empty_lines_stay_empty_and_order_is_kept(translator_dir):
    result = invoke("translate", "--checkpoint", translator_dir, "--greedy", input="a b c\n\n   \nd e\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    assert lines[1] == "" and lines[2] == "" and len(lines) == 5
    assert invoke("translate", "--checkpoint", translator_dir, "").stdout == "\n"
    alone = invoke("translate", "--checkpoint", translator_dir, "--greedy", "d e").stdout
    assert lines[3] + "\n" == alone


def test_odd_characters_get_an_answer(translator_dir):
    texts = ["a b 😀", "a\x00b\x07c", "Ωμέγα русский 中文", "\u200b", "a\tb\u00a0c"]
    result = invoke("translate", "--checkpoint", translator_dir, *texts)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == len(texts) and result.stderr == ""


def test_input_is_normalized_as_the_training_text(translator_dir):
    composed = "a b ä c"
    decomposed = unicodedata.normalize("NFD", composed)
    fullwidth = "ａ b ä c"
    outputs = {invoke("translate", "--checkpoint", translator_dir, text).stdout for text in (composed, decomposed, fullwidth)}
    assert len(outputs) == 1


def test_overlong_input_is_cut_with_one_warning(translator_dir):
    long_line = " ".join(["a"] * 400)  # 400+ pieces; the toy model trained on at most 128
    result = invoke("translate", "--checkpoint", translator_dir, "--greedy", long_line, "b c")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 2
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 1 and "cut" in warnings[0] and "1 input line" in warnings[0]


def test_max_len_limits_the_output_only(translator_dir):
    from seq2seq.checkpoint import load_checkpoint

    tokenizer = load_checkpoint(translator_dir).tokenizer
    text = "a b c d e f g h"
    full = invoke("translate", "--checkpoint", translator_dir, "--greedy", text).stdout.strip()
    short = invoke("translate", "--checkpoint", translator_dir, "--greedy", "--max-len", "3", text).stdout.strip()
    assert len(tokenizer.encode_target([short])[0]) <= 3
    assert full.startswith(short.rstrip()) or len(tokenizer.encode_target([full])[0]) > 3


# --- translate: options and output ------------------------------------------------------------------


def test_json_lines_carry_score_and_sorted_n_best(translator_dir):
    result = invoke("translate", "--checkpoint", translator_dir, "--beam", "4", "--n-best", "3", "--alpha", "0", "--json",
                    "a b c", "", "d e f g")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    empty = {"translation": "", "score": 0.0}  # the one output of an empty line, first of its n-best as every line's
    assert len(rows) == 3 and rows[1] == {**empty, "n_best": [empty]}
    for row in (rows[0], rows[2]):
        assert len(row["n_best"]) == 3 and row["n_best"][0]["translation"] == row["translation"]
        scores = [item["score"] for item in row["n_best"]]
        assert scores == sorted(scores, reverse=True) and scores[0] == row["score"] < 0  # alpha 0: raw log-prob


def test_plot_attention_writes_a_png(translator_dir, tmp_path):
    picture = tmp_path / "attention.png"
    result = invoke("translate", "--checkpoint", translator_dir, "--plot-attention", picture, "a b c d")
    assert result.exit_code == 0, result.output
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["attention.png"]  # written atomically, nothing left
    vector = tmp_path / "attention.svg"  # the format its name says
    assert invoke("translate", "--checkpoint", translator_dir, "--plot-attention", vector, "a b c d").exit_code == 0
    assert b"<svg" in vector.read_bytes()[:500]
    result = invoke("translate", "--checkpoint", translator_dir, "--plot-attention", tmp_path / "attention.txt", "a b")
    assert result.exit_code == 2 and "name a .png, .svg, .pdf or .jpg file" in result.stderr
    assert not (tmp_path / "attention.txt").exists()


def test_plot_attention_of_a_model_without_attention_is_one_line(tmp_path):
    corpus = write_tsv(tmp_path / "reverse.tsv", reverse_pairs(100, seed=3))
    out = tmp_path / "plain"
    trained = invoke("train", "--corpus", f"tsv:{corpus}", "--out", out, "--epochs", "1", "--attention", "none", *TINY,
                     "--no-input-feeding")
    assert trained.exit_code == 0, trained.output
    assert trained.stderr.splitlines()[:2] == [  # options the model without attention does not use
        "Warning: --attention-units has no effect with --attention none (only bahdanau's additive score has hidden units)",
        "Warning: --no-input-feeding has no effect with --attention none (there is no attentional vector)"]
    picture = tmp_path / "attention.png"
    result = invoke("translate", "--checkpoint", out, "--plot-attention", picture, "a b c d")
    one_error_line(result, f"--plot-attention: {out} has no attention to draw (trained with --attention none)")
    assert not picture.exists()  # it drew an empty heatmap before


def test_sampling_repeats_for_a_seed(translator_dir):
    args = ("translate", "--checkpoint", translator_dir, "--sample", "--temperature", "1.5", "a b c d e", "f g h")
    first = invoke(*args, "--seed", "7").stdout
    assert first == invoke(*args, "--seed", "7").stdout
    others = {invoke(*args, "--seed", str(seed)).stdout for seed in range(8)}
    assert len(others) > 1  # other seeds, other samples


def test_bad_decoding_options_are_usage_errors(translator_dir):
    result = invoke("translate", "--checkpoint", translator_dir, "--greedy", "--n-best", "3", "a")
    assert result.exit_code == 2 and "--n-best above 1 needs beam search" in result.output
    result = invoke("translate", "--checkpoint", translator_dir, "--beam", "2", "--n-best", "3", "a")
    assert result.exit_code == 2 and "cannot exceed the beam width" in result.output
    result = invoke("translate", "--checkpoint", translator_dir, "--sample", "--samples", "2", "--n-best", "3", "a")
    assert result.exit_code == 2 and "cannot exceed the samples drawn (--samples 2)" in result.output
    # sizes that would only exhaust the memory (a loop of 10^10 steps, 10^5 hypotheses a sentence)
    result = invoke("translate", "--checkpoint", translator_dir, "--no-repeat-ngram", "9999999999", "a")
    assert result.exit_code == 2 and "--no-repeat-ngram is at most 128; got 9,999,999,999" in result.output
    result = invoke("translate", "--checkpoint", translator_dir, "--beam", "100000", "a")
    assert result.exit_code == 2 and "--beam is at most 256; got 100000" in result.output
    result = invoke("translate", "--checkpoint", translator_dir, "--sample", "--samples", "257", "a")
    assert result.exit_code == 2 and "--samples is at most 256; got 257" in result.output
    result = invoke("translate", "--checkpoint", translator_dir, "--sample", "--top-k", "3000000000", "a")
    assert result.exit_code == 2 and "--top-k is at most 2,147,483,647 (0: all pieces); got 3,000,000,000" in result.output
    for method, option, value in (("--beam", "--alpha", "nan"), ("--sample", "--temperature", "inf"),
                                  ("--sample", "--temperature", "nan"), ("--sample", "--top-p", "nan"),
                                  ("--sample", "--temperature", "1e10"), ("--sample", "--seed", str(2**32))):
        args = [method, "3"] if method == "--beam" else [method]
        result = invoke("translate", "--checkpoint", translator_dir, *args, option, value, "a")
        named = option.lstrip("-").replace("-", "_") in result.output.replace("-", "_")
        assert result.exit_code == 2 and named, (option, value, result.output)
        assert "Traceback" not in result.output and result.stdout == ""


@pytest.mark.parametrize(("args", "message"), [
    (("--greedy", "--top-k", "5"), "--top-k applies to sampling (--sample) only, not to greedy decoding"),
    (("--beam", "3", "--temperature", "0.5"), "--temperature applies to sampling (--sample) only, not to beam search"),
    (("--seed", "1",), "--seed applies to sampling (--sample) only, not to beam search, this command's default (add --sample)"),  # translate's default: beam
    (("--sample", "--alpha", "0.6"), "--alpha applies to beam search (--beam N) only, not to sampling"),
    (("--greedy", "--samples", "3"), "--samples applies to sampling (--sample) only, not to greedy decoding"),
])
def test_an_option_of_another_decoding_method_is_an_error_not_ignored(translator_dir, args, message):
    result = invoke("translate", "--checkpoint", translator_dir, *args, "a")
    assert result.exit_code == 2 and message in result.output and result.stdout == ""
    assert result.stderr.strip().endswith(". See 'main translate --help'.")  # a sentence, then the pointer


@pytest.mark.parametrize("command", ["evaluate", "chat"])
def test_n_best_is_not_offered_where_it_would_do_nothing(command):
    # evaluate scores the best output only, and chat gives one reply
    result = invoke(command, "--n-best", "3")
    assert result.exit_code == 2 and "No such option '--n-best'" in result.stderr


@pytest.mark.parametrize("method", ["greedy", "beam", "sample", "sample and rank"])
def test_a_sentence_decodes_the_same_alone_and_in_a_batch(translator_dir, method):
    from seq2seq.decoding import load_translator
    from seq2seq.decoding import DecodingOptions

    translator, _ = load_translator(translator_dir)
    texts = [source for source, _ in reverse_pairs(70, seed=11, min_len=1, max_len=12)]
    if method == "sample and rank":
        options = DecodingOptions(method="sample", samples=3, n_best=3, temperature=1.5, seed=5)
    else:
        options = DecodingOptions(method=method, beam=3, seed=5)
    batched = translator.translate(texts, options, batch_size=64)
    for text, output in zip(texts, batched):
        alone = translator.translate([text], options, batch_size=1)[0]
        assert alone.text == output.text and [t for t, _ in alone.n_best] == [t for t, _ in output.n_best]
        assert alone.score == pytest.approx(output.score, abs=1e-4)


def test_no_search_outputs_a_piece_no_training_target_holds(translator_dir):
    """Padding, BOS and the dialogue separator are never targets; a near-uniform draw (temperature
    100, over the tiny model's 24 pieces) took them about one step in eight before they were banned.
    UNK is a target (a character the vocabulary lacks) and stays possible."""
    from seq2seq.data.tokenizer import BOS_ID, EOS_ID, PAD_ID, SEPARATOR_ID, UNK_ID
    from seq2seq.decoding import DecodingOptions, load_translator
    from seq2seq.decoding.translator import plan_batches

    translator = load_translator(translator_dir)[0]
    encoded, _ = translator.encode([source for source, _ in reverse_pairs(40, seed=9, min_len=3, max_len=10)])
    seen = set()
    for options in (DecodingOptions(method="sample", temperature=100.0, seed=1, min_len=20, length_extra=30),
                    DecodingOptions(method="sample", temperature=100.0, seed=2, samples=3, n_best=3),
                    DecodingOptions(method="beam", beam=4), DecodingOptions(method="greedy")):
        for batch in plan_batches(encoded, options, 64):
            tokens, _, _ = translator._run(batch, options, seed=options.seed or 0, attention=False)
            for row in tokens[: len(batch.indices)].reshape(-1, tokens.shape[-1]):
                written = row.tolist()[: row.tolist().index(EOS_ID)] if EOS_ID in row else row.tolist()
                seen.update(written)
    assert not seen & {PAD_ID, BOS_ID, SEPARATOR_ID}
    assert UNK_ID in seen and len(seen) > 15  # the near-uniform draws did range over the vocabulary


def test_sample_and_rank_returns_the_seeds_samples_likeliest_per_piece_first(translator_dir):
    from seq2seq.decoding import DecodingOptions, load_translator

    translator = load_translator(translator_dir)[0]
    texts = [source for source, _ in reverse_pairs(24, seed=22, min_len=2, max_len=10)]
    one = DecodingOptions(method="sample", temperature=2.0, seed=3)
    ranked = translator.translate(texts, one.replace(samples=4, n_best=4))
    singles = [translator.translate(texts, one.replace(seed=3 + copy)) for copy in range(4)]  # sample j: seed + j
    caps = [one.cap(len(ids)) for ids in translator.encode(texts)[0]]
    for i, output in enumerate(ranked):
        drawn = {(s[i].text, round(s[i].score, 3)) for s in singles}  # a sample drawn twice is listed once
        assert sorted((t, round(score, 3)) for t, score in output.n_best) == sorted(drawn)
        # the pieces and EOS, unless the cap forced the EOS (it scores nothing)
        pieces = {s[i].text: len(s[i].pieces) + (len(s[i].pieces) < caps[i]) for s in singles}
        means = [score / pieces[t] for t, score in output.n_best]
        assert means == sorted(means, reverse=True) and output.text == output.n_best[0][0]
    assert any(output.text != singles[0][i].text for i, output in enumerate(ranked))  # ranking chose
    # the likeliest per piece: far less surprising than one sample, on average
    assert np.mean([o.n_best[0][1] / (len(o.pieces) + 1) for o in ranked]) > np.mean(
        [o.score / (len(o.pieces) + 1) for o in singles[0]]) + 0.1


def test_each_sampling_filter_gets_its_own_compiled_search(translator_dir):
    # Sampling without top-k/top-p skips the sort (a static choice): a later call that does cut the
    # distribution must not reuse that search. A 1e-6 nucleus is the most probable piece: greedy.
    from seq2seq.decoding import load_translator
    from seq2seq.decoding import DecodingOptions

    translator = load_translator(translator_dir)[0]
    texts = [source for source, _ in reverse_pairs(24, seed=21, min_len=3, max_len=10)]
    free = DecodingOptions(method="sample", temperature=2.0, seed=3)
    sampled = [o.text for o in translator.translate(texts, free)]
    nucleus = [o.text for o in translator.translate(texts, free.replace(top_p=1e-6))]
    greedy = [o.text for o in translator.translate(texts, DecodingOptions(method="greedy"))]
    assert nucleus == greedy and sampled != greedy


@pytest.mark.parametrize("method", ["greedy", "beam", "sample"])
def test_batches_on_two_threads_give_the_outputs_of_one_thread_in_order(translator_dir, method):
    from seq2seq.decoding import load_translator
    from seq2seq.decoding import DecodingOptions, Translator

    loaded = load_translator(translator_dir)[1]
    texts = [source for source, _ in reverse_pairs(70, seed=12, min_len=1, max_len=12)]
    texts = [*texts[:10], "", *texts[10:40], "", " ", *texts[40:]]  # empty lines need no decoding
    options = DecodingOptions(method=method, beam=3, n_best=2 if method == "beam" else 1, seed=5)
    runs = {}
    for workers in (1, 2):
        translator = Translator(loaded.model, loaded.tokenizer, workers=workers)
        done = []
        outputs = translator.translate(texts, options, batch_size=8, progress=done.append)
        runs[workers] = [(o.text, round(o.score, 4), [(t, round(s, 4)) for t, s in o.n_best]) for o in outputs]
        assert done[0] == 3 and sum(done) == len(texts) and len(done) == 10  # the empty, then each batch once
    assert runs[1] == runs[2]
    assert len({score for _, score, _ in runs[2]}) > 10  # each source its own score: the order is checked



def test_evaluate_reports_progress_for_every_pair(translator_dir):
    from seq2seq.decoding import load_translator
    from seq2seq.evaluation import evaluate

    translator = load_translator(translator_dir)[0]
    pairs = reverse_pairs(21, seed=4, min_len=1, max_len=8)
    done = []
    scores = evaluate(translator, pairs, batch_size=8, progress=done.append)
    assert sum(done) == scores["pairs"] == 21 and len(done) == 3

def test_evaluate_takes_the_decoding_options(translator_dir, tmp_path):
    test_file = write_tsv(tmp_path / "test.tsv", reverse_pairs(20, seed=3))
    common = ("evaluate", "--checkpoint", translator_dir, "--corpus", f"tsv:{test_file}", "--split", "all", "--json")
    greedy = json.loads(invoke(*common, "--greedy").stdout)
    beam = json.loads(invoke(*common, "--beam", "4").stdout)
    assert greedy["decoding"] == "greedy" and beam["decoding"] == "beam 4, alpha 1"
    assert greedy["perplexity"] == beam["perplexity"]


# --- chat -------------------------------------------------------------------------------------------


def test_chat_from_a_pipe_answers_one_line_per_line(chatbot_dir):
    result = invoke("chat", "--checkpoint", chatbot_dir, "--seed", "1", input="a b c\nd e f\n/reset\na b c\n/quit\nignored\n")
    assert result.exit_code == 0, result.output
    replies = result.stdout.split("\n")
    assert len(replies) == 4 and replies[-1] == ""  # three replies, nothing else on stdout
    assert replies[0] == replies[2]  # after /reset the same message, the same context, the same seed


def test_chat_from_a_pipe_skips_an_unknown_command_with_a_warning(chatbot_dir):
    result = invoke("chat", "--checkpoint", chatbot_dir, "--seed", "1", input="a b c\n/rset\n/ a b\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[2] != ""  # "/rset": an empty line; "/ a b" is a message
    assert result.stderr.strip() == "Warning: stdin:2: unknown command /rset, skipped (commands: /quit, /reset, /help)"
    alone = invoke("chat", "--checkpoint", chatbot_dir, "--seed", "1", input="a b c\n/ a b\n")
    assert alone.stdout.split("\n") == [lines[0], lines[2], ""]  # and it did not enter the conversation


def test_chat_from_a_pipe_stops_at_invalid_utf8_and_reads_lines_as_a_file_has_them(chatbot_dir):
    result = invoke("chat", "--checkpoint", chatbot_dir, "--greedy", input=b"a b\rc d\ne f\r\n")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2  # a lone CR does not end a line
    result = invoke("chat", "--checkpoint", chatbot_dir, "--greedy", input=b"a b c\ncaf\xe9\nd e f\n")
    assert result.exit_code == 1 and len(result.stdout.splitlines()) == 1  # the reply before it
    assert result.stderr.strip() == "Error: stdin:2: invalid UTF-8 (byte 4 of the line)"


def test_chat_with_a_translation_model_says_so(translator_dir, tmp_path):
    result = invoke("chat", "--checkpoint", translator_dir, "--greedy", input="a b c\n")
    assert result.exit_code == 0 and result.stderr == ""  # a tsv corpus may hold dialogue: no claim
    multi30k = tmp_path / "multi30k"
    shutil.copytree(translator_dir, multi30k)
    config = json.loads((multi30k / "config.json").read_text())
    config["data"]["corpora"] = ["multi30k:de-en"]
    (multi30k / "config.json").write_text(json.dumps(config))
    result = invoke("chat", "--checkpoint", multi30k, "--greedy", input="a b c\n")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 1
    assert result.stderr.startswith(f"Warning: {multi30k} was trained on multi30k:de-en, a translation corpus")


def test_an_interrupted_reply_leaves_the_conversation_as_it_was():
    from seq2seq.chat.conversation import Conversation

    class Interrupting:
        max_source_pieces = 100

        def encode(self, texts):
            return [text.split() for text in texts], 0

        def translate(self, sources, options, batch_size):
            raise KeyboardInterrupt

    conversation = Conversation(Interrupting(), context_turns=2)
    conversation.turns = ["hi", "hello"]
    try:
        conversation.reply("how are you")
    except KeyboardInterrupt:
        pass
    assert conversation.turns == ["hi", "hello"]  # not a user turn without its reply

def test_chat_builds_the_source_from_the_last_turns():
    from seq2seq.chat.conversation import context_source

    turns = ["hi", "hello  there", "how are you"]
    assert context_source(turns, 2) == "hello there <sep> how are you"
    assert context_source(turns, 5) == "hi <sep> hello there <sep> how are you"


class WordTranslator:
    """A piece per word, and a model that reads at most six."""

    max_source_pieces = 6

    def encode(self, texts):
        encoded = [text.split() for text in texts]
        return [ids[:6] for ids in encoded], sum(len(ids) > 6 for ids in encoded)


def test_a_long_context_drops_its_oldest_turns_first():
    from seq2seq.chat.conversation import fitting_source

    words = WordTranslator()
    assert fitting_source(["one two", "three four five", "six seven"], 2, words) == ("three four five <sep> six seven", False)
    assert fitting_source(["one", "two three four five", "six seven"], 2, words) == ("six seven", False)  # 7 pieces with both
    assert fitting_source(["one", "a b c d e f g"], 2, words) == ("a b c d e f g", True)  # cut: the translator reads 6


def test_chat_warns_once_when_a_message_is_longer_than_the_model_reads(chatbot_dir):
    long_message = " ".join(["a b c"] * 60)  # 180 words: more than the 128 pieces the model reads
    result = invoke("chat", "--checkpoint", chatbot_dir, "--seed", "1", input=f"a b c\n{long_message}\nd e f\n")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3  # one reply per message, nothing else on stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
    assert warnings == ["Warning: the message was longer than the model reads (128 pieces); it read the beginning only"]


def test_chat_without_a_chatbot_says_so(tmp_path):
    result = invoke("chat", input="hi\n", env={"SEQ2SEQ_CHECKPOINTS": str(tmp_path)})
    one_error_line(result, "no shipped chatbot", "--checkpoint")


# --- the program as a process -----------------------------------------------------------------------


def run_program(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "seq2seq", *args], input=input, capture_output=True, env=env,
                          cwd=ROOT, timeout=300)


def test_help_and_version_load_no_framework():
    code = ("import sys\nfrom seq2seq.cli import main\ntry:\n    main(['-h'])\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in ('tensorflow', 'keras', 'jax', 'torch') if m in sys.modules)\n"
            "print('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_a_failing_command_prints_exactly_its_error(tmp_path):
    result = run_program("corpora", "show", f"tsv:{tmp_path / 'missing.tsv'}")
    assert result.returncode == 1
    assert result.stderr.decode().splitlines() == [f"Error: {tmp_path / 'missing.tsv'}: file not found"]


def test_a_backend_that_cannot_load_is_one_line(monkeypatch):
    from seq2seq.cli import backend_problem

    assert backend_problem({}) is None and backend_problem({"KERAS_BACKEND": "tensorflow"}) is None
    assert "not a backend seq2seq runs on" in backend_problem({"KERAS_BACKEND": "bogus"})
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert backend_problem({"KERAS_BACKEND": "torch"}) == (
        'KERAS_BACKEND=torch, but torch is not installed; pip install -e ".[torch]" installs it')
    monkeypatch.undo()
    result = subprocess.run([sys.executable, "-m", "seq2seq", "translate", "x"], capture_output=True,
                            env={**os.environ, "KERAS_BACKEND": "bogus"}, timeout=120)
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        "Error: KERAS_BACKEND=bogus is not a backend seq2seq runs on (tensorflow, jax, torch)"]
    # what loads no framework still works: the help, the version, the corpora, a command's own help
    for args in (["-h"], ["--version"], ["corpora", "list"], ["translate", "-h"], ["lab", "memory", "-h"]):
        result = subprocess.run([sys.executable, "-m", "seq2seq", *args], capture_output=True,
                                env={**os.environ, "KERAS_BACKEND": "bogus"}, timeout=120)
        assert result.returncode == 0 and result.stderr == b"" and result.stdout, (args, result.stderr)


def test_translate_process_prints_no_framework_chatter(translator_dir):
    result = run_program("translate", "--checkpoint", str(translator_dir), input=b"a b c\n\n")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b"", result.stderr.decode()
    assert result.stdout.count(b"\n") == 2


def test_native_chatter_filter_keeps_real_errors():
    from seq2seq.quiet import is_chatter

    assert is_chatter("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
    assert is_chatter("I0000 00:00:1795802503.526127    6517 port.cc:153] oneDNN custom operations are on.\n")
    assert is_chatter("E0000 00:00:1795802507.163020    6517 cuda_platform.cc:52] failed call to cuInit: INTERNAL\n")
    assert is_chatter("E0000 00:00:1795987436.552034   10977 util.cc:131] oneDNN supports DT_HALF only on platforms with "
                      "AVX-512. Falling back to the default Eigen-based implementation if present.\n")  # mixed_float16
    assert not is_chatter("E0000 00:00:1795802507.163020    6517 session.cc:12] Out of memory while allocating\n")
    assert not is_chatter("F0000 00:00:1795802507.163020    6517 check.cc:9] Check failed: x\n")
    assert not is_chatter("Error: something the user must see\n")
    assert is_chatter("[Gloo] Rank 0 is connected to 1 peer ranks. Expected number of connected peer ranks is : 1\n")
    assert not is_chatter("[Gloo] Rank 0 failed to connect\n")


def test_native_stdout_goes_to_stderr_meanwhile_and_python_stdout_is_back_after():
    code = ("import os, sys\nfrom seq2seq.quiet import native_stdout_to_stderr\nprint('before')\n"
            "with native_stdout_to_stderr():\n    os.write(1, b'native\\n')\n    print('python')\nprint('after')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (result.stdout, result.stderr) == ("before\npython\nafter\n", "native\n")


def test_every_module_imports_on_its_own():
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "seq2seq").rglob("*.py")
        if path.name != "__main__.py"
    )
    code = (
        "import importlib, sys\nfailed = []\n"
        f"for name in {modules!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'seq2seq' or m.startswith('seq2seq.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n        importlib.import_module(name)\n"
        "    except Exception as error:\n        failed.append(f'{name}: {type(error).__name__}: {error}')\n"
        "print('FAILED', failed)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert "FAILED []" in result.stdout, result.stdout + result.stderr[-2000:]
    assert len(modules) > 40


def test_a_decoding_command_gives_each_operation_its_share_of_the_cores(translator_dir):
    """translate, evaluate and chat set TensorFlow's threads per operation to CPUs // workers before
    the model loads; the user's TF_NUM_INTRAOP_THREADS wins, and once TensorFlow runs nothing changes."""
    code = f"""
import json, os
from pathlib import Path
from seq2seq.decoding.translator import decoding_threads
os.environ["TF_NUM_INTRAOP_THREADS"] = "3"
users = decoding_threads()
del os.environ["TF_NUM_INTRAOP_THREADS"]
from seq2seq.cli.translate import load_translator
translator, _ = load_translator(Path({str(translator_dir)!r}))
translator.translate(["abc"])
import tensorflow as tf
print(json.dumps([users, tf.config.threading.get_intra_op_parallelism_threads(), decoding_threads(workers=1),
                  len(os.sched_getaffinity(0))]))
"""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_NUM_INTRAOP_THREADS", "KERAS_BACKEND")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    users, threads, after_start, cpus = json.loads(result.stdout.strip().splitlines()[-1])
    assert users is None
    assert threads == max(1, cpus // 2)  # two batches in flight (DECODE_WORKERS)
    assert after_start is None


# --- train as a user runs it -----------------------------------------------------------------------


def test_train_defaults_are_the_shipped_translators_recipe():
    import dataclasses

    from seq2seq.cli.train import train
    from seq2seq.model.config import ModelConfig
    from seq2seq.training.config import TrainingConfig

    config = json.loads((ROOT / "checkpoints" / "multi30k-de-en" / "config.json").read_text())
    # (a flag's default is False; click 8.5 reports it as unset)
    defaults = {param.name: (False if getattr(param, "is_flag", False) and not isinstance(param.default, bool) else param.default)
                for param in train.params}
    defaults["epochs"] = TrainingConfig.epochs  # None on the command line: a resumed run keeps its own
    recipe = {**config["model"], **config["training"]}
    for name, value in recipe.items():
        if name in defaults and name not in ("source_vocab_size", "target_vocab_size"):
            assert defaults[name] == value, f"--{name.replace('_', '-')}: default {defaults[name]!r}, shipped {value!r}"
    # ... and the library's own defaults, for a script that builds the configs itself
    # (schedule_epochs came after the shipped model; its 0 means "epochs", as that run had)
    assert {**dataclasses.asdict(TrainingConfig()), "schedule_epochs": None} == {**config["training"], "schedule_epochs": None}
    vocabs = {"source_vocab_size": 8000, "target_vocab_size": 8000}
    assert dataclasses.asdict(ModelConfig(**vocabs)) == config["model"]
    assert {"cell", "units", "dropout", "lr", "epochs", "seed", "vocab_size", "batch_size"} <= set(defaults)
    from seq2seq.cli.train import MODEL_KEYS

    assert set(MODEL_KEYS) <= set(defaults)  # every model field but the vocabularies is an option


def test_train_into_a_log_file_writes_one_line_per_epoch(tmp_path):
    corpus = write_tsv(tmp_path / "reverse.tsv", reverse_pairs(200, seed=4))
    options = [o for o in TINY if o != "--quiet"]
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", tmp_path / "run", "--epochs", "2", *options)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:2]] == [["epoch", "1"], ["epoch", "2"]]
    assert len(lines) == 3 and lines[2].startswith("best epoch")
    assert "\x1b" not in result.output and "━" not in result.output


def test_only_one_decoding_method(translator_dir):
    result = invoke("translate", "--checkpoint", translator_dir, "--greedy", "--beam", "3", "a")
    assert result.exit_code == 2 and "choose one of --greedy, --beam N and --sample" in result.output


def test_equal_sources_sample_differently_without_a_seed(translator_dir):
    from seq2seq.decoding import load_translator
    from seq2seq.decoding import DecodingOptions

    translator, _ = load_translator(translator_dir)
    outputs = translator.translate(["a b c d e f"] * 16, DecodingOptions(method="sample", temperature=2.0))
    assert len({output.text for output in outputs}) > 1


def test_native_chatter_filter_forwards_lines_after_dropped_ones():
    import io
    import os as os_module

    from seq2seq import quiet

    read_end, write_end = os_module.pipe()
    captured_read, captured_write = os_module.pipe()
    lines = [b"I0000 00:00:1795802503.526127    6517 cpu_feature_guard.cc:210] This TensorFlow binary is optimized\n",
             b"To enable the following instructions: AVX2 FMA, rebuild TensorFlow.\n",
             b"terminate called after throwing an instance of 'std::bad_alloc'\n"]
    os_module.write(write_end, b"".join(lines))
    os_module.close(write_end)
    quiet._forward(read_end, captured_write)
    os_module.close(captured_write)
    with io.open(captured_read, "rb") as stream:
        assert stream.read() == lines[2]


def test_train_logs_our_progress_but_not_other_libraries_info(monkeypatch, capsys):
    import logging

    from seq2seq.cli import show_logs

    root, ours = logging.getLogger(), logging.getLogger("seq2seq")
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setattr(ours, "level", ours.level)
    show_logs(logging.INFO)  # as train does
    show_logs(logging.INFO)  # (one handler, however often)
    assert logging.getLogger("seq2seq.training.trainer").isEnabledFor(logging.INFO)
    # JAX's "Unable to initialize backend 'tpu'" is INFO on its logger: it must not print
    assert not logging.getLogger("jax._src.xla_bridge").isEnabledFor(logging.INFO)
    assert logging.getLogger("jax._src.xla_bridge").isEnabledFor(logging.WARNING)
    logging.getLogger("seq2seq.training.trainer").info("epoch 1")
    logging.getLogger("seq2seq.training.trainer").warning("--vocab-size 99 is more than the text supports")
    logging.getLogger("jax").warning("a library's warning")
    assert capsys.readouterr().err == (
        "epoch 1\nWarning: --vocab-size 99 is more than the text supports\nWarning: a library's warning\n"
    )


def test_beam_search_has_the_chosen_length_penalty_in_every_command():
    """Chat's ``--beam N`` (terminal and page) gets the alpha chosen for translation, not another."""
    import click

    from seq2seq.cli.decoding import decoding_options
    from seq2seq.decoding.options import CHAT_DEFAULTS, TRANSLATION_DEFAULTS
    from seq2seq.ui import respond

    @click.command()
    @decoding_options(CHAT_DEFAULTS)
    def show(decoding):
        click.echo(decoding.describe())

    assert TRANSLATION_DEFAULTS.describe() == "beam 5, alpha 1"
    assert CliRunner().invoke(show, ["--beam", "5"]).output == "beam 5, alpha 1, no_repeat_ngram 3, min_len 2\n"
    page = respond.decoding_options(respond.CHAT_DEFAULTS, "beam search", 1.0, 0, 1.0, 5)
    assert page.alpha == TRANSLATION_DEFAULTS.alpha == 1.0


def test_chat_defaults_rank_samples_only_when_sampling():
    """The chat default draws 4 samples and keeps the likeliest; choosing greedy or beam search
    drops the ranking rather than refusing the defaults' ``samples``, while ``--samples`` given
    beside another method is still refused."""
    import click

    from seq2seq.cli.decoding import decoding_options
    from seq2seq.decoding.options import CHAT_DEFAULTS

    @click.command()
    @decoding_options(CHAT_DEFAULTS)
    def show(decoding):
        click.echo(f"{decoding.method} {decoding.samples}")

    assert CHAT_DEFAULTS.samples == 4
    assert CliRunner().invoke(show, []).output == "sample 4\n"
    assert CliRunner().invoke(show, ["--samples", "2"]).output == "sample 2\n"
    assert CliRunner().invoke(show, ["--greedy"]).output == "greedy 1\n"
    assert CliRunner().invoke(show, ["--beam", "3"]).output == "beam 1\n"
    refused = CliRunner().invoke(show, ["--beam", "3", "--samples", "2"])
    assert refused.exit_code == 2 and "--samples applies to sampling (--sample) only" in refused.output


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow", reason="TensorFlow's own warning")
def test_trying_many_decoding_settings_warns_of_no_retracing(translator_dir):
    # Each setting is compiled once; TensorFlow counts them together, per Python function, and
    # warned "5 out of the last 5 calls ... triggered tf.function retracing" at the sixth.
    import logging

    from seq2seq.decoding import load_translator
    from seq2seq.decoding import DecodingOptions

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("tensorflow")
    logger.addHandler(handler)
    try:
        translator, _ = load_translator(translator_dir)
        settings = [DecodingOptions(method="beam", beam=width) for width in (2, 3, 4, 5, 6, 7)]
        settings += [DecodingOptions(method="sample", top_k=k, seed=0) for k in (0, 8, 16)]
        outputs = [translator.translate(["a b c"], options)[0].text for options in settings]
    finally:
        logger.removeHandler(handler)
    assert len(translator._compiled) == len(outputs) == len(settings)  # nine settings, nine compilations
    assert [record.getMessage() for record in records if record.levelno >= logging.WARNING] == []


def test_beam_one_takes_alpha_as_any_beam_width_does(translator_dir):
    """A beam-width sweep starts at --beam 1 (greedy decoding) with the same --alpha."""
    result = invoke("translate", "--checkpoint", translator_dir, "--beam", "1", "--alpha", "0.6", "a b c")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 1, result.output
