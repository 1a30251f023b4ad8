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


# The SGD check of the data-parallel loss: every batch's first half holds long targets and its
# second half short ones, so two replicas see 20 and 2 real target tokens.
UNEQUAL_VOCAB = 12
UNEQUAL_ROWS = 4  # rows per batch: 2 per replica
UNEQUAL_LENGTHS = (10, 10, 1, 1)  # target tokens of each row (the rest is padding)
UNEQUAL_STEPS = 3
UNEQUAL_MODEL = dict(cell="gru", attention="none", bidirectional=False, units=8, embed=8, dropout=0.0)


def unequal_batches(seed: int = 7):
    """``UNEQUAL_STEPS`` batches ``((source, decoder_input), target, weights)`` with unequal rows.

    Shapes ``(4, 8)`` source, ``(4, 10)`` decoder input, target and weights; id 0 is padding
    (weight 0). A ``keras.utils.PyDataset``, as ``fit_input`` takes.
    """
    import keras
    import numpy as np

    rng = np.random.default_rng(seed)
    width = max(UNEQUAL_LENGTHS)
    batches = []
    for _ in range(UNEQUAL_STEPS):
        source = np.zeros((UNEQUAL_ROWS, 8), dtype="int32")
        target = np.zeros((UNEQUAL_ROWS, width), dtype="int32")
        for row, length in enumerate(UNEQUAL_LENGTHS):
            source[row, : min(length, 8)] = rng.integers(4, UNEQUAL_VOCAB, min(length, 8))
            target[row, :length] = rng.integers(4, UNEQUAL_VOCAB, length)
        decoder_input = np.concatenate([np.full((UNEQUAL_ROWS, 1), 2, "int32"), target[:, :-1]], axis=1)
        decoder_input[target == 0] = 0
        batches.append(((source, decoder_input), target, (target != 0).astype("float32")))

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return len(batches)

        def __getitem__(self, index):
            return batches[index]

    return Batches()


def unequal_sgd_run(out: Path, devices=None, seed: int = 5) -> None:
    """A few SGD steps on ``unequal_batches`` inside ``data_parallel(devices)``; writes ``out`` (.npz).

    The file holds ``losses`` (the logged loss after each step) and ``weight_0``, ``weight_1``, ...
    Multi-worker runs follow the backend's variables, as ``train`` does.
    """
    import keras
    import numpy as np

    from seq2seq.model import ModelConfig, Seq2Seq
    from seq2seq.training.data import fit_input
    from seq2seq.training.distribution import data_parallel
    from seq2seq.training.loss import MaskedCrossEntropy

    keras.utils.set_random_seed(seed)
    batches = unequal_batches()
    losses = []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: losses.append(float(logs["loss"])))
    with data_parallel(devices) as placement:
        config = ModelConfig(source_vocab_size=UNEQUAL_VOCAB, target_vocab_size=UNEQUAL_VOCAB, **UNEQUAL_MODEL)
        model = Seq2Seq(config)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=MaskedCrossEntropy(label_smoothing=0.1))
        model.fit(
            fit_input(batches, placement),
            epochs=1,
            steps_per_epoch=len(batches),
            callbacks=[record],
            shuffle=False,
            verbose=0,
        )
    weights = {f"weight_{index}": array for index, array in enumerate(model.get_weights())}
    np.savez(out, losses=np.array(losses), **weights)


def compare_unequal_runs(one: Path, many: Path) -> tuple[float, float]:
    """``(largest relative loss difference, largest weight difference)`` of two ``unequal_sgd_run``s."""
    import numpy as np

    a, b = np.load(one), np.load(many)
    assert len(a["losses"]) == len(b["losses"]) == UNEQUAL_STEPS, (a["losses"], b["losses"])
    loss = float(np.max(np.abs(a["losses"] - b["losses"]) / np.abs(a["losses"])))
    names = sorted(name for name in a.files if name.startswith("weight_"))
    assert names and names == sorted(name for name in b.files if name.startswith("weight_"))
    weight = max(float(np.max(np.abs(a[name] - b[name]))) for name in names)
    return loss, weight
