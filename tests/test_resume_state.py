"""What ``--resume`` keeps beyond weights and Adam: the loss scale, the early-stopping count, the schedule.

Each run is interrupted right after an epoch's backup is committed (an exception from a callback
that runs after ``TrainingBackup``, as a kill at that moment would), then resumed in-process.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest
from test_resume import weights
from toy_tasks import reverse_pairs, write_tsv

from seq2seq.corpora import CorpusSelection
from seq2seq.errors import ConfigError
from seq2seq.model import ModelConfig, Seq2Seq
from seq2seq.training import TrainingConfig, train
from seq2seq.training.trainer import compile_model

pytestmark = pytest.mark.slow

MODEL = dict(cell="gru", attention="none", bidirectional=False, units=8, embed=8, dropout=0.0)
SETTINGS = dict(batch_size=32, vocab_size=24, bleu_sample=0, warmup_steps=4, seed=2)


class Interrupted(Exception):
    pass


class InterruptAfter(keras.callbacks.Callback):
    """Raises ``Interrupted`` at the end of epoch ``epochs`` (1-based), after its backup."""

    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epochs:
            raise Interrupted(epoch + 1)


class LearningRates(keras.callbacks.Callback):
    """``rates[s]``: the learning rate Adam applies at optimizer step ``s``."""

    def __init__(self, rates: dict[int, float]):
        super().__init__()
        self.rates = rates

    def on_train_batch_begin(self, batch, logs=None):
        optimizer = self.model.optimizer
        step = int(keras.ops.convert_to_numpy(optimizer.iterations))
        self.rates[step] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = write_tsv(tmp_path_factory.mktemp("corpus") / "reverse.tsv", reverse_pairs(160, seed=4, max_len=6))
    return CorpusSelection(
        specs=(f"tsv:{path}",), data_dir=None, context_turns=1, split="train", skip_bad_lines=False, max_len=None
    )


def interrupted_then_resumed(out, corpus, config: TrainingConfig, after: int, epochs: int | None = None, callbacks=()):
    """Train into ``out``, interrupted after epoch ``after``, then resume (to ``epochs``): history."""
    with pytest.raises(Interrupted):
        interrupt = [*callbacks, InterruptAfter(after)]
        train(out, corpus, model_options=MODEL, training=config, verbose=0, callbacks=interrupt)
    return train(out, corpus, resume=True, epochs=epochs, verbose=0, callbacks=list(callbacks))


def assert_same_run(straight_dir, straight, resumed_dir, resumed):
    assert [h["epoch"] for h in resumed] == [h["epoch"] for h in straight]
    for a, b in zip(straight, resumed):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-6)
        assert b["val_loss"] == pytest.approx(a["val_loss"], rel=1e-6)
    final_straight = weights(straight_dir / "backup" / "latest.weights.h5")
    final_resumed = weights(resumed_dir / "backup" / "latest.weights.h5")
    assert len(final_straight) == len(final_resumed) > 0
    for a, b in zip(final_straight, final_resumed):
        np.testing.assert_array_equal(a, b)


def test_mixed_float16_resume_restores_the_loss_scale(tmp_path, corpus):
    config = TrainingConfig(epochs=2, precision="mixed_float16", **SETTINGS)
    straight = train(tmp_path / "straight", corpus, model_options=MODEL, training=config, verbose=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resumed = interrupted_then_resumed(tmp_path / "resumed", corpus, config, after=1)
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)]
    # The backup holds the LossScaleOptimizer's step_counter and dynamic_scale: with either
    # restarted, the final backups would differ.
    assert_same_run(tmp_path / "straight", straight, tmp_path / "resumed", resumed)


def test_a_compiled_mixed_float16_model_loads_its_loss_scale(tmp_path):
    """``compile_model`` builds the LossScaleOptimizer itself, not only the Adam it wraps."""
    config = ModelConfig(source_vocab_size=12, target_vocab_size=12, **MODEL)
    training = TrainingConfig(precision="mixed_float16", **SETTINGS)
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        saved = Seq2Seq(config)
        compile_model(saved, training, steps_per_epoch=10)
        saved.optimizer.step_counter.assign(7)
        saved.optimizer.dynamic_scale.assign(64.0)
        saved.save_weights(tmp_path / "state.weights.h5")
        loaded = Seq2Seq(config)
        compile_model(loaded, training, steps_per_epoch=10)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loaded.load_weights(tmp_path / "state.weights.h5")
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)]
    assert int(keras.ops.convert_to_numpy(loaded.optimizer.step_counter)) == 7
    assert float(keras.ops.convert_to_numpy(loaded.optimizer.dynamic_scale)) == 64.0


def test_patience_resumed_stops_at_the_epoch_an_uninterrupted_run_stops(tmp_path, corpus):
    config = TrainingConfig(epochs=12, lr=0.05, patience=2, **SETTINGS)
    straight = train(tmp_path / "straight", corpus, model_options=MODEL, training=config, verbose=0)
    losses = [h["val_loss"] for h in straight]
    best = int(np.argmin(losses)) + 1
    assert len(straight) == best + 2 < 12, losses  # it stopped early, two epochs after its best
    # Interrupted one epoch after the best: the count (wait 1, best) must survive the resume.
    resumed = interrupted_then_resumed(tmp_path / "resumed", corpus, config, after=best + 1)
    assert_same_run(tmp_path / "straight", straight, tmp_path / "resumed", resumed)
    # Resuming a run that stopped early trains nothing more.
    assert train(tmp_path / "resumed", corpus, resume=True, verbose=0) == resumed
    assert len(json.loads((tmp_path / "resumed" / "history.json").read_text())) == len(straight)


def test_resuming_a_finished_run_says_so_before_reading_the_corpus(tmp_path, caplog):
    corpus_file = write_tsv(tmp_path / "pairs.tsv", reverse_pairs(160, seed=4, max_len=6))
    corpus = CorpusSelection(specs=(f"tsv:{corpus_file}",), data_dir=None, context_turns=1, split="train",
                             skip_bad_lines=False, max_len=None)
    history = train(tmp_path / "run", corpus, model_options=MODEL, training=TrainingConfig(epochs=1, **SETTINGS), verbose=0)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())["training"]
    assert (saved["epochs"], saved["schedule_epochs"]) == (1, 1)  # the span written out, not 0
    corpus_file.unlink()  # a resume that read the corpus would fail: "file not found"
    with caplog.at_level("INFO", logger="seq2seq"):
        assert train(tmp_path / "run", corpus, resume=True, verbose=0) == history
    assert "the run has done its 1 epochs; there is nothing to resume" in caplog.text


def readme_learning_rate(step: int, lr: float, warmup_steps: int, total: int) -> float:
    """The README's schedule: linear warm-up from lr/100, cosine to lr/20 at ``total``, then lr/20."""
    warmup = min(warmup_steps, total // 2)
    if step < warmup:
        return lr / 100 + (lr - lr / 100) * step / warmup
    decay = total - warmup
    return lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(step - warmup, decay) / decay)))


def test_raising_epochs_on_resume_keeps_the_schedule_then_stays_at_its_floor(tmp_path, corpus):
    config = TrainingConfig(epochs=2, lr=0.01, **SETTINGS)
    rates: dict[int, float] = {}
    out = tmp_path / "run"
    # Interrupted in the middle of its 2-epoch plan, resumed with 3 epochs.
    history = interrupted_then_resumed(out, corpus, config, after=1, epochs=3, callbacks=[LearningRates(rates)])
    assert [h["epoch"] for h in history] == [1, 2, 3]
    steps_per_epoch = len(rates) // 3
    assert sorted(rates) == list(range(3 * steps_per_epoch)) and steps_per_epoch > 4
    saved = json.loads((out / "config.json").read_text())["training"]
    assert (saved["epochs"], saved["schedule_epochs"]) == (3, 2)
    expected = [readme_learning_rate(s, 0.01, 4, 2 * steps_per_epoch) for s in range(3 * steps_per_epoch)]
    np.testing.assert_allclose([rates[s] for s in range(3 * steps_per_epoch)], expected, rtol=1e-5)
    assert rates[2 * steps_per_epoch] == pytest.approx(0.01 / 20, rel=1e-5)  # the third epoch: the floor


def test_resume_point_is_the_last_committed_pair(tmp_path):
    """A save removes the current metadata before writing the new weights: until the new metadata
    is renamed in, the previous pair is the state a resume starts from."""
    from seq2seq.training.backup import resume_point

    assert resume_point(tmp_path) is None
    (tmp_path / "previous.weights.h5").write_bytes(b"epoch 1")
    (tmp_path / "previous_metadata.json").write_text('{"epoch": 1}')
    (tmp_path / "latest.weights.h5").write_bytes(b"epoch 2, half written")
    assert resume_point(tmp_path) == {"epoch": 1}  # killed between steps 2 and 4 of a save
    (tmp_path / "training_metadata.json").write_text('{"epoch": 2}')
    assert resume_point(tmp_path) == {"epoch": 2}
    (tmp_path / "training_metadata.json").write_text('{"epo')  # a torn file of an older layout
    assert resume_point(tmp_path) == {"epoch": 1}
    (tmp_path / "training_metadata.json").write_text('["epoch", 2]')  # JSON, but not metadata
    assert resume_point(tmp_path) == {"epoch": 1}


def test_a_kill_inside_a_save_resumes_from_the_previous_pair(tmp_path, corpus):
    """Killed after a save removed the current metadata (step 2), the run resumes from the pair
    before it: Keras must be able to load the previous weights file, and the run continues as
    if never interrupted."""
    config = TrainingConfig(epochs=3, **SETTINGS)
    straight = train(tmp_path / "straight", corpus, model_options=MODEL, training=config, verbose=0)
    out = tmp_path / "resumed"
    with pytest.raises(Interrupted):
        train(out, corpus, model_options=MODEL, training=config, verbose=0, callbacks=[InterruptAfter(2)])
    (out / "backup" / "training_metadata.json").unlink()  # the state: epoch 1, in the previous pair
    assert json.loads((out / "backup" / "previous_metadata.json").read_text())["epoch"] == 1
    resumed = train(out, corpus, resume=True, verbose=0)
    assert_same_run(tmp_path / "straight", straight, out, resumed)


def test_a_damaged_backup_stops_the_resume_instead_of_restarting(tmp_path, corpus):
    from seq2seq.errors import CheckpointError

    config = TrainingConfig(epochs=3, **SETTINGS)
    out = tmp_path / "run"
    with pytest.raises(Interrupted):
        train(out, corpus, model_options=MODEL, training=config, verbose=0, callbacks=[InterruptAfter(2)])
    weights_file = out / "backup" / "latest.weights.h5"
    weights_file.write_bytes(weights_file.read_bytes()[:100])
    history, config_file = (out / "history.json").read_text(), (out / "config.json").read_text()
    with pytest.raises(CheckpointError, match="latest.weights.h5: damaged or cut short"):
        train(out, corpus, resume=True, epochs=5, verbose=0)
    assert (out / "history.json").read_text() == history  # nothing was retrained over it
    assert (out / "config.json").read_text() == config_file  # nor the new epochs saved


def test_a_lost_backup_stops_the_resume_instead_of_training_again_from_epoch_1(tmp_path, corpus):
    """A run copied without ``backup/`` restarted from epoch 1 and wrote its history over the
    old; a history one epoch ahead of the backup (a kill between the two writes) is not a loss."""
    import shutil

    from seq2seq.errors import CheckpointError

    config = TrainingConfig(epochs=3, **SETTINGS)
    out = tmp_path / "run"
    with pytest.raises(Interrupted):
        train(out, corpus, model_options=MODEL, training=config, verbose=0, callbacks=[InterruptAfter(2)])
    shutil.rmtree(out / "backup")
    history, config_file = (out / "history.json").read_text(), (out / "config.json").read_text()
    with pytest.raises(CheckpointError, match="backup holds no training state, but history.json records 2 epochs: "
                                              "--resume would train epochs 1 to 2 again"):
        train(out, corpus, resume=True, epochs=5, verbose=0)
    assert (out / "history.json").read_text() == history and (out / "config.json").read_text() == config_file

    (out / "history.json").write_text(json.dumps(json.loads(history)[:1]))  # killed before epoch 1's backup
    assert [h["epoch"] for h in train(out, corpus, resume=True, verbose=0)] == [1, 2, 3]


def test_a_damaged_history_or_metadata_is_named(tmp_path, corpus, caplog):
    from seq2seq.errors import CheckpointError

    config = TrainingConfig(epochs=3, **SETTINGS)
    out = tmp_path / "run"
    with pytest.raises(Interrupted):
        train(out, corpus, model_options=MODEL, training=config, verbose=0, callbacks=[InterruptAfter(2)])
    history = (out / "history.json").read_text()
    (out / "history.json").write_text("[1, 2]")
    with pytest.raises(CheckpointError, match=r"history.json: not a training history"):
        train(out, corpus, resume=True, verbose=0)
    (out / "history.json").write_text(history)
    (out / "backup" / "training_metadata.json").write_text('{"epoch": ')  # torn: the pair before is the state
    with caplog.at_level("WARNING"):
        resumed = train(out, corpus, resume=True, verbose=0)
    assert "training_metadata.json cannot be read; resuming from the state before it (after epoch 1)" in caplog.text
    assert [h["epoch"] for h in resumed] == [1, 2, 3]


def test_a_save_that_cannot_fit_stops_training_in_one_error_and_the_estimate_is_the_file(tmp_path, corpus, monkeypatch):
    import shutil

    from seq2seq import atomic
    from seq2seq.checkpoint import variable_bytes
    from seq2seq.errors import OutputError

    config = TrainingConfig(epochs=3, **SETTINGS)
    out = tmp_path / "run"
    with pytest.raises(Interrupted):
        train(out, corpus, model_options=MODEL, training=config, verbose=0, callbacks=[InterruptAfter(2)])
    model = keras.saving.load_model(out / "model.keras", compile=False)
    arrays = 3 * variable_bytes(model.weights)  # the weights and Adam's two moments
    saved = (out / "backup" / "latest.weights.h5").stat().st_size  # a tiny model: mostly HDF5's own
    assert arrays < saved < 1.1 * arrays + 1_000_000  # what the check asks for
    shipped = Path(__file__).parents[1] / "checkpoints" / "chitchat" / "model.keras"  # 8M parameters
    estimate = variable_bytes(keras.saving.load_model(shipped, compile=False).weights)
    assert 0.9 < estimate / shipped.stat().st_size < 1.1
    monkeypatch.setattr(atomic.shutil, "disk_usage", lambda folder: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(OutputError, match="not enough free space to save"):
        train(out, corpus, resume=True, verbose=0)  # epoch 3 ran; nothing of it was written over the old
    monkeypatch.undo()
    assert json.loads((out / "backup" / "training_metadata.json").read_text())["epoch"] == 2


def test_resuming_a_finished_run_trains_nothing_on_every_backend(tmp_path, corpus):
    pytest.importorskip("jax")
    out = tmp_path / "run"
    history = train(out, corpus, model_options=MODEL, training=TrainingConfig(epochs=2, **SETTINGS), verbose=0)
    before = weights(out / "backup" / "latest.weights.h5")
    # On JAX, Keras builds the model from the first batch of an epoch: an epoch of no batches
    # stopped a finished run's resume with a traceback.
    env = {**os.environ, "KERAS_BACKEND": "jax", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    resumed = subprocess.run([sys.executable, "-m", "seq2seq", "train", "--corpus", corpus.specs[0], "--out", str(out),
                              "--resume"], capture_output=True, text=True, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines()[-1].startswith(f"best epoch {min(history, key=lambda h: h['val_loss'])['epoch']}  loss ")
    assert "Traceback" not in resumed.stderr
    for a, b in zip(before, weights(out / "backup" / "latest.weights.h5")):
        np.testing.assert_array_equal(a, b)
    # Fewer epochs than the run has done cannot extend it: one line, and the config stays as it was.
    config = (out / "config.json").read_text()
    with pytest.raises(ConfigError, match="has done 2 epochs; --epochs 1 would not extend it"):
        train(out, corpus, resume=True, epochs=1, verbose=0)
    assert (out / "config.json").read_text() == config
