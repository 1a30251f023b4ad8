"""Generated toy corpora for end-to-end tests (in the style of Joey NMT's reverse task)."""

from __future__ import annotations

import random
from pathlib import Path

LETTERS = "abcdefghijklmnop"


def reverse_pairs(count: int, seed: int, min_len: int = 3, max_len: int = 8) -> list[tuple[str, str]]:
    """``count`` distinct pairs "a b c" -> "c b a" of random letter strings."""
    rng = random.Random(seed)
    pairs: dict[str, str] = {}
    while len(pairs) < count:
        letters = [rng.choice(LETTERS) for _ in range(rng.randint(min_len, max_len))]
        pairs[" ".join(letters)] = " ".join(reversed(letters))
    return list(pairs.items())


def write_tsv(path: Path, pairs: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{source}\t{target}\n" for source, target in pairs), encoding="utf-8")
    return path


# The model and training settings of the data-parallel and multi-worker runs.
PARALLEL_BATCH = 16
MODEL = dict(cell="lstm", units=16, embed=8, attention_units=8, dropout=0.0)
PARALLEL_TRAINING = dict(epochs=2, batch_size=PARALLEL_BATCH, vocab_size=24, bleu_sample=0, warmup_steps=5, seed=4)


def corpus_selection(work: Path):
    """For the data-parallel runs: the reverse task, trimmed to a whole number of batches.

    Written once into ``work``; returns the ``CorpusSelection`` of its training split.
    """
    from seq2seq.corpora import CorpusSelection
    from seq2seq.corpora import load_pairs

    # Same-length strings and a whole number of batches: each replica sees as many target
    # tokens as the other, so the mean of the replicas' mean losses is the global mean.
    corpus = work / "reverse.tsv"
    if not corpus.exists():
        pairs = reverse_pairs(400, seed=9, min_len=5, max_len=5)
        write_tsv(corpus, pairs)
        train_pairs = list(load_pairs([f"tsv:{corpus}"], split="train"))
        drop = set(train_pairs[: len(train_pairs) % PARALLEL_BATCH])
        write_tsv(corpus, [pair for pair in pairs if pair not in drop])
    return CorpusSelection(
        specs=(f"tsv:{corpus}",), data_dir=None, context_turns=1, split="train", skip_bad_lines=False, max_len=None
    )
