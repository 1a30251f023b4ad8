"""Chat and translate as plain functions: text and settings in, text (and the decoding) out.

The page and its API call these; they know nothing of Gradio. A conversation is the list of its
turns so far (user, model, user, ...), kept per browser session by the page; the source of the
next reply is built from it as in training (``seq2seq.chat.conversation.reply_source``).
"""

from __future__ import annotations

import html
import re
import threading

from seq2seq.chat.conversation import reply_source
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


def decoding_options(
    base: DecodingOptions, method: str, temperature: float, top_k: int, top_p: float, beam: int
) -> DecodingOptions:
    """``base`` (``CHAT_DEFAULTS`` or ``TRANSLATION_DEFAULTS``) with the page's settings.

    ``method`` is a page label (``sampling``, ``greedy``, ``beam search``) or a method name.
    """
    method = METHOD_NAMES.get(method, method)
    return base.replace(
        method=method, temperature=float(temperature), top_k=int(top_k), top_p=float(top_p), beam=int(beam), n_best=1
    )


def chat_options(method="sampling", temperature=None, top_k=None, top_p=None, beam=None) -> DecodingOptions:
    """The chat defaults with whichever settings are given."""
    d = CHAT_DEFAULTS
    return decoding_options(d, method, temperature or d.temperature, top_k if top_k is not None else d.top_k,
                            top_p or d.top_p, beam or d.beam)


def translation_options(method="beam search", temperature=None, top_k=None, top_p=None, beam=None) -> DecodingOptions:
    """The translation defaults with whichever settings are given."""
    d = TRANSLATION_DEFAULTS
    return decoding_options(d, method, temperature or d.temperature, top_k if top_k is not None else d.top_k,
                            top_p or d.top_p, beam or d.beam)


class ChatHistory:
    """One browser session's conversation, kept in a ``gr.State`` and changed in place.

    ``clear`` starts a new conversation (the Clear button, the chat window's bin, another model).
    A message belongs to the conversation it was sent in (``asked``, noted when it appears on
    screen): ``add`` drops its reply when that one was cleared meanwhile, instead of bringing the
    old turns back. Events run on Gradio's threads, hence the lock.
    """

    def __init__(self):
        self.turns: list[str] = []  # user first, alternating
        self.conversation = 0  # how many times it was cleared
        self.sent: dict[str, int] = {}  # message -> the conversation it was sent in
        self._lock = threading.Lock()

    def asked(self, message: str) -> int:
        """The conversation ``message`` was sent in (noted by ``send``, else the current one)."""
        with self._lock:
            return self.sent.pop(message, self.conversation)

    def send(self, message: str) -> None:
        with self._lock:
            self.sent[message] = self.conversation

    def clear(self) -> ChatHistory:
        with self._lock:
            self.conversation += 1
            self.turns = []
        return self

    def add(self, conversation: int, turns: list[str]) -> bool:
        """Append ``turns`` (a message and its reply) if ``conversation`` is still the current one."""
        with self._lock:
            if conversation != self.conversation:
                return False
            self.turns.extend(turns)
            return True

    def __deepcopy__(self, memo) -> ChatHistory:  # Gradio copies a State's value; the lock cannot be
        copy = ChatHistory()
        copy.turns, copy.conversation, copy.sent = list(self.turns), self.conversation, dict(self.sent)
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
    source = reply_source(turns, message, context_turns, translator, on_cut)
    if source is None:
        return "", list(turns)
    reply = decoder.decode(translator, source, options).text
    return reply, [*turns, message, reply]


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
