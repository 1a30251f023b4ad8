"""The shipped German->English model on all 1,000 test2016 sentences: each sentence decodes to
the same translation alone and inside a batch of 64, greedy and with beam 5 (the bug the old
decoder had: its length cap came from the batch's widest sentence).

Reads Multi30k from ``../shared/corpora`` (or ``$SEQ2SEQ_CORPORA``); skipped where it is absent.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("SEQ2SEQ_CORPORA", ROOT.parent / "shared" / "corpora"))
TEST_SOURCES = CORPORA / "multi30k" / "test_2016_flickr.de.gz"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not TEST_SOURCES.is_file(), reason=f"Multi30k is not at {TEST_SOURCES}"),
]


@pytest.fixture(scope="module")
def translator():
    from seq2seq import shipped
    from seq2seq.decoding import load_translator

    return load_translator(shipped.shipped(shipped.TRANSLATOR))[0]


@pytest.fixture(scope="module")
def sources():
    with gzip.open(TEST_SOURCES, "rt", encoding="utf-8") as stream:
        return [line.rstrip("\n") for line in stream]


@pytest.mark.parametrize("method", ["greedy", "beam"])
def test_every_test_sentence_decodes_the_same_alone_and_in_a_batch(translator, sources, method):
    from seq2seq.decoding import DecodingOptions

    options = DecodingOptions(method=method, beam=5)
    batched = translator.translate(sources, options, batch_size=64)
    encoded, _ = translator.encode(sources)
    alone = translator.decode_ids(encoded, options, batch_size=1)
    differing = [(s, b.text, a.text) for s, b, a in zip(sources, batched, alone) if a.text != b.text]
    assert differing == [], f"{len(differing)} of {len(sources)} differ, e.g. {differing[:3]}"
