"""Chatbot quality without decoding: test perplexity, response ranking, the human replies' figures.

    python benchmarks/chat_quality.py [--checkpoint checkpoints/chitchat] [--corpus chitchat]
        [--candidates 20] [--seed 0] [--mmi-weight 1.0[,W ...]] [--diversity-contexts 500]
        [--split test] [--limit N] [--skip-decoding] [--json]

1. Loads the checkpoint and reads the ``--split`` (default test) of ``--corpus`` with the
   ``context_turns`` the checkpoint was trained with (config.json's data section); dialogue
   corpora are split by conversation, so no test conversation was seen in training.
2. Perplexity: teacher-forced (``seq2seq.evaluation.target_log_probs``), per target piece, EOS
   included; and per word (the same total over the replies' words, EOS counted as one), which
   compares models with different SentencePiece vocabularies.
3. Response ranking, hits@1 of ``--candidates`` (ConvAI2): for every test context, the true reply
   against ``--candidates - 1`` replies of other test conversations drawn with ``--seed``, ranked
   by the model's mean log-probability per piece (``seq2seq.chat.ranking``). Chance: 1/candidates.
   Then the same candidates ranked by maximum mutual information, ``log p(r | c) - W log p(r | "")``
   for each ``--mmi-weight`` W (1.0, chosen on the validation split: ``--split valid --mmi-weight
   0.5,0.8,0.9,1.0,1.1,1.2 --skip-decoding``); every pair is scored once whatever the weights.
4. The human replies' diversity (``seq2seq.chat.diversity``) on ``--diversity-contexts`` test
   contexts sampled with ``--seed`` (``sample_contexts``) and on all of them: distinct-1/2, the
   share of the most frequent reply, mean words.
5. The model's replies on the same sampled contexts, decoded with the chat default
   (``CHAT_DEFAULTS``: the likeliest per piece of 4 samples, each drawn at temperature 1.0 among
   the top-k 80 within the top-p 0.9 nucleus, no repeated trigram; ``--seed``), with one such
   sample, with one sample at top-k 40 (the default before) and of the nucleus alone (top-k 0),
   and, to show what sampling avoids, greedily and with beam 5: the same diversity figures, and
   the replies' mean log-probability per piece under the model (how fluent the model finds them).

Targets (issue 8): hits@1 >= 25% (by likelihood, the ConvAI2 protocol); with the chat default,
distinct-2 at least 80% of the human replies' and no reply more than 2% of all replies.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from seq2seq.quiet import filter_native_stderr; filter_native_stderr()  # noqa: E402,E702 (before TensorFlow loads)


def memoized(score):
    """``score`` (pairs -> (N,) scores) that scores each distinct pair once over all its calls."""
    import numpy as np

    seen = {}

    def cached(pairs):
        missing = [pair for pair in dict.fromkeys(pairs) if pair not in seen]
        if missing:
            seen.update(zip(missing, score(missing)))
        return np.array([seen[pair] for pair in pairs])

    return cached


def scored_pieces(output, options) -> int:
    """The pieces whose log-probability ``output.score`` sums: its pieces and its EOS, unless that
    EOS was forced at the length cap (it scores nothing), as ``sampling.rank_samples`` counts."""
    forced = len(output.pieces) >= options.cap(len(output.source_pieces))
    return max(len(output.pieces) + (0 if forced else 1), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "checkpoints" / "chitchat")
    parser.add_argument("--corpus", action="append", help="default: chitchat")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--diversity-contexts", type=int, default=500)
    parser.add_argument("--limit", type=int, default=None, help="rank only the first N contexts")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json", action="store_true", help="also print one JSON object")
    parser.add_argument("--skip-ranking", action="store_true", help="only perplexity and diversity")
    parser.add_argument("--skip-decoding", action="store_true", help="no generated replies")
    parser.add_argument("--split", default="test", choices=["train", "valid", "test"])
    parser.add_argument("--mmi-weight", default="1.0",
                        help="comma-separated weights of the reply prior in the MMI ranking")
    args = parser.parse_args()

    from seq2seq.chat.diversity import diversity, sample_contexts
    from seq2seq.chat.ranking import conversation_numbers, mean_log_probs, rank_replies
    from seq2seq.checkpoint import context_turns as checkpoint_context_turns
    from seq2seq.corpora import load_pairs
    from seq2seq.decoding import load_translator
    from seq2seq.evaluation import target_log_probs
    from seq2seq.machine import cpu_model

    translator, loaded = load_translator(args.checkpoint)
    context_turns = checkpoint_context_turns(loaded.config)
    specs = args.corpus or ["chitchat"]
    pairs = list(load_pairs(specs, args.split, data_dir=args.data_dir, context_turns=context_turns))
    conversations = conversation_numbers(pairs)
    print(f"checkpoint {args.checkpoint} on {cpu_model()}")
    print(
        f"{args.split} split of {', '.join(specs)}: {len(pairs):,} pairs from "
        f"{conversations.max() + 1:,} conversations, context turns {context_turns}"
    )

    started = time.perf_counter()
    totals, pieces = target_log_probs(loaded.model, loaded.tokenizer, pairs, args.batch_size)
    words = sum(len(reply.split()) + 1 for _, reply in pairs)  # the end counted as a word
    test_perplexity = math.exp(-totals.sum() / pieces.sum())
    word_perplexity = math.exp(-totals.sum() / words)
    print(f"perplexity {test_perplexity:.2f} per piece, {word_perplexity:.2f} per word "
          f"({pieces.sum() / words:.2f} pieces a word; {time.perf_counter() - started:.0f} s)")

    started = time.perf_counter()
    scorer = memoized(
        functools.partial(mean_log_probs, loaded.model, loaded.tokenizer, batch_size=args.batch_size)
    )
    ranked_pairs = pairs[: args.limit] if args.limit else pairs
    rankings = [] if args.skip_ranking else [
        rank_replies(
            scorer,
            ranked_pairs,
            count=args.candidates,
            seed=args.seed,
            conversations=conversations[: len(ranked_pairs)],
            mmi_weight=float(weight),
        )
        for weight in args.mmi_weight.split(",")
    ]
    ranking = rankings[0] if rankings else None
    if ranking is not None:
        print(
            f"hits@1 of {ranking.candidates}: {ranking.hits_at_1:.1%} by likelihood over "
            f"{ranking.contexts:,} contexts (chance {ranking.chance:.0%}, seed {args.seed}; "
            f"{time.perf_counter() - started:.0f} s)"
        )
        for result in rankings:
            print(f"hits@1 of {result.candidates}: {result.mmi_hits_at_1:.1%} by MMI, weight {result.mmi_weight:g}")

    replies = [reply for _, reply in pairs]
    sample = sample_contexts(len(pairs), args.diversity_contexts, seed=args.seed)
    human = {
        "sampled": diversity([replies[i] for i in sample]),
        "all": diversity(replies),
    }
    for name, figures in human.items():
        print(
            f"human replies ({name}, {figures['replies']:,}): "
            f"distinct-1 {figures['distinct_1']:.3f}  distinct-2 {figures['distinct_2']:.3f}  "
            f"top reply {figures['top_reply']!r} {figures['top_reply_share']:.1%}  "
            f"mean {figures['mean_words']:.1f} words"
        )
    from seq2seq.decoding import CHAT_DEFAULTS, DecodingOptions
    contexts = [pairs[i][0] for i in sample]
    generated = {}
    decodings = () if args.skip_decoding else (
        ("chat default", CHAT_DEFAULTS.replace(seed=args.seed)),
        ("one sample", CHAT_DEFAULTS.replace(seed=args.seed, samples=1)),
        ("one sample, top-k 40", CHAT_DEFAULTS.replace(seed=args.seed, samples=1, top_k=40)),
        ("nucleus only", CHAT_DEFAULTS.replace(seed=args.seed, samples=1, top_k=0)),
        ("greedy", DecodingOptions(method="greedy", length_ratio=0.0, length_extra=40)),
        ("beam 5", DecodingOptions(method="beam", beam=5, alpha=1.0, length_ratio=0.0, length_extra=40)),
    )
    for name, options in decodings:
        started = time.perf_counter()
        outputs = translator.translate(contexts, options, batch_size=args.batch_size)
        figures = diversity([output.text for output in outputs])
        figures["distinct_2_vs_human"] = figures["distinct_2"] / human["sampled"]["distinct_2"]
        figures["log_prob_per_piece"] = sum(o.score / scored_pieces(o, options) for o in outputs) / len(outputs)
        generated[name] = figures
        print(
            f"model replies, {name} ({options.describe()}): distinct-1 {figures['distinct_1']:.3f}  "
            f"distinct-2 {figures['distinct_2']:.3f} ({figures['distinct_2_vs_human']:.0%} of human)  "
            f"top reply {figures['top_reply']!r} {figures['top_reply_share']:.1%}  "
            f"mean {figures['mean_words']:.1f} words  log-prob/piece {figures['log_prob_per_piece']:.2f}  "
            f"({time.perf_counter() - started:.0f} s)"
        )
    if args.json:
        print(
            json.dumps(
                {
                    "checkpoint": str(args.checkpoint),
                    "corpora": specs,
                    "context_turns": context_turns,
                    "test_pairs": len(pairs),
                    "perplexity": test_perplexity,
                    "perplexity_per_word": word_perplexity,
                    "hits_at_1": None if ranking is None else ranking.hits_at_1,
                    "mmi_hits_at_1": {f"{r.mmi_weight:g}": r.mmi_hits_at_1 for r in rankings},
                    "candidates": args.candidates,
                    "ranked_contexts": 0 if ranking is None else ranking.contexts,
                    "seed": args.seed,
                    "human": human,
                    "generated": generated,
                },
                sort_keys=True,
            )
        )


if __name__ == "__main__":
    main()
