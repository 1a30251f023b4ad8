"""``seq2seq train``, ``translate`` and ``evaluate`` through click's CliRunner: errors are one line."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from toy_tasks import reverse_pairs, write_tsv

from seq2seq import __version__
from seq2seq.cli import main
from seq2seq.corpora import load_pairs

TINY = ["--units", "8", "--embed", "8", "--attention-units", "8", "--vocab-size", "24", "--bleu-sample", "0", "--quiet"]


def invoke(*args: str):
    return CliRunner().invoke(main, [str(arg) for arg in args], prog_name="seq2seq")


def assert_one_line_error(result, *fragments: str, exit_code: int = 1) -> str:
    """The command failed with ``exit_code`` and said so in one ``Error:`` line naming ``fragments``."""
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_tsv(tmp_path_factory.mktemp("corpus") / "reverse.tsv", reverse_pairs(300, seed=1))


@pytest.fixture(scope="module")
def trained(tmp_path_factory, corpus):
    """A checkpoint folder trained for one epoch by ``seq2seq train`` (and that command's result)."""
    out = tmp_path_factory.mktemp("run") / "model"
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", out, "--epochs", "1", *TINY)
    return out, result


# --- the group ------------------------------------------------------------------------------------


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output == f"seq2seq, version {__version__}\n"


def test_short_help_lists_the_commands():
    result = invoke("-h")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")
    commands = result.output.split("Commands:")[1].split()
    for name in ("train", "translate", "evaluate", "corpora"):
        assert name in commands
    assert invoke("--help").output == result.output


# --- one-line errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (("translate", "--beam", "-1", "x"), "Invalid value for '--beam': -1 is not in the range x>=1. See 'seq2seq translate --help'."),
    (("--bogus",), "No such option '--bogus'. See 'seq2seq --help'."),
    (("nope",), "No such command 'nope'. See 'seq2seq --help'."),
    (("corpora", "show"), "Missing argument 'SPEC'. See 'seq2seq corpora show --help'."),
    (("translate", "--beam"), "Option '--beam' requires an argument. See 'seq2seq --help'."),
])
def test_usage_errors_are_one_line_too(args, message):
    assert assert_one_line_error(invoke(*args), exit_code=2) == f"Error: {message}"


def test_translate_with_a_missing_checkpoint_folder(tmp_path):
    missing = tmp_path / "nowhere"
    result = invoke("translate", "--checkpoint", missing, "a b c")
    assert_one_line_error(result, str(missing), "no such checkpoint folder")


def test_translate_with_a_folder_lacking_model_keras(tmp_path, trained):
    shutil.copy(trained[0] / "config.json", tmp_path / "config.json")
    result = invoke("translate", "--checkpoint", tmp_path, "a b c")
    assert_one_line_error(result, str(tmp_path / "model.keras"), "missing")


@pytest.mark.parametrize("damage, file, message", [
    (lambda c: [], "config.json", 'not a checkpoint config (no "model" section)'),
    (lambda c: {k: v for k, v in c.items() if k != "model"}, "config.json", 'no "model" section'),
    (lambda c: {**c, "training": 3}, "config.json", 'the "training" section is not an object'),
    (lambda c: {**c, "model": {**c["model"], "units": "big"}}, "config.json", "units must be a positive integer"),
    (lambda c: {**c, "model": {**c["model"], "colour": "red"}}, "config.json", "unknown model config keys: colour"),
    (lambda c: {**c, "data": {"context_turns": "two"}}, "config.json", 'data.context_turns must be a whole number of at least 1, not "two"'),
    (lambda c: {**c, "data": {"context_turns": 0}}, "config.json", "data.context_turns must be a whole number"),
    (lambda c: {**c, "training": {**c["training"], "max_pieces": "abc"}}, "config.json", "max_pieces must be a whole number; got 'abc'"),
    (lambda c: {**c, "training": {**c["training"], "max_pieces": -1}}, "config.json", "max_pieces must be at least 1; got -1"),
    (b"PK\x03\x04 cut short", "model.keras", "not a Keras model file"),
    (b"garbage", "tokenizer.model", "not a SentencePiece model"),
])
def test_a_damaged_checkpoint_file_is_one_line_naming_it(tmp_path, trained, damage, file, message):
    folder = tmp_path / "damaged"
    shutil.copytree(trained[0], folder)
    if isinstance(damage, bytes):
        (folder / file).write_bytes(damage)
    else:
        config = json.loads((folder / "config.json").read_text())
        (folder / "config.json").write_text(json.dumps(damage(config)))
    for command in (("translate", "--checkpoint", folder, "a b c"), ("train", "--corpus", "tsv:x.tsv", "--out", folder,
                                                                     "--resume")):
        if command[0] == "train" and file != "config.json":
            continue
        assert_one_line_error(invoke(*command), str(folder / file), message)


def test_a_training_key_of_a_later_version_decodes_but_does_not_resume(tmp_path, trained):
    folder = tmp_path / "later"
    shutil.copytree(trained[0], folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "training": {**config["training"], "new_option": 1}}))
    assert invoke("translate", "--checkpoint", folder, "a b c").exit_code == 0
    assert_one_line_error(invoke("train", "--corpus", "tsv:x.tsv", "--out", folder, "--resume"),
                          str(folder / "config.json"), "unknown training config keys: new_option")


def test_a_tokenizer_from_another_run_is_refused(tmp_path, trained):
    """Of another size, its piece ids would fall outside the model's embeddings (a traceback from
    SentencePiece) or inside them, meaning other pieces (garbage, exit 0)."""
    from pathlib import Path

    folder = tmp_path / "mixed"
    shutil.copytree(trained[0], folder)
    shutil.copy(Path(__file__).parents[1] / "checkpoints" / "multi30k-de-en" / "tokenizer.model", folder / "tokenizer.model")
    for command in (("translate", "--checkpoint", folder, "a b c"), ("train", "--corpus", "tsv:x.tsv", "--out", folder,
                                                                     "--resume", "--epochs", "2")):
        assert_one_line_error(invoke(*command), f"{folder}: the source tokenizer has 8,000 pieces, but the model was "
                                                "trained on 24 (config.json): it belongs to another model")


def test_translate_with_a_folder_lacking_config_json(tmp_path):
    result = invoke("translate", "--checkpoint", tmp_path, "a b c")
    assert_one_line_error(result, f"{tmp_path}: not a checkpoint folder (no config.json)")


def test_train_refuses_a_folder_holding_a_run_without_resume(tmp_path, corpus):
    out = tmp_path / "model"
    out.mkdir()
    original = b'{"model": {"units": 3},\n "note": "an earlier run"}\n'
    (out / "config.json").write_bytes(original)
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", out, "--epochs", "1", *TINY)
    assert_one_line_error(result, str(out), "--resume")
    assert (out / "config.json").read_bytes() == original
    assert [path.name for path in out.iterdir()] == ["config.json"]  # nothing else written


def test_train_refuses_a_folder_of_other_files(tmp_path, corpus):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "curves.png").write_bytes(b"my own picture")
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", out, "--epochs", "1", *TINY)
    assert_one_line_error(result, str(out), "holds other files, not a training run")
    assert [p.name for p in out.iterdir()] == ["curves.png"] and (out / "curves.png").read_bytes() == b"my own picture"


def test_a_run_that_fails_before_training_leaves_nothing_behind(tmp_path, corpus):
    few = write_tsv(tmp_path / "few.tsv", reverse_pairs(3, seed=1))  # every pair in train: no validation
    out = tmp_path / "run"
    result = invoke("train", "--corpus", f"tsv:{few}", "--out", tmp_path / "new" / "deep" / "run", "--epochs", "1",
                    *TINY)
    assert_one_line_error(result, f"the validation split of tsv:{few} is empty", "give it thousands", "tsv:DIR")
    assert not (tmp_path / "new").exists()  # the tokenizer and config it wrote are gone, and the folders it made
    out.mkdir()  # an empty folder of the user's stays
    assert_one_line_error(invoke("train", "--corpus", f"tsv:{few}", "--out", out, "--epochs", "1", *TINY), "empty")
    assert out.is_dir() and not any(out.iterdir())
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", out, "--epochs", "1", *TINY)  # no --resume needed
    assert result.exit_code == 0, result.output


def test_resume_of_a_folder_without_a_run_is_one_line(tmp_path, corpus):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", empty, "--resume", *TINY)
    assert_one_line_error(result, f"{empty} holds no training run to resume (no config.json)")
    assert not any(empty.iterdir())


def test_a_vocabulary_smaller_than_asked_is_said(tmp_path, corpus, caplog):
    args = ["train", "--corpus", f"tsv:{corpus}", "--out", tmp_path / "run", "--epochs", "1", *TINY]
    args[args.index("--vocab-size") + 1] = "500"
    with caplog.at_level("WARNING", logger="seq2seq"):
        assert invoke(*args).exit_code == 0
    pieces = json.loads((tmp_path / "run" / "config.json").read_text())["model"]["source_vocab_size"]
    assert pieces < 500 and f"--vocab-size 500 is more than the training text supports: the vocabulary has {pieces} pieces" in caplog.text


def test_your_own_split_in_a_folder_and_a_warning_for_a_small_validation_split(tmp_path, caplog):
    """``tsv:DIR`` trains on train.tsv and picks the epoch on dev.tsv, however few: 12 pairs, said."""
    pairs = reverse_pairs(312, seed=4)
    write_tsv(tmp_path / "train.tsv", pairs[:300])
    write_tsv(tmp_path / "dev.tsv", pairs[300:])
    with caplog.at_level("WARNING", logger="seq2seq"):
        result = invoke("train", "--corpus", f"tsv:{tmp_path}", "--out", tmp_path / "run", "--epochs", "1", *TINY)
    assert result.exit_code == 0, result.output
    assert ("the validation split has only 12 pairs: the best epoch is chosen on them, by chance as much as by "
            "merit; put more pairs in the valid file of your split") in caplog.text  # dev.tsv's, not "give your own split"


def test_a_max_len_that_leaves_no_training_pair_says_so(tmp_path):
    long = write_tsv(tmp_path / "long.tsv", [(f"a b c {i}", f"x y z {i}") for i in range(300)])
    result = invoke("train", "--corpus", f"tsv:{long}", "--out", tmp_path / "run", "--max-len", "2", *TINY)
    assert result.exit_code == 1 and "Traceback" not in result.output
    too_long = load_pairs([f"tsv:{long}"], split="train", max_len=2)
    assert not list(too_long)
    assert result.stderr.splitlines()[-1] == (f"Error: no training pair is left: all {too_long.stats.too_long} of "
                                              f"tsv:{long} are longer than --max-len 2 words on a side")
    assert not (tmp_path / "run").exists()  # a failed start leaves nothing


def test_the_advice_for_more_validation_pairs_fits_the_corpus(tmp_path):
    from seq2seq.training.trainer import more_validation_advice

    assert more_validation_advice([f"jsonl:{tmp_path / 'talk.jsonl'}"]).endswith(
        "a folder with train.jsonl, valid.jsonl and test.jsonl (jsonl:DIR)")
    assert more_validation_advice([f"tsv:{tmp_path / 'pairs.tsv'}", "chitchat"]).endswith("(tsv:DIR)")
    assert more_validation_advice([f"tsv:{tmp_path}"]) == "put more pairs in the valid file of your split"


def test_ctrl_c_says_how_to_go_on_and_exits_130(trained, corpus, tmp_path, monkeypatch):
    import seq2seq.training

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(seq2seq.training, "train", interrupted)
    out = tmp_path / "my run"
    shutil.copytree(trained[0], out)
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", out, "--resume")
    assert result.exit_code == 130
    command = f"seq2seq train --resume --corpus tsv:{corpus} --out '{out}'"
    assert result.stderr == f"\nInterrupted after epoch 1: {command} goes on from there\n"
    shutil.rmtree(out / "backup")  # config and tokenizer written, no epoch done
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", out, "--resume")
    assert result.stderr == f"\nInterrupted in the first epoch: {command} starts it again\n"
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", tmp_path / "new")
    assert result.exit_code == 130 and result.stderr == "\nInterrupted before training began\n"


@pytest.fixture(scope="module")
def tied_mismatch(tmp_path_factory, corpus):
    out = tmp_path_factory.mktemp("tied") / "model"
    args = ["train", "--corpus", f"tsv:{corpus}", "--out", out, "--epochs", "1", *TINY]
    args[args.index("--embed") + 1] = "6"
    return out, invoke(*args, "--tie-embeddings")


def test_train_tie_embeddings_needs_embed_equal_to_units(tied_mismatch):
    out, result = tied_mismatch
    assert_one_line_error(result, "tie_embeddings (--tie-embeddings) needs embed == units", "embed=6", "units=8")
    assert not (out / "config.json").exists()


def test_train_config_error_writes_nothing(tied_mismatch):
    out, _ = tied_mismatch
    assert not out.exists() or not any(out.iterdir())


def test_evaluate_with_an_unknown_corpus_spec(trained):
    out, _ = trained
    result = invoke("evaluate", "--checkpoint", out, "--corpus", "wmt99:xx-yy")
    assert_one_line_error(result, "unknown corpus", "'wmt99:xx-yy'")


def test_translate_refuses_a_bad_option_value(trained):
    out, _ = trained
    result = invoke("translate", "--checkpoint", out, "--batch-size", "0", "a b c")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--batch-size" in result.output


# --- the happy path -------------------------------------------------------------------------------


def test_train_writes_a_checkpoint(trained, corpus):
    out, result = trained
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("epoch 1  loss ") and "val_loss" in lines[0]
    assert lines[-1].startswith("best epoch 1  loss ") and lines[-1].endswith(f"-> {out}")
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["model"]["units"] == 8 and config["model"]["embed"] == 8
    assert config["model"]["attention_units"] == 8
    assert config["training"]["epochs"] == 1 and config["training"]["vocab_size"] == 24
    assert config["data"]["corpora"] == [f"tsv:{corpus}"]
    assert (out / "model.keras").is_file()


def test_translate_arguments_print_one_line_each(trained):
    out, _ = trained
    result = invoke("translate", "--checkpoint", out, "a b c")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("\n") and result.output.count("\n") == 1
    two = invoke("translate", "--checkpoint", out, "a b c", "d e")
    assert two.exit_code == 0 and two.output.count("\n") == 2
    assert two.output.splitlines()[0] == result.output.rstrip("\n")  # the same sentence, the same output


def test_translate_file_writes_one_line_per_input_line(trained, tmp_path):
    out, _ = trained
    sources = ["a b c", "p o n m l", "", "c", "a a a a a a a a"]
    input_file = tmp_path / "in.txt"
    input_file.write_text("".join(line + "\n" for line in sources), encoding="utf-8")
    output_file = tmp_path / "out.txt"
    result = invoke("translate", "--checkpoint", out, "--input", input_file, "--output", output_file)
    assert result.exit_code == 0, result.output
    assert result.output == ""
    written = output_file.read_text(encoding="utf-8")
    assert written.count("\n") == len(sources) and written.endswith("\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.txt", "out.txt"]  # no temporary left
    # Translations keep the input order: each line equals the sentence translated alone.
    alone = invoke("translate", "--checkpoint", out, sources[1])
    assert written.splitlines()[1] == alone.output.rstrip("\n")


def test_evaluate_json(trained, tmp_path):
    out, _ = trained
    pairs = reverse_pairs(7, seed=3)
    test_file = write_tsv(tmp_path / "test.tsv", pairs)
    result = invoke("evaluate", "--checkpoint", out, "--corpus", f"tsv:{test_file}", "--split", "all", "--json")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1
    assert result.stderr == "Warning: a score on only 7 pair(s) is unreliable: each sentence moves BLEU by points\n"
    scores = json.loads(result.stdout)
    assert {"bleu", "chrf", "perplexity", "pairs", "signature"} <= set(scores)
    assert scores["pairs"] == len(pairs)
    assert 0.0 <= scores["bleu"] <= 100.0 and 0.0 <= scores["chrf"] <= 100.0
    assert 1.0 < scores["perplexity"] < 100.0  # one epoch: near uniform over 24 pieces
    limited = json.loads(
        invoke("evaluate", "--checkpoint", out, "--corpus", f"tsv:{test_file}", "--split", "all", "--json",
               "--limit", "3").output
    )
    assert limited["pairs"] == 3



def test_evaluate_scores_a_file_of_yours_whole_and_the_training_file_on_its_test_split(trained, corpus, tmp_path):
    out, _ = trained

    def pairs_scored(spec, *extra):
        result = invoke("evaluate", "--checkpoint", out, "--corpus", spec, "--json", "--greedy", *extra)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["pairs"], result.stderr

    mine = write_tsv(tmp_path / "mine.tsv", reverse_pairs(300, seed=5))
    assert pairs_scored(f"tsv:{mine}") == (300, f"Scoring every pair of tsv:{mine}, which this model never "
                                               "trained on (--split test: its test split only)\n")
    test_split = len(list(load_pairs([f"tsv:{mine}"], split="test")))
    few_warning = (f"Warning: a score on only {test_split} pair(s) is unreliable: each sentence moves BLEU by "
                   "points (--split all: every pair of your file)\n")
    assert 0 < test_split < 20 and pairs_scored(f"tsv:{mine}", "--split", "test") == (test_split, few_warning)
    few = write_tsv(tmp_path / "few.tsv", reverse_pairs(300, seed=5)[:3])
    assert not list(load_pairs([f"tsv:{few}"], split="test"))
    assert_one_line_error(invoke("evaluate", "--checkpoint", out, "--corpus", f"tsv:{few}", "--split", "test"),
                          f"no pairs in split 'test' of tsv:{few}: about 1 pair in 100 of a file of yours is in "
                          "the test split (--split all: every pair)")
    # The file it trained on, even when named by another path or copied elsewhere: its test split.
    training_test = len(list(load_pairs([f"tsv:{corpus}"], split="test")))
    copied = shutil.copy(corpus, tmp_path / corpus.name)
    for spec in (f"tsv:{corpus}", f"tsv:{corpus.parent}/../{corpus.parent.name}/{corpus.name}", f"tsv:{copied}"):
        assert pairs_scored(spec) == (training_test, f"Scoring the test split of {spec} only: this model trained on "
                                                     "the rest (--split all: every pair, training pairs included)\n"
                                                     f"Warning: a score on only {training_test} pair(s) is unreliable: "
                                                     "each sentence moves BLEU by points\n")
    # Training pairs in a file of another name: scored whole, and said
    part = write_tsv(tmp_path / "part.tsv", list(load_pairs([f"tsv:{corpus}"]))[:10] + reverse_pairs(5, seed=6))
    assert pairs_scored(f"tsv:{part}") == (15, f"Warning: 10 of the 15 pairs of tsv:{part} are training pairs of "
                                               "this model: its score on them is partly memory\n"
                                               "Warning: a score on only 15 pair(s) is unreliable: each sentence "
                                               "moves BLEU by points\n")  # (already every pair)


def test_evaluate_says_when_it_could_not_check_a_file_for_training_pairs(trained, tmp_path):
    out = tmp_path / "model"
    shutil.copytree(trained[0], out)
    config = json.loads((out / "config.json").read_text())
    config["data"]["corpora"] = [f"tsv:{tmp_path / 'gone' / 'train.tsv'}"]  # moved or deleted since
    (out / "config.json").write_text(json.dumps(config))
    mine = write_tsv(tmp_path / "mine.tsv", reverse_pairs(120, seed=8))
    result = invoke("evaluate", "--checkpoint", out, "--corpus", f"tsv:{mine}", "--json", "--greedy")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pairs"] == 120
    assert result.stderr == (f"Scoring every pair of tsv:{mine}; this model's training data could not be read again "
                             "to check that none is a training pair (--split test: its test split only)\n")


def test_train_offers_no_split_and_evaluate_no_length_filter():
    assert "--split" not in invoke("train", "--help").output and "--max-len" in invoke("train", "--help").output
    assert "--max-len" not in invoke("evaluate", "--help").output and "--split" in invoke("evaluate", "--help").output


def test_evaluate_builds_dialogue_sources_with_the_checkpoints_context_turns(trained, tmp_path):
    """A chat model trained on two turns of context is scored on two turns unless told otherwise."""
    out = tmp_path / "chat"
    shutil.copytree(trained[0], out)
    config = json.loads((out / "config.json").read_text())
    config["data"]["context_turns"] = 2
    (out / "config.json").write_text(json.dumps(config))
    dialogue = tmp_path / "dialogue.jsonl"
    dialogue.write_text(json.dumps({"messages": ["a b c", "c b a", "b c", "c b"]}) + "\n")

    def perplexity(*extra):
        result = invoke("evaluate", "--checkpoint", out, "--corpus", f"jsonl:{dialogue}", "--split", "all",
                        "--json", "--greedy", *extra)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["perplexity"]

    assert perplexity() == perplexity("--context-turns", "2") != perplexity("--context-turns", "1")

def test_tensorboard_without_its_package_is_one_line_before_any_file(tmp_path, corpus, monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "tensorboard" else find_spec(name, *rest))
    out = tmp_path / "run"
    result = invoke("train", "--corpus", f"tsv:{corpus}", "--out", out, "--epochs", "1", "--tensorboard", *TINY)
    assert_one_line_error(result, "--tensorboard needs the tensorboard package")
    assert not out.exists()


def test_resume_keeps_the_runs_data_settings_and_says_when_the_corpus_differs(tmp_path, trained, corpus, caplog):
    """``--resume`` keeps config.json's context turns and length limit (--max-len 2 here would
    drop nearly every pair); ``--corpus`` may name the data at a new path, with one line."""
    out = tmp_path / "model"
    shutil.copytree(trained[0], out)
    moved = shutil.copy(corpus, tmp_path / "moved.tsv")
    with caplog.at_level("WARNING", logger="seq2seq"):
        result = invoke("train", "--corpus", f"tsv:{moved}", "--out", out, "--resume", "--epochs", "2",
                        "--max-len", "2", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Warning: --resume keeps the run's own settings (config.json): --max-len ignored\n")
    result = invoke("train", "--corpus", f"tsv:{moved}", "--out", out, "--resume", "--no-bidirectional",
                    "--units", "9", "--epochs", "2", "--quiet")
    assert result.stderr.startswith("Warning: --resume keeps the run's own settings (config.json): --units "
                                    "--no-bidirectional ignored\n")
    assert f"training goes on with --corpus tsv:{moved}; the run began on tsv:{corpus}" in caplog.text
    assert [record["epoch"] for record in json.loads((out / "history.json").read_text())] == [1, 2]


@pytest.mark.parametrize("args", [
    ("train", "--corpus", "tsv:x.tsv", "--out", ""),
    ("lab", "memory", "--out", ""),
    ("translate", "--output", "", "x"),
    ("evaluate", "--corpus", "tsv:x.tsv", "--checkpoint", ""),
])
def test_an_empty_path_is_a_usage_error_not_the_current_folder(args):
    """``--out "$DIR"`` with DIR unset must not write into the current folder."""
    option = args[args.index("") - 1]
    assert_one_line_error(invoke(*args), f"Invalid value for '{option}': an empty path", exit_code=2)
