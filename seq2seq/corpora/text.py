"""Text normalization shared by every corpus: Unicode NFKC, no control characters, single spaces.

Every pair is normalized before it is filtered, split or tokenized, so the tokenizer's round trip
``decode(encode(x)) == x`` holds for the text the corpus yields.
"""

from __future__ import annotations

import unicodedata

import numpy as np


# Invisible characters that change no word but would reach the tokenizer as pieces of their own
# (text pasted from web pages carries them): the soft hyphen, zero-width space, word joiner,
# byte-order mark and the bidirectional marks, embeddings and isolates. The zero-width joiner and
# non-joiner (U+200C, U+200D) stay: they spell words in Persian and the Indic scripts, and emoji.
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                   "\u2060\u2066\u2067\u2068\u2069\ufeff"))


def normalize_text(text: str) -> str:
    """Return ``text`` in Unicode NFKC with control and invisible characters removed and
    whitespace collapsed.

    Runs of whitespace (spaces, tabs, newlines, no-break spaces, ...) become one ASCII space and
    leading/trailing whitespace is removed; other control characters (category ``Cc``) and the
    ``INVISIBLE`` ones (a zero-width space, a soft hyphen, ...) are dropped first, so that NFKC
    composes what they separated.

    >>> normalize_text("  Ｈello\\u00a0 world\\t!\\x00 ")
    'Hello world !'
    >>> normalize_text("Män\\u200bner\\u00ad")
    'Männer'
    """
    printable = text.isprintable()  # no whitespace but " ", no control or format characters: the common case
    if not printable:
        text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) != "Cc").translate(INVISIBLE)
    if not text.isascii():  # ASCII is already NFKC (and isascii() costs nothing)
        text = unicodedata.normalize("NFKC", text)
        printable = text.isprintable()
    if printable:
        if "  " in text or text.startswith(" ") or text.endswith(" "):
            return " ".join(text.split())
        return text
    return " ".join(text.split())


def word_count(normalized: str) -> int:
    """Number of space-separated words in text already passed through ``normalize_text``."""
    return normalized.count(" ") + 1 if normalized else 0


def normalize_fields(text: str) -> str | None:
    """``text`` in NFKC if each of its tab- or newline-separated fields is then normalized.

    For a whole block of TSV lines at once: returns the text whose fields are what
    ``normalize_text`` makes of the fields of ``text``, or ``None`` when some field needs more
    than NFKC (control characters, other whitespace, leading, trailing or double spaces), to be
    normalized one by one. NFKC neither makes nor removes tabs and newlines, nor composes
    characters across them, so it can be applied to the block rather than to each field.

    >>> normalize_fields("Ｈello\\tworld\\nok\\t!")
    'Hello\\tworld\\nok\\t!'
    >>> normalize_fields("two  spaces\\tx") is None
    True
    """
    if not text:
        return text
    ascii_only = text.isascii()
    if not ascii_only:
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        if not text.replace("\t", " ").replace("\n", " ").isprintable():
            return None
    # UTF-8 bytes: a space, tab or newline byte is that character and nothing else
    codes = np.frombuffer(text.encode(), dtype=np.uint8)  # (bytes,)
    separator = (codes == _TAB) | (codes == _NEWLINE)  # (bytes,) between fields
    if ascii_only:  # printable: no control characters but the separators, no DEL
        controls = np.count_nonzero(codes < _SPACE)
        if controls != np.count_nonzero(separator) or np.count_nonzero(codes == _DELETE):
            return None
    space = codes == _SPACE  # (bytes,)
    if space[0] or space[-1]:
        return None
    # a space before a space or a separator, or after a separator: spaces to collapse or strip
    if np.any(space[:-1] & (space[1:] | separator[1:])) or np.any(separator[:-1] & space[1:]):
        return None
    return text


_TAB, _NEWLINE, _SPACE, _DELETE = 0x09, 0x0A, 0x20, 0x7F
