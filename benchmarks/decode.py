"""Decoding speed of the shipped translator on the 1,000 test2016 sentences.

Prints, for greedy and for beam 5 (``TRANSLATION_DEFAULTS``, what ``seq2seq translate`` runs:
alpha 1.0):

- start-up: a fresh ``seq2seq translate`` process on one sentence, split into the process
  start with imports and checkpoint loading, and the first call (tracing/compiling the loop);
- throughput: sentences per second for the whole file, in-process, after a warm-up pass; and
  the same with one batch at a time (``Translator(workers=1)``), for the ratio of the two;
- latency: one sentence at a time (p50/p95 over ``--latency-sentences`` sentences);
- threads per operation: as ``seq2seq translate`` sets them (``decoding_threads``);
  ``TF_NUM_INTRAOP_THREADS=2`` gives every operation a pool of 2, TensorFlow's default on 2 cores;
- the old reference: the previous decoder (a Python loop with one framework call per token,
  ``--baseline``), measured in the same run, for a ratio.

    python benchmarks/decode.py [--corpora ../shared/corpora] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def read_sources(corpora: Path) -> list[str]:
    with gzip.open(corpora / "multi30k" / "test_2016_flickr.de.gz", "rt", encoding="utf-8") as stream:
        return [line.rstrip("\n") for line in stream]


def startup(checkpoint: Path, sentence: str) -> dict:
    """A fresh process: imports + load, then the first call; timed inside the child."""
    code = f"""
import time; start = time.perf_counter()
from seq2seq.quiet import filter_native_stderr; filter_native_stderr()
from seq2seq.decoding import TRANSLATION_DEFAULTS, decoding_threads, load_translator
from pathlib import Path
decoding_threads()
translator, _ = load_translator(Path({str(checkpoint)!r}))
loaded = time.perf_counter()
translator.translate([{sentence!r}], TRANSLATION_DEFAULTS, batch_size=1)
first = time.perf_counter()
import json; print(json.dumps({{"load_s": loaded - start, "first_call_s": first - loaded}}))
"""
    begin = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    total = time.perf_counter() - begin
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["process_s"] = total
    figures["interpreter_s"] = total - figures["load_s"] - figures["first_call_s"]
    return figures


def throughput(translator, sources, options, batch_size) -> float:
    translator.translate(sources, options, batch_size=batch_size)  # warm-up: JAX compiles each bucket shape once
    start = time.perf_counter()
    translator.translate(sources, options, batch_size=batch_size)
    return len(sources) / (time.perf_counter() - start)


def latency(translator, sources, options, count: int) -> tuple[float, float]:
    translator.translate(sources[:1], options, batch_size=1)
    times = []
    for sentence in sources[:count]:
        start = time.perf_counter()
        translator.translate([sentence], options, batch_size=1)
        times.append(time.perf_counter() - start)
    quantiles = statistics.quantiles(times, n=20)
    return statistics.median(times) * 1000, quantiles[18] * 1000


def baseline_greedy(model, tokenizer, sources, batch_size) -> float:
    """The decoder this project had before: a Python loop, one ``decoder.step`` call per token."""
    import numpy as np
    from keras import ops

    from seq2seq.data.tokenizer import BOS_ID, EOS_ID, PAD_ID

    def greedy(source_ids, max_len=100):
        batch = source_ids.shape[0]
        max_len = min(max_len, 2 * source_ids.shape[1] + 10)
        memory, state = model.encode(source_ids)
        tokens = np.full((batch,), BOS_ID, dtype="int32")
        finished = np.zeros((batch,), dtype=bool)
        for _ in range(max_len):
            logits, state, _ = model.decoder.step(ops.convert_to_tensor(tokens), state, memory)
            tokens = np.asarray(ops.convert_to_numpy(ops.argmax(logits, axis=-1)), dtype="int32")
            tokens = np.where(finished, PAD_ID, tokens)
            finished |= tokens == EOS_ID
            if finished.all():
                break

    encoded = tokenizer.encode_source(sources)
    order = np.argsort([len(ids) for ids in encoded], kind="stable")
    start = time.perf_counter()
    for begin in range(0, len(order), batch_size):
        chunk = [encoded[i] or [EOS_ID] for i in order[begin : begin + batch_size]]
        padded = np.zeros((len(chunk), max(map(len, chunk))), dtype="int32")
        for row, ids in enumerate(chunk):
            padded[row, : len(ids)] = ids
        greedy(padded)
    return len(sources) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=Path(os.environ.get("SEQ2SEQ_CORPORA", ROOT.parent / "shared" / "corpora")))
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "checkpoints" / "multi30k-de-en")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--latency-sentences", type=int, default=100)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    from seq2seq.quiet import filter_native_stderr

    filter_native_stderr()
    import keras

    from seq2seq.decoding import TRANSLATION_DEFAULTS, DecodingOptions, Translator, decoding_threads, load_translator

    threads = decoding_threads() or os.environ.get("TF_NUM_INTRAOP_THREADS", "the backend's own")  # as the CLI does
    sources = read_sources(args.corpora)
    print(f"backend {keras.backend.backend()}, {len(sources)} sentences, batch {args.batch_size}, {os.cpu_count()} cores,"
          f" threads per operation: {threads}")
    up = startup(args.checkpoint, sources[0])
    print(f"start-up: process {up['process_s']:.2f} s = interpreter+imports+load {up['interpreter_s'] + up['load_s']:.2f} s"
          f" + first call {up['first_call_s']:.2f} s")
    translator, loaded = load_translator(args.checkpoint)
    greedy = DecodingOptions(method="greedy")
    beam = TRANSLATION_DEFAULTS  # beam 5, alpha 1.0
    serial = Translator(loaded.model, loaded.tokenizer, translator.max_source_pieces, workers=1)
    results = {}
    for name, options in (("greedy", greedy), ("beam 5", beam)):
        rate = throughput(translator, sources, options, args.batch_size)
        one_at_a_time = throughput(serial, sources, options, args.batch_size)
        p50, p95 = latency(translator, sources, options, args.latency_sentences)
        results[name] = rate
        print(f"{name:>7}: {rate:8.1f} sentences/s   latency p50 {p50:6.1f} ms  p95 {p95:6.1f} ms   "
              f"(one batch at a time: {one_at_a_time:.1f} sentences/s, {translator.workers} at a time {rate / one_at_a_time:.2f}x)")
    if not args.no_baseline:
        old = baseline_greedy(loaded.model, loaded.tokenizer, sources, args.batch_size)
        print(f"baseline (old Python-loop greedy): {old:.1f} sentences/s; greedy ratio {results['greedy'] / old:.2f}x")


if __name__ == "__main__":
    main()
