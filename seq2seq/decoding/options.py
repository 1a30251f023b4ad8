"""``DecodingOptions``: how to turn a model's next-piece distributions into an output.

Three methods share one set of options:

- ``greedy``: the most probable piece at every step;
- ``beam``: beam search over ``beam`` hypotheses per sentence, ranked by the GNMT length
  penalty ``log p(Y) / lp(Y)`` with ``lp(Y) = ((5 + |Y|) / 6) ** alpha`` (Wu et al. 2016, section
  7); ``n_best`` of them are returned;
- ``sample``: a random piece from the model's distribution at ``temperature``, restricted to the
  ``top_k`` most probable pieces and to the smallest set whose probability reaches ``top_p``
  (nucleus sampling, Holtzman et al. 2020); reproducible for a given ``seed``. With ``samples``
  above 1, that many outputs are drawn per sentence and ranked by their mean log-probability per
  piece (sample-and-rank, Adiwardana et al. 2020, "Towards a Human-like Open-Domain Chatbot"):
  the first is returned, the ``n_best`` first in all (each distinct output once).

For all of them ``no_repeat_ngram`` forbids any n-gram of that many pieces to appear twice in one
output, ``min_len`` forbids EOS before that many pieces and right after the bare word boundary
``▁`` (a chat reply has a word at least), and the output is at most ``min(max_len,
length_ratio * source_pieces + length_extra)`` pieces long (EOS not counted), computed for each
sentence from its own source.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from seq2seq.errors import ConfigError

METHODS = ("greedy", "beam", "sample")
# Above this, a banned piece's score (NEGATIVE, -1e9) divided by the temperature came near the
# others' and the bans (no_repeat_ngram, min_len) stopped holding; 100 is uniform enough.
MAX_TEMPERATURE = 100.0
MAX_SEED = 2**32 - 1  # sampling keys are 32-bit (``translator.row_key``)
# The most hypotheses per sentence (``beam``, ``samples``): a step scores width x vocabulary
# extensions per sentence (256 x 8,000 x 32 sentences is 262 MB of float32), and past a few
# dozen a wider search gains nothing (beam 10 and 3 scored alike on Multi30k, RESULTS.md).
MAX_WIDTH = 256
MAX_TOP_K = 2**31 - 1  # the search takes it as an int32
# The longest n-gram --no-repeat-ngram bans: the search's buffers hold at least n pieces, so
# 10^10 made a loop of 10^10 steps that ate the memory (and an n-gram repeats only in an output
# of twice its length).
MAX_NGRAM = 128


@dataclass(frozen=True)
class DecodingOptions:
    method: str = "greedy"  # "greedy" | "beam" | "sample"
    beam: int = 5  # hypotheses kept per sentence (beam search)
    alpha: float = 1.0  # GNMT length penalty exponent (beam search; 0: raw log-probability)
    n_best: int = 1  # outputs returned per sentence (at most ``beam``, or ``samples`` when sampling)
    temperature: float = 1.0  # divides the logits before sampling (sample)
    top_k: int = 0  # sample among the k most probable pieces only (0: all)
    top_p: float = 1.0  # sample within the smallest set of pieces of this total probability
    seed: int | None = None  # sampling seed (None: a fresh one every call)
    samples: int = 1  # outputs drawn per sentence, the likeliest per piece first (sample)
    no_repeat_ngram: int = 0  # no n-gram of this many pieces twice in one output (0: allowed)
    max_len: int = 100  # the longest output, in pieces
    min_len: int = 0  # the shortest output, in pieces (EOS is banned before; the length cap wins)
    length_ratio: float = 2.0  # ... and at most this many pieces per source piece
    length_extra: int = 10  # ... plus this many

    def __post_init__(self):
        if self.method not in METHODS:
            raise ConfigError(f"method must be one of {', '.join(METHODS)}; got {self.method!r}")
        for name in ("beam", "n_best", "max_len", "samples"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive integer; got {value!r}")
        for name in ("top_k", "no_repeat_ngram", "length_extra", "min_len"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{name} must be a non-negative integer; got {value!r}")
        for name in ("beam", "samples"):
            if getattr(self, name) > MAX_WIDTH:
                raise ConfigError(f"--{name} is at most {MAX_WIDTH}; got {getattr(self, name)}")
        if self.top_k > MAX_TOP_K:  # (any value from the vocabulary's size up samples among all pieces)
            raise ConfigError(f"--top-k is at most {MAX_TOP_K:,} (0: all pieces); got {self.top_k:,}")
        if self.no_repeat_ngram > MAX_NGRAM:
            raise ConfigError(f"--no-repeat-ngram is at most {MAX_NGRAM}; got {self.no_repeat_ngram:,}")
        if self.n_best > self.beam and self.method == "beam":
            raise ConfigError(f"--n-best ({self.n_best}) cannot exceed the beam width (--beam {self.beam}).")
        if self.samples > 1 and self.method != "sample":
            raise ConfigError("--samples above 1 needs sampling (--sample).")
        if self.n_best > self.samples and self.method == "sample":
            raise ConfigError(f"--n-best ({self.n_best}) cannot exceed the samples drawn (--samples {self.samples}).")
        if self.n_best > 1 and self.method == "greedy":
            raise ConfigError("--n-best above 1 needs beam search (--beam N) or several samples (--samples N).")
        for name in ("alpha", "temperature", "top_p", "length_ratio"):
            if not math.isfinite(getattr(self, name)):
                raise ConfigError(f"{name} must be a finite number; got {getattr(self, name)!r}")
        if not 0 < self.temperature <= MAX_TEMPERATURE:
            raise ConfigError(f"temperature must be above 0 and at most {MAX_TEMPERATURE:g}; got {self.temperature!r}")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"top_p must be in (0, 1]; got {self.top_p!r}")
        if self.alpha < 0:
            raise ConfigError(f"alpha must be non-negative; got {self.alpha!r}")
        if self.seed is not None and (not isinstance(self.seed, int) or isinstance(self.seed, bool)
                                      or not 0 <= self.seed <= MAX_SEED):
            raise ConfigError(f"seed must be in [0, {MAX_SEED}] (32 bits); got {self.seed!r}")
        if self.length_ratio < 0:
            raise ConfigError(f"length_ratio must be non-negative; got {self.length_ratio!r}")

    @property
    def width(self) -> int:
        """Hypotheses per sentence inside the search: ``beam`` for beam search, ``samples`` for
        sampling, 1 for greedy."""
        return {"beam": self.beam, "sample": self.samples}.get(self.method, 1)

    @property
    def truncates(self) -> bool:
        """Whether this samples with top-k or top-p cutting the distribution (which needs a sort)."""
        return self.method == "sample" and (self.top_k > 0 or self.top_p < 1)

    def cap(self, source_pieces: int) -> int:
        """The most pieces (EOS not counted) an output of a ``source_pieces``-long source gets."""
        return min(self.max_len, int(self.length_ratio * source_pieces) + self.length_extra)

    def replace(self, **changes) -> DecodingOptions:
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        """One line for logs and score reports: ``beam 5, alpha 1`` or ``sample, top_p 0.9``."""
        if self.method == "greedy":
            parts = ["greedy"]
        elif self.method == "beam":
            parts = [f"beam {self.beam}", f"alpha {self.alpha:g}"]
        else:
            parts = ["sample", f"temperature {self.temperature:g}"]
            if self.top_k:
                parts.append(f"top_k {self.top_k}")
            if self.top_p < 1:
                parts.append(f"top_p {self.top_p:g}")
            if self.seed is not None:
                parts.append(f"seed {self.seed}")
            if self.samples > 1:
                parts.append(f"best of {self.samples}")
        if self.no_repeat_ngram:
            parts.append(f"no_repeat_ngram {self.no_repeat_ngram}")
        if self.min_len:
            parts.append(f"min_len {self.min_len}")
        return ", ".join(parts)


# Sentences decoded together unless told otherwise. With two batches in flight (``Translator``),
# 32 gave beam 5 1.12x the throughput of 64 on the 2-core CPU (four interleaved pairs, 164-200
# against 152-174 sentences/s) and greedy the same (468-604 against 414-611); see RESULTS.md.
DECODE_BATCH = 32

# Batches decoded at the same time, on threads of their own (``Translator(workers=...)``).
DECODE_WORKERS = 2

# alpha (the class default, so every beam search gets it unless told otherwise) chosen on the
# Multi30k validation set: beam 5 gave BLEU 40.50 at alpha 1.0, 40.39 at 1.5, 39.78 at 2.0
# (greedy: 39.20); see benchmarks/RESULTS.md.
TRANSLATION_DEFAULTS = DecodingOptions(method="beam", beam=5)
# Chosen on 500 chitchat test contexts with the chatbot shipped before (seeds 0 and 1): distinct-2
# was 85-86% of the human replies' and the most frequent reply 1.2-1.6% of all (targets: >= 80%,
# <= 2%). Top-k 40 keeps the draw among plausible pieces (the 0.9 nucleus alone held a median of
# ~1,900 pieces, fragments included) and spares each step a sort of the whole vocabulary.
# Temperature 0.9 gave 81-84%, 0.8 74-76%; greedy answered one reply to 11% of the contexts, beam
# search "That's cool" to 23% (checkpoints/chitchat/README.md).
# A reply's length does not follow its context's: chat caps replies at ``max_len`` (40) alone.
# ``min_len`` 2: no reply of a single piece. The retrained chatbot's most frequent reply was the
# bare "Yeah" (2.2% of 500 test contexts); on the validation split (500 contexts, seeds 0-2)
# min_len 2 took the most frequent reply from 1.4-1.6% to 0.6-0.8% at the same log-probability
# per piece (-2.94) and distinct-2 87-89% of human (88-90% with 1). (With 0, EOS came first, an
# empty reply, for about 1 context in 300.)
# ``samples`` 4 at top-k 80: sample-and-rank. One sample was rated worse than the likeliest of
# four in blind ratings of 166-167 validation contexts, twice (1 to 5 a reply, human replies
# among them at 4.2-4.3: one sample 2.01 and 2.01, the best of four 2.39 and 2.40, top-k 80
# 2.34), but ranking narrows the replies (distinct-2 76% of human at top-k 40); the wider draw
# of top-k 80 gives that back (86%, most frequent reply 1.2%). checkpoints/chitchat/README.md.
CHAT_DEFAULTS = DecodingOptions(
    method="sample", top_k=80, top_p=0.9, temperature=1.0, no_repeat_ngram=3, max_len=40, min_len=2,
    length_ratio=0.0, length_extra=10_000, samples=4,
)
