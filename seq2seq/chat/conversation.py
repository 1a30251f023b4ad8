"""A conversation with a dialogue checkpoint: the history becomes the source as in training.

A training pair's source is the ``context_turns`` turns before the reply, joined by
``" <sep> "`` (``seq2seq.corpora.dialogue.dialogue_pairs``); ``Conversation`` builds the source
of the next reply from its history in exactly that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seq2seq.corpora.dialogue import CONTEXT_SEPARATOR
from seq2seq.corpora.text import normalize_text
from seq2seq.decoding.options import CHAT_DEFAULTS, DecodingOptions


def context_source(turns: list[str], context_turns: int) -> str:
    """The source of the reply that follows ``turns``: their last ``context_turns``, joined."""
    recent = [normalize_text(turn) for turn in turns[-context_turns:]]
    return f" {CONTEXT_SEPARATOR} ".join(recent)


def fitting_source(turns: list[str], context_turns: int, translator) -> tuple[str, bool]:
    """The source of the reply that follows ``turns``, within what the model reads.

    The last ``context_turns`` turns, joined as in training; when they are longer than
    ``translator.max_source_pieces`` (training left such pairs out), the oldest turns go first,
    so the model always reads the newest message. Returns ``(source, cut)``: ``cut`` is True when
    even the last turn alone is too long (the translator then reads its first pieces only).
    """
    for count in range(min(context_turns, len(turns)), 0, -1):
        source = context_source(turns, count)
        _, cut = translator.encode([source])
        if not cut:
            return source, False
    return context_source(turns, 1), True


def reply_source(turns: list[str], message: str, context_turns: int, translator, on_cut=None) -> str | None:
    """The source of the reply to ``message`` after ``turns`` (``fitting_source``'s), or None for a
    message that normalizes to nothing (empty, spaces, control characters): it gets no reply.

    ``on_cut`` is called with the model's longest source (in pieces) when ``message`` alone is
    longer, so that the model reads its beginning only.
    """
    if not normalize_text(message):
        return None
    source, cut = fitting_source([*turns, message], context_turns, translator)
    if cut and on_cut is not None:
        on_cut(translator.max_source_pieces)
    return source


def answer(turns: list[str], message: str, context_turns: int, translator, decode, on_cut=None) -> tuple[str, list[str]]:
    """The reply to ``message`` after ``turns``, and the turns with both added (a new list).

    ``decode(source) -> str`` decodes one source (the terminal's ``Translator.translate``, the
    web page's batching queue). A message that normalizes to nothing gets an empty reply and
    leaves the turns as they were; ``on_cut`` is ``reply_source``'s.
    """
    source = reply_source(turns, message, context_turns, translator, on_cut)
    if source is None:
        return "", list(turns)
    reply = decode(source)
    return reply, [*turns, message, reply]


@dataclass
class Conversation:
    """Turns so far, alternately the user's and the model's.

    Args:
        translator: a ``seq2seq.decoding.Translator`` over a dialogue checkpoint.
        context_turns: the checkpoint's ``context_turns`` (its config's data section).
        options: how replies are decoded (default: varied sampling, no repeated trigrams).
    """

    translator: object
    context_turns: int = 1
    options: DecodingOptions = CHAT_DEFAULTS
    turns: list[str] = field(default_factory=list)

    def reply(self, message: str, on_cut=None) -> str:
        """Add the user's ``message``, decode the model's reply, add it and return it.

        A message that normalizes to nothing gets an empty reply and leaves the history alone;
        the source and ``on_cut`` are ``reply_source``'s.
        """
        reply, self.turns = answer(  # both turns or, if interrupted while decoding, neither
            self.turns, message, self.context_turns, self.translator,
            lambda source: self.translator.translate([source], self.options, batch_size=1)[0].text, on_cut)
        return reply

    def reset(self) -> None:
        """Forget every turn."""
        self.turns.clear()
