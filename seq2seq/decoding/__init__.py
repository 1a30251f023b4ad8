"""Decoding: greedy, beam search and sampling over a trained model, in one compiled loop.

>>> translator = Translator(model, tokenizer)                             # doctest: +SKIP
>>> translator.translate(["Ein Hund rennt."], DecodingOptions(method="beam", beam=5))  # doctest: +SKIP

Modules: ``options`` (``DecodingOptions`` and the translation and chat defaults),
``constraints`` (n-gram bans, length caps, top-k/top-p, batch-independent noise, length
penalty), ``sampling`` (greedy and sampling), ``beam`` (beam search), ``translator`` (text in,
``Output`` out: normalization, bucketing, compilation).
"""

from __future__ import annotations

from collections.abc import Sequence

from seq2seq.decoding.options import CHAT_DEFAULTS, METHODS, TRANSLATION_DEFAULTS, DecodingOptions
from seq2seq.decoding.translator import Output, Translator


def translate(
    model, tokenizer, texts: Sequence[str], batch_size: int = 64, max_len: int = 100, options: DecodingOptions | None = None
) -> list[str]:
    """Texts in, texts out, in order (greedy unless ``options`` say otherwise)."""
    options = options or DecodingOptions(max_len=max_len)
    outputs = Translator(model, tokenizer).translate(texts, options, batch_size=batch_size)
    return [output.text for output in outputs]


__all__ = ["CHAT_DEFAULTS", "METHODS", "TRANSLATION_DEFAULTS", "DecodingOptions", "Output", "Translator", "translate"]
