"""Chat and translate as plain functions: text and settings in, text (and the decoding) out.

The page and its API call these; they know nothing of Gradio. A conversation is a ``ChatHistory``
(its turns so far, user, model, user, ..., and the messages waiting for a reply), kept per
browser session by the page; the reply comes from its turns as in the terminal's chat
(``seq2seq.chat.conversation.answer``).
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from seq2seq.chat.conversation import answer
from seq2seq.corpora.text import normalize_text
from seq2seq.decoding.options import CHAT_DEFAULTS, TRANSLATION_DEFAULTS, DecodingOptions
from seq2seq.errors import Seq2SeqError

MAX_INPUT_CHARS = 2_000  # longer inputs get a message, not a decoding
METHOD_NAMES = {"sampling": "sample", "greedy": "greedy", "beam search": "beam"}  # page label -> method


class InputTooLong(Seq2SeqError, ValueError):
    """A message or sentence longer than ``MAX_INPUT_CHARS``."""


def check_length(text: str) -> None:
    """Raise ``InputTooLong`` with one line the user can act on."""
    if len(text) > MAX_INPUT_CHARS:
        raise InputTooLong(
            f"Your text is {len(text):,} characters long; the limit is {MAX_INPUT_CHARS:,}. "
            "Please shorten it."
        )


def is_sendable(message: str) -> bool:
    """Whether a chat message gets a reply: some text once normalized (not only spaces or
    invisible characters), at most ``MAX_INPUT_CHARS``."""
    return len(message) <= MAX_INPUT_CHARS and bool(normalize_text(message))


def decoding_options(
    base: DecodingOptions, method: str, temperature: float, top_k: int, top_p: float, beam: int, samples: int = 1
) -> DecodingOptions:
    """``base`` (``CHAT_DEFAULTS`` or ``TRANSLATION_DEFAULTS``) with the page's settings.

    ``method`` is a page label (``sampling``, ``greedy``, ``beam search``) or a method name;
    ``samples`` counts for sampling only (the slider stays where it was for the other methods).
    """
    method = METHOD_NAMES.get(method, method)
    return base.replace(
        method=method, temperature=float(temperature), top_k=int(top_k), top_p=float(top_p), beam=int(beam), n_best=1,
        samples=int(samples) if method == "sample" else 1,
    )


def page_defaults(base: DecodingOptions, method: str | None = None) -> DecodingOptions:
    """What the page decodes with before a slider is moved: ``base`` (``CHAT_DEFAULTS`` or
    ``TRANSLATION_DEFAULTS``), as ``decoding_options`` passes it on, with ``method`` if given."""
    return decoding_options(base, method or base.method, base.temperature, base.top_k, base.top_p, base.beam, base.samples)


class Sent:
    """A message on screen whose reply is not yet added: its text and the conversation it was sent in."""

    def __init__(self, message: str, conversation: int):
        self.message, self.conversation, self.taken = message, conversation, False


class ChatHistory:
    """One browser session's conversation, kept in a ``gr.State`` and changed in place.

    A message is on screen as soon as it is sent (``send``), and its reply is decoded in its turn
    (``answering``): after the replies to every message sent before it in the same conversation,
    which are then part of its context, so that two messages sent in quick succession are both
    answered, in order. ``clear`` starts a new conversation (the Clear button, the chat window's
    bin, another model): ``add`` drops a reply to a message of a cleared conversation instead of
    bringing the old turns back. Events run on Gradio's threads, hence the lock.
    """

    WAIT = 120.0  # seconds a reply waits for the replies before it (then messages whose events never ran are let go)

    def __init__(self):
        self.turns: list[str] = []  # user first, alternating
        self.conversation = 0  # how many times it was cleared
        self.waiting: list[Sent] = []  # sent, in order, their replies not yet added or dropped
        self._changed = threading.Condition()

    def send(self, message: str) -> None:
        """``message`` is on screen: its reply comes after those of the messages sent before it."""
        with self._changed:
            self.waiting.append(Sent(message, self.conversation))

    @contextmanager
    def answering(self, message: str) -> Iterator[Sent]:
        """The turn of ``message`` (sent with ``send``; else, an API call, from now): waits until
        every earlier message of its conversation has its reply added or dropped."""
        with self._changed:
            sent = next((s for s in self.waiting if s.message == message and not s.taken), None)
            if sent is None:
                sent = Sent(message, self.conversation)
                self.waiting.append(sent)
            sent.taken = True
            turn = self._changed.wait_for(
                lambda: next(s for s in self.waiting if s.conversation == sent.conversation) is sent, self.WAIT)
            if not turn:  # messages ahead whose events never ran (a full queue, a cancelled event): let
                # them go, or every later message of this conversation would wait as long
                ahead = self.waiting[: self.waiting.index(sent)]
                for stuck in [s for s in ahead if s.conversation == sent.conversation and not s.taken]:
                    self.waiting.remove(stuck)
        try:
            yield sent
        finally:
            with self._changed:
                self.waiting.remove(sent)
                self._changed.notify_all()

    def add(self, sent: Sent, turns: list[str]) -> bool:
        """Append ``turns`` (the message and its reply) if ``sent``'s conversation is still the current one."""
        with self._changed:
            if sent.conversation != self.conversation:
                return False
            self.turns.extend(turns)
            return True

    def clear(self) -> ChatHistory:
        with self._changed:
            self.conversation += 1
            self.turns = []
        return self

    def messages(self) -> list[dict]:
        """The chat window: the turns, then the messages of this conversation still waiting for a reply."""
        with self._changed:
            waiting = [s.message for s in self.waiting if s.conversation == self.conversation]
            return turns_to_messages(self.turns) + [{"role": "user", "content": shown(m)} for m in waiting]

    def __deepcopy__(self, memo) -> ChatHistory:  # Gradio copies a State's value; the lock cannot be
        copy = ChatHistory()
        copy.turns, copy.conversation = list(self.turns), self.conversation
        return copy


def chat_reply(decoder, translator, context_turns: int, turns: list[str], message: str,
               options: DecodingOptions, on_cut=None) -> tuple[str, list[str]]:
    """The model's reply to ``message`` after ``turns``, and the turns with both added.

    Args:
        decoder: a ``BatchingDecoder`` (or anything with its ``decode``).
        translator: the chat checkpoint's ``Translator``.
        context_turns: the checkpoint's ``data.context_turns``.
        on_cut: called with the model's longest source (in pieces) when ``message`` alone is
            longer, so that the model reads its beginning only.

    A message that normalizes to nothing (empty, spaces, control characters) gets an empty reply
    and leaves the turns alone; one over ``MAX_INPUT_CHARS`` raises ``InputTooLong``.
    """
    check_length(message)
    return answer(turns, message, context_turns, translator,
                  lambda source: decoder.decode(translator, source, options).text, on_cut)


def translate_text(decoder, translator, text: str, options: DecodingOptions, on_cut=None):
    """The ``Output`` of ``text`` (with its attention matrix), or None for an empty text.

    ``on_cut``: called with the model's longest source (in pieces) when ``text`` is longer, so
    that the model reads its beginning only.
    """
    check_length(text)
    if not normalize_text(text):
        return None
    _, cut = translator.encode([text])
    if cut and on_cut is not None:
        on_cut(translator.max_source_pieces)
    return decoder.decode(translator, text, options, attention=True)


def turns_to_messages(turns: list[str]) -> list[dict]:
    """Turns (user first, alternating) as the chat window's ``{"role", "content"}`` messages."""
    roles = ("user", "assistant")
    return [{"role": roles[i % 2], "content": shown(turn) if turn else "…"} for i, turn in enumerate(turns)]


# What the chat window, which renders HTML, would read as markup: a tag, a comment, an entity.
MARKUP = re.compile(r"<[A-Za-z/!?]|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")


def shown(text: str) -> str:
    """``text`` as the chat window must get it to show it as typed: escaped where it holds markup,
    else unchanged, so that the window's copy buttons copy "fish & chips", not "fish &amp; chips"."""
    return html.escape(text, quote=False) if MARKUP.search(text) else text
