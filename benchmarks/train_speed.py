"""Target tokens per second of a full training step (forward, backward, Adam) of a model config.

By default the configuration of the shipped model (``checkpoints/multi30k-de-en/config.json``);
``--config PATH`` takes another checkpoint's. Batches are synthetic but shaped like Multi30k
de-en after SentencePiece (lengths drawn around 14 source / 15 target pieces), with real padding,
fed as the trainer feeds them (``fit_input``): as they are on TensorFlow, widths padded to a
multiple of 8 on JAX and PyTorch (``PaddedBatches``), where each new shape compiles a new step.
Every shape is compiled before the timing; only non-padding target tokens are counted.
Runs on the current backend (``KERAS_BACKEND``).

    python benchmarks/train_speed.py                 # CPU, TensorFlow
    KERAS_BACKEND=jax python benchmarks/train_speed.py --precision mixed_bfloat16
    KERAS_BACKEND=jax python benchmarks/train_speed.py --set units=512 --set embed=512 --set layers=2

The reference mark is Joey NMT 2.3 (PyTorch, cuDNN LSTMs, 22M parameters, fp16) at about
10,000 target tokens/s on one H100; the ratio printed is against that figure, which is only
meaningful on the same GPU.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from seq2seq.quiet import filter_native_stderr

filter_native_stderr()  # before TensorFlow loads: its start-up chatter stays off stderr

import keras  # noqa: E402
import numpy as np  # noqa: E402

from seq2seq.machine import describe  # noqa: E402
from seq2seq.model import ModelConfig, Seq2Seq  # noqa: E402
from seq2seq.training.config import TrainingConfig  # noqa: E402
from seq2seq.training.data import PaddedBatches  # noqa: E402
from seq2seq.training.trainer import compile_model  # noqa: E402

JOEY_NMT_H100 = 10_000  # target tokens/s, see the module docstring
SHIPPED = Path(__file__).resolve().parents[1] / "checkpoints" / "multi30k-de-en" / "config.json"


def synthetic_batches(count: int, batch: int, vocab: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        source_lengths = np.clip(rng.normal(14, 4, batch).astype(int), 3, 40)
        target_lengths = np.clip(rng.normal(15, 4, batch).astype(int), 3, 40)
        source = np.zeros((batch, source_lengths.max()), "int32")
        target = np.zeros((batch, target_lengths.max() + 1), "int32")
        for row, (s, t) in enumerate(zip(source_lengths, target_lengths)):
            source[row, :s] = rng.integers(5, vocab, s)
            target[row, : t + 1] = np.r_[2, rng.integers(5, vocab, t)]
        decoder_input = target[:, :-1]
        target_output = target[:, 1:]
        yield (source, decoder_input), target_output, (target_output != 0).astype("float32")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=SHIPPED, help="a checkpoint's config.json")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--precision", default="float32", choices=["float32", "mixed_bfloat16", "mixed_float16"])
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="change a field of the model config, e.g. --set units=512 --set layers=2")
    args = parser.parse_args()

    keras.mixed_precision.set_dtype_policy(args.precision)
    fields = json.loads(args.config.read_text())["model"]
    for change in args.set:
        field, _, value = change.partition("=")
        if field not in fields:
            parser.error(f"--set {change}: the model config has no field {field!r}")
        fields[field] = json.loads(value)  # 512, 2, true, 0.1, "lstm"
    model_config = ModelConfig.from_dict(fields)
    model = Seq2Seq(model_config)
    compile_model(model, TrainingConfig(), steps_per_epoch=1000)
    batches = list(synthetic_batches(args.steps, args.batch_size, model_config.target_vocab_size))
    if keras.backend.backend() != "tensorflow":  # as the trainer feeds JAX and PyTorch (fit_input)
        padded = PaddedBatches(batches)  # widths to a multiple of 8: a handful of shapes
        batches = [padded[index] for index in range(len(padded))]
    warmed = set()
    for inputs, targets, weights in batches:  # compile every shape first
        shapes = (inputs[0].shape, inputs[1].shape)
        if shapes not in warmed:
            model.train_on_batch(inputs, targets, sample_weight=weights)
            warmed.add(shapes)
    tokens = 0
    start = time.perf_counter()
    for inputs, targets, weights in batches:
        loss = model.train_on_batch(inputs, targets, sample_weight=weights)
        tokens += int((targets != 0).sum())
    float(np.ravel(np.asarray(loss))[0])  # wait for the device
    elapsed = time.perf_counter() - start
    rate = tokens / elapsed
    print(
        f"backend={keras.backend.backend()} machine={describe()!r} precision={args.precision} "
        f"params={model.count_params():,} batch={args.batch_size} steps={args.steps} shapes={len(warmed)}"
        + (f" set={','.join(args.set)}" if args.set else "")
    )
    print(f"{rate:,.0f} target tokens/s  ({elapsed / args.steps * 1000:.0f} ms/step)  "
          f"ratio to Joey NMT on an H100: {rate / JOEY_NMT_H100:.2f}")


if __name__ == "__main__":
    main()
