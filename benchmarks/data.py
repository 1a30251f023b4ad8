"""Data pipeline benchmark: raw TSV -> normalized pairs -> SentencePiece ids -> padded batches.

    python benchmarks/data.py [--pairs 2000000] [--vocab-size 8000] [--batch-size 64]

1. Generates a deterministic TSV of ``--pairs`` synthetic translation pairs (seed 0) in a
   temporary folder: Zipf-distributed pseudo-words, about 12 words a source, targets of
   correlated length, like Multi30k.
2. Trains a unigram SentencePiece model on the first ``--sample`` pairs (not timed).
3. In a child process, so that its peak memory is its own: streams the TSV through
   ``load_pairs`` (train split: normalization, hash split, deduplication), ``encode_pairs``
   (SentencePiece, chunks of 10,000 pairs) and ``plan_batches``/``pad_batch`` over one whole
   epoch, then reports pairs per second (pairs read / wall time, all stages) and its peak RSS
   (``VmHWM``).

Targets on the 2-core reference machine: >= 100,000 pairs/s and peak RSS < 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TARGET_PAIRS_PER_SECOND = 100_000
TARGET_PEAK_RSS_BYTES = 1_000_000_000
_GENERATION_CHUNK = 100_000


def generate_tsv(path: Path, pairs: int, seed: int = 0) -> None:
    """Write ``pairs`` synthetic ``source<TAB>target`` lines, the same for the same seed."""
    rng = np.random.default_rng(seed)
    syllables = np.array(["ka", "lo", "mi", "ne", "ru", "sa", "te", "vi", "do", "be", "ga", "zu"])

    def vocabulary(size: int) -> np.ndarray:
        lengths = rng.integers(1, 5, size)
        words = {"".join(rng.choice(syllables, n)) for n in lengths}
        return np.array(sorted(words))

    source_words, target_words = vocabulary(30_000), vocabulary(30_000)

    def zipf_probabilities(size: int) -> np.ndarray:
        weights = 1.0 / np.arange(1, size + 1) ** 1.1
        return weights / weights.sum()

    source_p = zipf_probabilities(len(source_words))
    target_p = zipf_probabilities(len(target_words))
    with open(path, "w", encoding="utf-8") as stream:
        for start in range(0, pairs, _GENERATION_CHUNK):
            count = min(_GENERATION_CHUNK, pairs - start)
            source_lengths = np.clip(rng.normal(12, 4, count).astype(int), 2, 40)
            target_lengths = np.clip(source_lengths + rng.integers(-3, 3, count), 2, 40)
            sources = rng.choice(source_words, (count, 40), p=source_p)
            targets = rng.choice(target_words, (count, 40), p=target_p)
            stream.writelines(
                f"{' '.join(s[:m])}.\t{' '.join(t[:n]).capitalize()}.\n"
                for s, t, m, n in zip(sources, targets, source_lengths, target_lengths)
            )


def peak_rss_bytes() -> int:
    """This process's peak resident memory.

    ``VmHWM`` from ``/proc/self/status`` where there is one: unlike ``ru_maxrss`` it starts
    afresh at ``exec``, so a child does not inherit the generating parent's peak.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def run_pipeline(tsv: Path, tokenizer_dir: Path, batch_size: int) -> dict:
    """Time TSV -> padded batches for one epoch; return the figures (run in the child)."""
    from seq2seq.data.batching import pad_batch, plan_batches
    from seq2seq.corpora import load_pairs
    from seq2seq.data.encoded_pairs import encode_pairs
    from seq2seq.data.tokenizer import Tokenizer

    tokenizer = Tokenizer.load(tokenizer_dir)
    rss_before = peak_rss_bytes()
    load_before = os.getloadavg()[0]
    cpu_started = time.process_time()  # all threads of this process
    started = time.perf_counter()
    pairs = load_pairs([f"tsv:{tsv}"], split="train")  # as training reads it: split, dedup
    encoded = encode_pairs(pairs, tokenizer)
    encoded_at = time.perf_counter()
    batches = plan_batches(encoded.source_lengths, encoded.target_lengths, batch_size, seed=0)
    padded_cells = real_cells = 0
    for indices in batches:
        (source, decoder_input), target_output = pad_batch(encoded, indices)
        padded_cells += source.size + decoder_input.size
        real_cells += int((source != 0).sum() + (decoder_input != 0).sum())
    finished = time.perf_counter()
    cpu_seconds = time.process_time() - cpu_started
    return {
        "cpu_seconds": cpu_seconds,
        "load_average_before_after": [load_before, os.getloadavg()[0]],
        "pairs_read": pairs.stats.pairs_read,
        "pairs_batched": len(encoded),
        "batches": len(batches),
        "seconds_total": finished - started,
        "seconds_read_and_encode": encoded_at - started,
        "seconds_plan_and_pad": finished - encoded_at,
        "pairs_per_second": pairs.stats.pairs_read / (finished - started),
        "padding_share": 1 - real_cells / padded_cells,
        "store_bytes": sum(
            a.nbytes
            for a in (
                encoded.source_tokens,
                encoded.source_offsets,
                encoded.target_tokens,
                encoded.target_offsets,
            )
        ),
        "peak_rss_bytes_at_start": rss_before,
        "peak_rss_bytes": peak_rss_bytes(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2_000_000)
    parser.add_argument("--sample", type=int, default=200_000, help="pairs to train SentencePiece")
    parser.add_argument("--vocab-size", type=int, default=8_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--child", nargs=2, metavar=("TSV", "TOKENIZER_DIR"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_pipeline(Path(args.child[0]), Path(args.child[1]), args.batch_size)))
        return

    from seq2seq.corpora import load_pairs
    from seq2seq.data.tokenizer import Tokenizer

    with tempfile.TemporaryDirectory(prefix="seq2seq-bench-") as folder:
        tsv = Path(folder) / "pairs.tsv"
        started = time.perf_counter()
        generate_tsv(tsv, args.pairs)
        print(
            f"generated {args.pairs:,} pairs ({tsv.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        sample = load_pairs([f"tsv:{tsv}"], split="all")
        sample_pairs = (pair for _, pair in zip(range(args.sample), sample))
        Tokenizer.train(sample_pairs, Path(folder) / "tokenizer", vocab_size=args.vocab_size)
        print(
            f"trained a {args.vocab_size}-piece unigram model on {args.sample:,} pairs "
            f"in {time.perf_counter() - started:.1f} s (not timed below)"
        )
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(tsv), str(Path(folder) / "tokenizer"),
             "--batch-size", str(args.batch_size)],
            check=True,
            capture_output=True,
            text=True,
        )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    report(figures, args)


def report(figures: dict, args: argparse.Namespace) -> None:
    """Print the figures and their ratio to the targets."""
    from seq2seq.machine import cpu_model

    rate = figures["pairs_per_second"]
    peak = figures["peak_rss_bytes"]
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(
        f"pairs read {figures['pairs_read']:,}, batched {figures['pairs_batched']:,} "
        f"in {figures['batches']:,} batches of <= {args.batch_size}"
    )
    print(
        f"time: {figures['seconds_total']:.1f} s "
        f"(read+normalize+encode {figures['seconds_read_and_encode']:.1f} s, "
        f"plan+pad {figures['seconds_plan_and_pad']:.1f} s)"
    )
    print(f"throughput: {rate:,.0f} pairs/s  ({rate / TARGET_PAIRS_PER_SECOND:.2f}x the target)")
    # The machine is shared: the CPU time says what two idle cores would do.
    cores = min(2, os.cpu_count() or 1)
    cpu_rate = figures["pairs_read"] / (figures["cpu_seconds"] / cores)
    before, after = figures["load_average_before_after"]
    print(
        f"cpu time: {figures['cpu_seconds']:.1f} s, i.e. {cpu_rate:,.0f} pairs/s on {cores} "
        f"otherwise idle cores ({cpu_rate / TARGET_PAIRS_PER_SECOND:.2f}x the target); "
        f"load average {before:.1f} before, {after:.1f} after"
    )
    print(
        f"peak RSS: {peak / 1e6:,.0f} MB  ({peak / TARGET_PEAK_RSS_BYTES:.2f}x the 1 GB limit; "
        f"{figures['peak_rss_bytes_at_start'] / 1e6:,.0f} MB after imports)"
    )
    print(
        f"token store: {figures['store_bytes'] / 1e6:,.0f} MB, "
        f"padding: {figures['padding_share']:.1%} of the batch cells"
    )


if __name__ == "__main__":
    main()
