"""The PyTorch anchor of ``cells.py``: ``torch.nn.LSTM`` / ``torch.nn.GRU`` (cuDNN on a GPU).

The same train step as ``cells.py``, written in PyTorch: ``(B, T, D) -> recurrent layer (all
outputs) -> mean squared error``, backward, Adam (lr 1e-3); the figure is tokens (batch x time)
per second, median of ``--rounds`` rounds of ``--steps`` steps after a warm-up. It runs only where
``torch`` is installed (the GPU machines of ``../shared/GPU.md`` have it; this project does not
depend on it), on CUDA when there is a GPU, else on the CPU.

    python benchmarks/cells_torch.py --batch 128 --time 64 --input 512 --units 1024
    python benchmarks/cells_torch.py ... --precision bfloat16    # autocast, as mixed_bfloat16

``float32`` keeps PyTorch's default matmul settings (printed: on a GPU, cuDNN's RNNs may use TF32
by default, ``torch.backends.cudnn.allow_tf32``). ``bfloat16`` runs the step under
``torch.autocast`` with the weights in float32, like Keras's ``mixed_bfloat16``.
``cells.py --anchor torch`` runs this script in a child process with its own sizes and prints
our layers' ratio to it, so both figures come from one run on one machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


# The options this script shares with ``cells.py``: which cells, the sizes, the rounds.
SIZE_DEFAULTS = {"cells": "lstm,gru", "batch": 32, "time": 32, "input": 128, "units": 256, "steps": 20, "rounds": 3}


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    """``--cells``, ``--batch``, ... (``SIZE_DEFAULTS``) on ``parser``."""
    for name, default in SIZE_DEFAULTS.items():
        parser.add_argument(f"--{name}", type=type(default), default=default,
                            help="timed train steps per round" if name == "steps" else None)


def size_flags(args: argparse.Namespace) -> list[str]:
    """The shared options of ``args`` as a command line, for running the other script."""
    return [flag for name in SIZE_DEFAULTS for flag in (f"--{name}", str(getattr(args, name)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_size_arguments(parser)
    parser.add_argument("--precision", default="float32", choices=["float32", "bfloat16"])
    parser.add_argument("--json", action="store_true", help="also print one JSON object per cell")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("Error: cells_torch.py needs PyTorch (pip install torch); this project does not install it")

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(
        f"torch={torch.__version__} device={where!r} precision={args.precision} "
        f"cudnn={torch.backends.cudnn.is_available() and device.type == 'cuda'} "
        f"cudnn.allow_tf32={torch.backends.cudnn.allow_tf32} matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32} "
        f"B={args.batch} T={args.time} D={args.input} U={args.units}"
    )
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(args.batch, args.time, args.input, generator=generator).to(device)
    y = torch.randn(args.batch, args.time, args.units, generator=generator).to(device)
    autocast = args.precision == "bfloat16"

    def synchronize():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    layers = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    for name in args.cells.split(","):
        torch.manual_seed(0)
        layer = layers[name](args.input, args.units, batch_first=True).to(device)
        optimizer = torch.optim.Adam(layer.parameters(), lr=1e-3)

        def step():
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                outputs, _ = layer(x)  # (B, T, U)
                loss = torch.nn.functional.mse_loss(outputs.float(), y)
            loss.backward()
            optimizer.step()
            return loss

        def tokens_per_second(steps: int) -> float:
            synchronize()
            start = time.perf_counter()
            for _ in range(steps):
                loss = step()
            loss.detach().item()  # waits for the device
            synchronize()
            return args.batch * args.time * steps / (time.perf_counter() - start)

        tokens_per_second(3)  # warm-up: cuDNN plans, allocator
        rate = statistics.median(tokens_per_second(args.steps) for _ in range(args.rounds))
        print(f"{name.upper():4s} torch {rate:12,.0f} tok/s")
        if args.json:
            print(json.dumps({"cell": name, "torch": rate, "precision": args.precision, "device": where}))


if __name__ == "__main__":
    main()
