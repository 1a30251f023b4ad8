"""``train``: corpus -> tokenizer -> batches -> model -> ``model.fit`` -> checkpoint folder.

1. A new run trains SentencePiece on the training split and writes ``config.json``; a resumed
   run (``resume=True``) reads both back from the folder and ignores new hyperparameters
   (except ``epochs``, which may be changed to train longer or shorter: the learning-rate
   schedule keeps the span it was planned for, ``schedule_epochs``, and stays at its final
   ``lr / 20`` beyond it; see ``learning_rate_schedule``).
2. The model trains with teacher forcing on length-bucketed batches, Adam with warm-up and
   cosine decay, gradient clipping, and the label-smoothed masked cross-entropy.
3. After every epoch ``TrainingBackup`` saves weights, optimizer state (the loss scale too),
   epoch and early-stopping count into ``DIR/backup`` (double-buffered, committed by one
   atomic rename), and ``CheckpointWriter`` replaces the best model, metrics, history and
   curves atomically.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import time
from collections.abc import Callable
from pathlib import Path

import keras

from seq2seq import __version__, atomic, checkpoint
from seq2seq.corpora.folders import is_split_folder
from seq2seq.corpora.spec import parse_spec, same_corpus
from seq2seq.data.encoded_pairs import encode_pairs
from seq2seq.errors import CheckpointError, ConfigError, DataError
from seq2seq.model import ModelConfig, Seq2Seq
from seq2seq.data.tokenizer import JOINT_MODEL_FILE, SOURCE_MODEL_FILE, TARGET_MODEL_FILE, Tokenizer
from seq2seq.training.backup import TrainingBackup, check_resumable, resume_point, unreadable_metadata
from seq2seq.training.callbacks import CheckpointWriter, EpochDropoutSeeds, ResumableEarlyStopping, ValidationBleu
from seq2seq.training.config import TrainingConfig
from seq2seq.training.data import EpochRun, fit_input
from seq2seq.training.distribution import data_parallel, workers_from_environment
from seq2seq.training.loss import MaskedCrossEntropy, TokenAccuracy, TokenCrossEntropy

log = logging.getLogger(__name__)

FEW_VALID_PAIRS = 100  # fewer validation pairs get a warning: the best epoch would be picked on noise


def more_validation_advice(specs) -> str:
    """How to get more validation pairs from ``specs``: fill the valid file of a folder of your
    own split; else a bigger file, or such a folder (``tsv:DIR``, ``jsonl:DIR`` as the files are)."""
    parsed = [parse_spec(spec) for spec in specs]
    if any(p.kind in ("tsv", "jsonl") and is_split_folder(p.argument) for p in parsed):
        return "put more pairs in the valid file of your split"
    kind = "jsonl" if parsed and all(p.kind == "jsonl" for p in parsed) else "tsv"
    return ("a file of yours puts about 1 pair in 100 there (a dialogue, 1 conversation in 100), so give it "
            f"thousands, or give your own split: a folder with train.{kind}, valid.{kind} and test.{kind} ({kind}:DIR)")


def learning_rate_schedule(training: TrainingConfig, steps_per_epoch: int):
    """The learning rate at optimizer step ``s`` (0, 1, ...), over ``total`` planned steps.

    ``total = schedule_epochs * steps_per_epoch`` (``schedule_epochs`` 0: ``epochs``), ``W =
    min(warmup_steps, total // 2)``, ``D = total - W``::

        s < W:  lr / 100 + (lr - lr / 100) * s / W                      (linear warm-up)
        s >= W: lr * (0.05 + 0.95 * (1 + cos(pi * min(s - W, D) / D)) / 2)  (cosine to lr / 20)

    Steps past ``total`` (a resume that raised ``epochs``) stay at ``lr / 20``.
    """
    total = max((training.schedule_epochs or training.epochs) * steps_per_epoch, 1)
    warmup = min(training.warmup_steps, total // 2)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=training.lr / 100 if warmup else training.lr,
        decay_steps=max(total - warmup, 1),
        alpha=0.05,
        warmup_target=training.lr if warmup else None,
        warmup_steps=warmup,
    )


def compile_model(model: Seq2Seq, training: TrainingConfig, steps_per_epoch: int) -> None:
    optimizer = keras.optimizers.Adam(
        learning_rate=learning_rate_schedule(training, steps_per_epoch),
        global_clipnorm=training.clip_norm or None,
    )
    model.compile(
        optimizer=optimizer,
        loss=MaskedCrossEntropy(training.label_smoothing),
        metrics=[TokenCrossEntropy(), TokenAccuracy()],
    )
    # Build the optimizer's slots now: Keras can only restore a backup's optimizer state into a
    # built optimizer (it skips it, with a warning, otherwise). Under mixed_float16 ``compile``
    # wraps Adam in a LossScaleOptimizer: build that, so its loss scale is restored too.
    model.optimizer.build(model.trainable_variables)


def train(
    out_dir: str | Path,
    corpora,
    model_options: dict | None = None,
    training: TrainingConfig | None = None,
    resume: bool = False,
    epochs: int | None = None,
    verbose: int | str = "auto",
    on_epoch: Callable[[dict], None] | None = None,
    devices: list[str] | None = None,
    callbacks: list[keras.callbacks.Callback] | None = None,
) -> list[dict]:
    """Train a model into ``out_dir`` and return the history (one dict per epoch).

    Args:
        out_dir: the checkpoint folder (created). A new run needs it new or empty, and removes
            what it wrote there when it fails before training starts (bad data, say).
        corpora: a ``CorpusSelection`` (``load(split)`` gives the pairs of a split).
        model_options: ``ModelConfig`` fields besides the vocabulary sizes.
        training: the training hyperparameters.
        resume: continue the run in ``out_dir`` from its last completed epoch.
        epochs: with ``resume``, a new total number of epochs. The learning-rate schedule keeps
            the span of the run's first plan (``schedule_epochs``): steps beyond it train at
            ``lr / 20``. The changed total is saved in ``config.json``.
        devices: train data-parallel on these devices (default: every visible accelerator).
            Several machines train together when the backend's multi-worker variables say so
            (``TF_CONFIG``, or ``KERAS_DISTRIBUTION_*`` on JAX; see ``distribution``): each runs
            this same call; worker 0 writes ``out_dir``, worker N its own ``out_dir.workerN``.
        callbacks: more Keras callbacks, called after all of ``train``'s own (the backup
            included) at every event.
    """
    directory = Path(out_dir)
    _, worker = workers_from_environment()
    if worker > 0:  # the chief (worker 0) writes DIR; the others keep their own state beside it
        directory = directory.absolute().with_name(f"{directory.absolute().name}.worker{worker}")  # --out . too
    config_path = directory / checkpoint.CONFIG_FILE
    if resume:
        if not config_path.is_file():
            raise ConfigError(f"{directory} holds no training run to resume (no {checkpoint.CONFIG_FILE})")
        saved = checkpoint.read_config(directory)
        check_resumable(directory / checkpoint.BACKUP_DIR)  # before the resume changes anything
        model_config = ModelConfig.from_dict(saved["model"])  # (read_config checked it)
        checkpoint.check_vocabulary(Tokenizer.load(directory), model_config, directory)
        try:
            training = TrainingConfig.from_dict(saved.get("training", {}))
        except (ConfigError, TypeError, ValueError) as error:
            raise ConfigError(f"{config_path}: {error}") from None
        resumed = resume_point(directory / checkpoint.BACKUP_DIR) or {}
        done = int(resumed.get("epoch", 0))
        skipped = unreadable_metadata(directory / checkpoint.BACKUP_DIR)
        if skipped is not None:
            log.warning("%s cannot be read; %s", skipped,
                        f"resuming from the state before it (after epoch {done})" if done else "starting again from epoch 1")
        # A kill between an epoch's history and its backup leaves the history one epoch ahead; more
        # than that, the backup lost epochs (deleted, copied without it): never start over silently.
        recorded = max((record["epoch"] for record in checkpoint.read_history(directory)), default=0)
        if recorded > done + 1:
            state = f"holds the state after epoch {done}" if done else "holds no training state"
            raise CheckpointError(
                f"{directory / checkpoint.BACKUP_DIR} {state}, but {checkpoint.HISTORY_FILE} records {recorded} "
                f"epochs: --resume would train epochs {done + 1} to {recorded} again. Restore the backup folder, "
                f"or train a new run with another --out")
        if epochs is not None and epochs < done:
            raise ConfigError(f"{directory} has done {done} epochs; --epochs {epochs} would not extend it")
        if epochs is not None and epochs != training.epochs:
            # The schedule keeps its planned span; the new total is what a later resume keeps.
            span = training.schedule_epochs or training.epochs
            training = dataclasses.replace(training, epochs=epochs, schedule_epochs=span)
            checkpoint.write_json(config_path, {**saved, "training": training.to_dict()})
            log.info("epochs is now %d; the learning-rate schedule still spans %d", epochs, training.schedule_epochs)
        finished = nothing_to_resume(resumed, training)
        if finished:  # said before the corpus is read and encoded, which can take minutes
            log.info("%s", finished)
            return checkpoint.read_history(directory)
        corpora = _saved_corpora(corpora, saved.get("data"), config_path)
    elif config_path.exists():
        raise ConfigError(f"{directory} already holds a training run; use --resume, or another --out")
    elif directory.is_dir() and any(directory.iterdir()):  # never overwrite a user's files
        raise ConfigError(f"{directory} holds other files, not a training run; use a new or empty --out folder")
    training = training or TrainingConfig()
    if not resume:  # config.json records the schedule's span itself (0 would mean "epochs")
        training = dataclasses.replace(training, schedule_epochs=training.schedule_epochs or training.epochs)
    if training.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise ConfigError("--tensorboard needs the tensorboard package (pip install tensorboard)")
    if not resume:  # check the model options now, before any work or any file is written
        ModelConfig(source_vocab_size=training.vocab_size, target_vocab_size=training.vocab_size, **(model_options or {}))

    keras.utils.set_random_seed(training.seed)
    keras.mixed_precision.set_dtype_policy(training.precision)
    created = atomic.first_missing(directory)  # what a failed start removes again, with the folders under it
    started_fit = False
    try:
        atomic.make_folder(directory)
        train_pairs, valid_pairs = corpora.load("train"), list(corpora.load("valid"))
        more = more_validation_advice(corpora.specs)
        if not valid_pairs:  # before the tokenizer's training, not after it
            raise DataError(f"the validation split of {', '.join(corpora.specs)} is empty: {more}")
        if len(valid_pairs) < FEW_VALID_PAIRS:
            log.warning("the validation split has only %d pairs: the best epoch is chosen on them, by chance as much as "
                        "by merit; %s", len(valid_pairs), more)
        if resume:
            tokenizer = Tokenizer.load(directory)
        else:
            started = time.perf_counter()
            try:
                tokenizer = Tokenizer.train(
                    train_pairs, directory, vocab_size=training.vocab_size, joint=training.joint_vocab,
                    seed=training.seed,
                )
            except ConfigError:  # no text: say which filter left none
                stats = train_pairs.stats
                if stats.kept == 0 and stats.too_long:
                    raise DataError(f"no training pair is left: all {stats.too_long:,} of "
                                    f"{', '.join(corpora.specs)} are longer than --max-len {corpora.max_len} words "
                                    "on a side") from None
                raise
            log.info("trained SentencePiece in %.1fs: %s", time.perf_counter() - started, tokenizer)
            smallest = min(tokenizer.source_vocab_size, tokenizer.target_vocab_size)
            if smallest < training.vocab_size:
                log.warning("--vocab-size %d is more than the training text supports: the vocabulary has %d pieces",
                            training.vocab_size, smallest)
            model_config = ModelConfig(
                source_vocab_size=tokenizer.source_vocab_size,
                target_vocab_size=tokenizer.target_vocab_size,
                **(model_options or {}),
            )
            checkpoint.write_json(
                config_path,
                {
                    "model": model_config.to_dict(),
                    "training": training.to_dict(),
                    "data": {"corpora": list(corpora.specs), "context_turns": corpora.context_turns, "max_len": corpora.max_len},
                    "seq2seq_version": __version__,
                },
            )
        train_encoded = encode_pairs(train_pairs, tokenizer, max_len=training.max_pieces)
        if len(train_encoded) == 0:
            raise DataError("no training pairs left after filtering")
        valid_encoded = encode_pairs(valid_pairs, tokenizer, max_len=training.max_pieces)
        with data_parallel(devices) as placement:
            if placement.replicas > 1:
                log.info("data-parallel over %d replicas on %d worker(s)", placement.replicas, placement.workers)
            started_fit = True
            return _fit(
                directory, training, model_config, tokenizer, train_encoded, valid_encoded, valid_pairs, verbose,
                on_epoch, placement, callbacks or [],
            )
    except BaseException:
        if not resume and not started_fit:  # a new run that failed before training: leave no trace
            try:
                _remove_unstarted_run(directory, created)
            except OSError:  # the error that stopped the run is the one to report
                pass
        raise
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def _saved_corpora(corpora, data: dict | None, config_path: Path):
    """``corpora`` as the run was started: its saved context turns and length limit (``data`` in
    ``config.json``). ``--corpus`` is the command's, which may name the same data at a new path;
    one line says so when it differs from the saved one."""
    if data is None:  # a run of an older version: the command's options
        return corpora
    try:
        saved = dataclasses.replace(
            corpora,
            specs=tuple(str(spec) for spec in data["corpora"]),
            context_turns=int(data["context_turns"]),
            max_len=None if data["max_len"] is None else int(data["max_len"]),
        )
    except (KeyError, TypeError, ValueError):
        raise ConfigError(f"{config_path}: \"data\" is not a list of corpora with context_turns and max_len") from None
    if not corpora.specs:
        return saved
    if len(corpora.specs) != len(saved.specs) or not all(map(same_corpus, corpora.specs, saved.specs)):
        log.warning("--resume: training goes on with --corpus %s; the run began on %s (%s)",
                    " ".join(corpora.specs), " ".join(saved.specs), config_path)
    return dataclasses.replace(saved, specs=corpora.specs)


def _remove_unstarted_run(directory: Path, created: Path | None) -> None:
    """Delete what a new run wrote before its first epoch (config, tokenizer), so that the same
    command can run again once its error is fixed; and the folders the run created, if empty."""
    if not directory.is_dir():
        return
    for name in (checkpoint.CONFIG_FILE, JOINT_MODEL_FILE, SOURCE_MODEL_FILE, TARGET_MODEL_FILE):
        (directory / name).unlink(missing_ok=True)
    atomic.remove_empty_folders(directory, created)


def nothing_to_resume(resumed: dict, training: TrainingConfig) -> str | None:
    """Why a run whose backup says ``resumed`` has nothing left to train, or None."""
    done = int(resumed.get("epoch", 0))
    stopped = resumed.get("callbacks", {}).get("early_stopping", {}).get("stopped_epoch", 0)
    if training.patience and stopped:
        return f"the run stopped early after epoch {stopped + 1}; there is nothing to resume"
    if done >= training.epochs:
        return f"the run has done its {done} epochs; there is nothing to resume (--epochs N extends it)"
    return None


def _fit(
    directory,
    training,
    model_config,
    tokenizer,
    train_encoded,
    valid_encoded,
    valid_list,
    verbose,
    on_epoch,
    placement,
    extra_callbacks,
):
    from seq2seq.data.pair_batches import PairBatches

    history = checkpoint.read_history(directory)
    # Keras starts reading batches before any callback runs: start the data at the epoch the
    # backup resumes from.
    backup_dir = directory / checkpoint.BACKUP_DIR
    resumed = resume_point(backup_dir) or {}
    start_epoch = int(resumed.get("epoch", 0))
    if start_epoch >= training.epochs:  # ``train`` returned before: an epoch of no batches would stop Keras on JAX
        raise AssertionError(f"epoch {start_epoch} of {training.epochs}: nothing to train")
    epoch_batches = PairBatches(
        train_encoded, training.batch_size, seed=training.seed, epoch=start_epoch, sample_weights=True
    )
    train_batches = EpochRun(epoch_batches, start_epoch, training.epochs)
    valid_batches = PairBatches(valid_encoded, training.batch_size, shuffle=False, sample_weights=True)
    model = Seq2Seq(model_config)
    compile_model(model, training, len(epoch_batches))

    callbacks = [EpochDropoutSeeds()]
    if training.bleu_sample:
        callbacks.append(ValidationBleu(tokenizer, valid_list[: training.bleu_sample], max_pieces=training.max_pieces))
    if verbose:  # Keras's progress bar ends its epoch line (val_bleu in it) before ``on_epoch`` prints
        callbacks.append(keras.callbacks.ProgbarLogger())
    callbacks += [
        keras.callbacks.TerminateOnNaN(),
        CheckpointWriter(directory, history, on_epoch=on_epoch),
    ]
    stateful = {}
    if training.patience:
        stateful["early_stopping"] = ResumableEarlyStopping(training.patience)
        callbacks.append(stateful["early_stopping"])
    # After the others, so that the state it saves is the state after every other callback ran.
    callbacks.append(TrainingBackup(backup_dir, stateful))
    if training.tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(directory / "logs")))
    callbacks += extra_callbacks
    log.info(
        "training %s parameters on %d pairs (%d batches per epoch)",
        f"{model.count_params():,}",
        len(train_encoded),
        len(epoch_batches),
    )
    model.fit(
        fit_input(train_batches, placement),
        steps_per_epoch=len(epoch_batches),
        validation_data=fit_input(valid_batches, placement),
        epochs=training.epochs,
        callbacks=callbacks,
        shuffle=False,  # the batches are shuffled per epoch by PairBatches, deterministically
        verbose=verbose,
    )
    return history


