"""Blind ratings of chat replies: which decoding gives the better next turn?

Diversity figures (``chat_quality.py``) say whether replies vary, not whether they make sense.
This script sets up a blind rating and scores it:

    python benchmarks/chat_ratings.py build DIR --decoding "one sample=samples=1" \\
        --decoding "best of 4=samples=4,top_k=80"
    (a rater fills DIR/ratings_1.json and DIR/ratings_2.json)
    python benchmarks/chat_ratings.py score DIR

``build`` decodes every ``--every``-th of the 500 validation contexts that ``chat_quality.py``
samples (from ``--offset``) with each named decoding (``CHAT_DEFAULTS`` with the given changes,
seeded), adds the human reply, shuffles the replies of each context under the labels A, B, ...,
and writes the items in two halves (``items_1.json``, ``items_2.json``, one per rater) and the
key apart (``key.json``: label -> decoding, not to be shown to the raters). A rater scores every
reply from 1 to 5 as the next turn (``SCALE``; identical texts get identical scores) and writes
``ratings_N.json``: ``{"id": {"A": score, ...}}``. ``score`` prints each decoding's mean, the
share rated 4 or 5 and 2 or less, and every pair of decodings' paired difference with its
standard error, wins and losses.

The ratings in ``benchmarks/chat_ratings/`` were given by a language model (one fresh instance a
file, told only ``SCALE`` and the items): a judge with its own biases, but blind, and the human
replies among the items show how far it tells good from bad.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCALE = """Score every reply from 1 to 5 as the next turn of this conversation:
5 = fluent and clearly responds to the last turn, something a person would plausibly say;
4 = fluent and plausible, loosely connected;
3 = generic but acceptable ("yeah", "what about you?") or slightly off;
2 = awkward or ungrammatical, or mostly unrelated;
1 = gibberish or contradicts the context badly.
Judge each reply on its own merits; do not reward length."""
HUMAN = "human"


def parse_decoding(text: str) -> tuple[str, dict]:
    """``"NAME=key=value,key=value"`` -> ``(NAME, {key: value})`` (ints, floats as written)."""
    name, _, changes = text.partition("=")
    fields = {}
    for item in filter(None, changes.split(",")):
        key, _, value = item.partition("=")
        fields[key] = float(value) if "." in value else int(value)
    return name, fields


def build(args) -> None:
    from seq2seq.quiet import filter_native_stderr

    filter_native_stderr()
    from seq2seq.chat.diversity import sample_contexts
    from seq2seq.checkpoint import context_turns
    from seq2seq.corpora import load_pairs
    from seq2seq.decoding import CHAT_DEFAULTS, load_translator

    translator, loaded = load_translator(args.checkpoint)
    pairs = list(load_pairs(["chitchat"], "valid", context_turns=context_turns(loaded.config)))
    chosen = sample_contexts(len(pairs), 500, seed=0)[args.offset :: args.every]
    contexts, humans = [pairs[i][0] for i in chosen], [pairs[i][1] for i in chosen]
    replies = {HUMAN: humans}
    for name, fields in map(parse_decoding, args.decoding):
        options = CHAT_DEFAULTS.replace(seed=args.seed, **fields)
        replies[name] = [output.text for output in translator.translate(contexts, options)]
        print(f"{name}: {options.describe()}")
    rng = random.Random(args.seed)
    items, key = [], []
    for index, context in enumerate(contexts):
        names = list(replies)
        rng.shuffle(names)
        labels = [chr(ord("A") + j) for j in range(len(names))]
        items.append({"id": index, "context": context.split(" <sep> "),
                      "replies": {label: replies[name][index] for label, name in zip(labels, names)}})
        key.append(dict(zip(labels, names)))
    args.folder.mkdir(parents=True, exist_ok=True)
    half = len(items) // 2
    for number, part in ((1, items[:half]), (2, items[half:])):
        (args.folder / f"items_{number}.json").write_text(json.dumps(part, indent=1, ensure_ascii=False))
    (args.folder / "key.json").write_text(json.dumps(key))
    print(f"{len(items)} contexts, {len(replies)} replies each, in {args.folder}")


def score(args) -> None:
    import numpy as np

    key = json.loads((args.folder / "key.json").read_text())
    ratings = {}
    for path in sorted(args.folder.glob("ratings_*.json")):
        ratings.update(json.loads(path.read_text()))
    missing = [index for index in range(len(key)) if str(index) not in ratings]
    if missing:
        sys.exit(f"Error: {len(missing)} of {len(key)} contexts have no ratings (first: {missing[0]})")
    scores: dict[str, list[int]] = {}
    for index, labels in enumerate(key):
        for label, name in labels.items():
            scores.setdefault(name, []).append(ratings[str(index)][label])
    table = {name: np.asarray(values, dtype=float) for name, values in scores.items()}
    print(f"{len(key)} contexts rated")
    for name, values in sorted(table.items(), key=lambda item: -item[1].mean()):
        print(f"  {name:34s} mean {values.mean():.2f}   rated 4-5: {np.mean(values >= 4):4.0%}   "
              f"rated 1-2: {np.mean(values <= 2):4.0%}")
    for first, second in itertools.combinations([name for name in table if name != HUMAN], 2):
        difference = table[first] - table[second]
        error = difference.std(ddof=1) / np.sqrt(len(difference))
        print(f"  {first} - {second}: {difference.mean():+.2f} (standard error {error:.2f}); "
              f"better {np.sum(difference > 0)}, worse {np.sum(difference < 0)}, "
              f"equal {np.sum(difference == 0)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("build", help="decode and write the blind items")
    made.add_argument("folder", type=Path)
    made.add_argument("--decoding", action="append", required=True,
                      help='"NAME=changes": CHAT_DEFAULTS with e.g. samples=1,top_k=40 (repeatable)')
    made.add_argument("--checkpoint", type=Path, default=ROOT / "checkpoints" / "chitchat")
    made.add_argument("--every", type=int, default=3)
    made.add_argument("--offset", type=int, default=0)
    made.add_argument("--seed", type=int, default=0)
    scored = commands.add_parser("score", help="aggregate the ratings")
    scored.add_argument("folder", type=Path)
    args = parser.parse_args()
    (build if args.command == "build" else score)(args)


if __name__ == "__main__":
    main()
