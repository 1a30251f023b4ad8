"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time


class Progress:
    """Counts training steps across the whole lab: ``advance(n, label)`` after each chunk of work."""

    def __init__(self, total: int, stream=None, enabled: bool | None = None):
        self.total = max(int(total), 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.perf_counter()

    def advance(self, steps: int = 1, label: str = "") -> None:
        self.done = min(self.done + steps, self.total)
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total)
        elapsed = time.perf_counter() - self.started
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\rlab [{bar}] {100 * self.done / self.total:5.1f}% {elapsed:5.0f}s {label:<28}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
