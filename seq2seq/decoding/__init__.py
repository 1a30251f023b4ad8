"""Decoding: greedy, beam search and sampling over a trained model, in one compiled loop.

>>> translator = Translator(model, tokenizer)                             # doctest: +SKIP
>>> translator.translate(["Ein Hund rennt."], DecodingOptions(method="beam", beam=5))  # doctest: +SKIP

Modules: ``options`` (``DecodingOptions`` and the translation and chat defaults; no Keras),
``constraints`` (n-gram bans, top-k/top-p, batch-independent noise, length
penalty), ``selection`` (argmax, the beam's top-k, gathers and step writes, fast on
TensorFlow), ``sampling`` (greedy and sampling), ``beam`` (beam search), ``translator`` (text in,
``Output`` out: normalization, bucketing, compilation), ``plot`` (the attention heatmap).
``Translator``, ``Output``, ``load_translator`` (a checkpoint folder's) and ``translate`` load
Keras on first use.
"""

from __future__ import annotations

from seq2seq.decoding.options import CHAT_DEFAULTS, DECODE_BATCH, METHODS, TRANSLATION_DEFAULTS, DecodingOptions
from seq2seq.training.config import TrainingConfig


def translate(
    model, tokenizer, texts, options: DecodingOptions = DecodingOptions(), batch_size: int = DECODE_BATCH,
    max_source_pieces: int = TrainingConfig.max_pieces,
) -> list[str]:
    """Texts in, texts out, in order (greedy unless ``options`` say otherwise); each source cut
    at ``max_source_pieces`` (the checkpoint's ``training.max_pieces``)."""
    from seq2seq.decoding.translator import Translator

    outputs = Translator(model, tokenizer, max_source_pieces).translate(texts, options, batch_size=batch_size)
    return [output.text for output in outputs]


def __getattr__(name: str):
    if name in ("Translator", "Output", "load_translator", "decoding_threads"):
        from seq2seq.decoding import translator

        return getattr(translator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CHAT_DEFAULTS", "DECODE_BATCH", "METHODS", "TRANSLATION_DEFAULTS", "DecodingOptions", "Output", "Translator", "decoding_threads", "load_translator", "translate"]
