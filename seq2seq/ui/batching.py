"""Decoding of simultaneous requests, batched: one worker thread, one model call per group.

Every page request (a chat turn, a translation) puts its source on one queue and waits. The
worker takes what is waiting (up to ``max_batch`` sources, after a short ``window`` for
stragglers), groups the sources by model and decoding options, and decodes each group as one
batch. Twenty users who press Enter together cost about one batched decoding, not twenty
decodings one after another; the model is only ever used by one thread at a time.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from seq2seq.decoding.options import DecodingOptions


@dataclass
class Request:
    translator: object  # a seq2seq.decoding.Translator
    source: str
    options: DecodingOptions
    attention: bool
    future: Future = field(default_factory=Future)

    @property
    def group(self) -> tuple:
        return id(self.translator), self.options, self.attention


class BatchingDecoder:
    """``decode(translator, source, options)`` from any thread; batched behind the scenes.

    Args:
        max_batch: the most sources decoded together.
        window: seconds the worker waits, after the first request, for others to join it.
    """

    def __init__(self, max_batch: int = 32, window: float = 0.01):
        self.max_batch = max_batch
        self.window = window
        self.lock = threading.Lock()  # held while the model runs; others who use a model take it too
        self._queue: queue.Queue[Request] = queue.Queue()
        self._worker = threading.Thread(target=self._serve, name="seq2seq-batching", daemon=True)
        self._worker.start()

    def decode(self, translator, source: str, options: DecodingOptions, attention: bool = False):
        """The ``Output`` of one source; blocks until its batch is decoded."""
        request = Request(translator, source, options, attention)
        self._queue.put(request)
        return request.future.result()

    def _serve(self) -> None:
        while True:
            waiting = [self._queue.get()]
            deadline = time.monotonic() + self.window
            while len(waiting) < self.max_batch:
                try:
                    waiting.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            groups: dict[tuple, list[Request]] = {}
            for request in waiting:
                groups.setdefault(request.group, []).append(request)
            for requests in groups.values():
                self._decode(requests)

    def _decode(self, requests: list[Request]) -> None:
        first = requests[0]
        try:
            with self.lock:
                outputs = first.translator.translate(
                    [r.source for r in requests], first.options, batch_size=self.max_batch, attention=first.attention
                )
        except Exception as error:  # noqa: BLE001 - every waiting request hears of it
            for request in requests:
                request.future.set_exception(error)
            return
        for request, output in zip(requests, outputs):
            request.future.set_result(output)
