"""End to end: a toy reverse task learned on the CPU, checkpoints, translate and evaluate."""

from __future__ import annotations

import json

import numpy as np
import pytest
from toy_tasks import reverse_pairs, write_tsv

from seq2seq.checkpoint import load_checkpoint
from seq2seq.corpora import CorpusSelection
from seq2seq.decoding import translate
from seq2seq.training import TrainingConfig, train

pytestmark = pytest.mark.slow


def selection(path) -> CorpusSelection:
    return CorpusSelection(
        specs=(f"tsv:{path}",), data_dir=None, context_turns=1, split="train", skip_bad_lines=False, max_len=None
    )


TOY_MODEL = dict(units=64, embed=32, attention_units=32, dropout=0.0, bidirectional=True)
TOY_TRAINING = dict(
    epochs=6, batch_size=32, lr=0.01, warmup_steps=20, vocab_size=24, label_smoothing=0.0, bleu_sample=0, seed=0
)


@pytest.mark.parametrize("cell, attention", [("lstm", "bahdanau"), ("gru", "luong")])
def test_learns_to_reverse_strings(tmp_path, cell, attention):
    pairs = reverse_pairs(2400, seed=1)
    corpus = write_tsv(tmp_path / "reverse.tsv", pairs)
    held_out = [pair for pair in reverse_pairs(200, seed=2) if pair not in set(pairs)]
    out = tmp_path / "model"
    train(
        out,
        selection(corpus),
        model_options=dict(cell=cell, attention=attention, **TOY_MODEL),
        training=TrainingConfig(**TOY_TRAINING),
        verbose=0,
    )
    loaded = load_checkpoint(out)
    hypotheses = translate(loaded.model, loaded.tokenizer, [source for source, _ in held_out])
    exact = np.mean([hypothesis == target for hypothesis, (_, target) in zip(hypotheses, held_out)])
    assert exact >= 0.95, f"{cell}/{attention}: exact match {exact:.2%}"
    history = json.loads((out / "history.json").read_text())
    assert [h["epoch"] for h in history] == list(range(1, TOY_TRAINING["epochs"] + 1))
    assert history[-1]["val_loss"] < history[0]["val_loss"]
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_on_a_terminal_the_epoch_summary_follows_the_finished_progress_bar(tmp_path, capsys):
    # Keras's bar (verbose 1) and the CLI's one line per epoch (on_epoch) share the terminal: the
    # summary once landed in the middle of the bar's unfinished line.
    corpus = write_tsv(tmp_path / "reverse.tsv", reverse_pairs(200, seed=4))
    tiny = dict(TOY_TRAINING, epochs=2)
    train(tmp_path / "model", selection(corpus), model_options=dict(TOY_MODEL, units=8, embed=8, attention_units=8),
          training=TrainingConfig(**tiny), verbose=1, on_epoch=lambda record: print(f"SUMMARY {record['epoch']}"))
    lines = capsys.readouterr().out.splitlines()
    summaries = [line for line in lines if "SUMMARY" in line]
    assert summaries == ["SUMMARY 1", "SUMMARY 2"], lines
    bars = [i for i, line in enumerate(lines) if "━" in line]
    assert bars and all(lines.index(s) > max(b for b in bars if b < lines.index(s)) for s in summaries)
