"""``CorpusSelection``: the corpus options of one command line or run, ready to load pairs from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seq2seq.corpora.source import PairSource, load_pairs


@dataclass(frozen=True)
class CorpusSelection:
    """Which corpora, and how to read them; ``load(split)`` gives the pairs of a split."""

    specs: tuple[str, ...]  # --corpus, in order
    data_dir: Path | None  # --data-dir (None: $SEQ2SEQ_CORPORA or ./corpora)
    context_turns: int | None  # --context-turns (None: evaluate takes the checkpoint's)
    split: str  # --split
    skip_bad_lines: bool  # --skip-bad-lines
    max_len: int | None  # --max-len, in words; filters the train split only

    def load(self, split: str | None = None) -> PairSource:
        """The pairs of ``split`` (default: ``split``); see ``seq2seq.corpora.load_pairs``."""
        return load_pairs(
            list(self.specs),
            split=split or self.split,
            data_dir=self.data_dir,
            context_turns=self.context_turns,
            skip_bad_lines=self.skip_bad_lines,
            max_len=self.max_len,
        )
