"""Training throughput of our hand-written LSTM/GRU against ``keras.layers.LSTM/GRU``.

One train step = forward + backward + Adam update of a one-layer model
``(B, T, D) -> recurrent layer (return_sequences) -> mean squared error``. Both implementations
run in the same process, on the current Keras backend (``KERAS_BACKEND``), with the same sizes,
interleaved over several rounds; the figure is tokens (batch x time) per second, median of rounds.

    python benchmarks/cells.py                      # CPU defaults
    KERAS_BACKEND=jax python benchmarks/cells.py --batch 128 --time 64 --input 512 --units 1024 \
        --precision mixed_bfloat16 --unroll 4       # the GPU setting of ../shared/GPU.md

Prints one line per cell with both throughputs and the ratio ours / Keras (>= 1.0 is the target).
With ``--anchor torch`` it first runs ``cells_torch.py`` (PyTorch's cuDNN layers, where ``torch``
is installed) in a child process at the same sizes and precision, and adds the ratio ours / PyTorch:

    KERAS_BACKEND=jax python benchmarks/cells.py --batch 128 --time 64 --input 512 --units 1024 \
        --anchor torch                              # issue 10's mark, float32
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from seq2seq.quiet import filter_native_stderr

filter_native_stderr()  # before TensorFlow loads: its start-up chatter stays off stderr

import keras  # noqa: E402
import numpy as np  # noqa: E402

from cells_torch import add_size_arguments, size_flags  # noqa: E402  (beside this file; imports no torch)
from seq2seq import layers as ours  # noqa: E402
from seq2seq.machine import describe  # noqa: E402


def build(layer_cls, args, **layer_kwargs) -> keras.Model:
    model = keras.Sequential(
        [
            keras.Input((args.time, args.input), batch_size=args.batch),
            layer_cls(args.units, return_sequences=True, **layer_kwargs),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return model


def tokens_per_second(model, x, y, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        loss = model.train_on_batch(x, y)
    float(np.asarray(loss))  # wait for the device
    return x.shape[0] * x.shape[1] * steps / (time.perf_counter() - start)


TORCH_PRECISION = {"float32": "float32", "mixed_bfloat16": "bfloat16"}  # autocast for mixed


def torch_anchor(args) -> dict[str, float]:
    """Tokens/s of PyTorch's layers per cell, from ``cells_torch.py`` run in a child process
    (before this process touches the device, so the two never share its memory)."""
    if args.precision not in TORCH_PRECISION:
        sys.exit(f"Error: no PyTorch anchor for {args.precision} (float32 or mixed_bfloat16)")
    command = [
        sys.executable, str(Path(__file__).with_name("cells_torch.py")), "--json", *size_flags(args),
        "--precision", TORCH_PRECISION[args.precision],
    ]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "Error: cells_torch.py failed")
    rates = {}
    for line in run.stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            rates[record["cell"]] = record["torch"]
        else:
            print(f"anchor: {line}")
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_size_arguments(parser)  # the same sizes as the PyTorch anchor's
    parser.add_argument("--precision", default="float32", choices=["float32", "mixed_bfloat16", "mixed_float16"])
    parser.add_argument("--unroll", type=int, default=1, help="our layers: steps unrolled per loop iteration")
    parser.add_argument("--json", action="store_true", help="also print one JSON object per cell")
    parser.add_argument("--anchor", choices=["torch"], help="also measure PyTorch's layers (cells_torch.py)")
    args = parser.parse_args()
    anchor = torch_anchor(args) if args.anchor else {}

    keras.mixed_precision.set_dtype_policy(args.precision)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, args.time, args.input), dtype=np.float32)
    y = rng.standard_normal((args.batch, args.time, args.units), dtype=np.float32)
    print(
        f"backend={keras.backend.backend()} keras={keras.__version__} machine={describe()!r} "
        f"precision={args.precision} B={args.batch} T={args.time} D={args.input} U={args.units} "
        f"unroll={args.unroll}"
    )
    pairs = {"lstm": (ours.LSTM, keras.layers.LSTM), "gru": (ours.GRU, keras.layers.GRU)}
    for name in args.cells.split(","):
        ours_cls, keras_cls = pairs[name]
        # Keras's LSTM rejects bf16 on its cuDNN path; it falls back to its generic loop itself.
        models = {
            "ours": build(ours_cls, args, unroll=args.unroll if args.unroll > 1 else False),
            "keras": build(keras_cls, args),
        }
        for model in models.values():  # compile and warm up
            tokens_per_second(model, x, y, 2)
        rates: dict[str, list[float]] = {key: [] for key in models}
        for _ in range(args.rounds):
            for key, model in models.items():
                rates[key].append(tokens_per_second(model, x, y, args.steps))
        ours_rate = statistics.median(rates["ours"])
        keras_rate = statistics.median(rates["keras"])
        against_torch = (
            f"   torch {anchor[name]:12,.0f} tok/s   ours/torch {ours_rate / anchor[name]:.2f}" if name in anchor else ""
        )
        print(
            f"{name.upper():4s} ours {ours_rate:12,.0f} tok/s   keras {keras_rate:12,.0f} tok/s   "
            f"ratio {ours_rate / keras_rate:.2f}{against_torch}"
        )
        if args.json:
            record = {"cell": name, "ours": ours_rate, "keras": keras_rate, "ratio": ours_rate / keras_rate}
            if name in anchor:
                record.update(torch=anchor[name], ratio_torch=ours_rate / anchor[name])
            print(json.dumps(record))


if __name__ == "__main__":
    main()
