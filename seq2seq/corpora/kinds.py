"""The corpus kinds a spec can name, each with its reader and a one-line description."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from seq2seq.corpora.chatterbot import read_chatterbot
from seq2seq.corpora.chitchat import read_chitchat
from seq2seq.corpora.chunks import PairChunk
from seq2seq.corpora.jsonl import read_jsonl
from seq2seq.corpora.multi30k import read_multi30k
from seq2seq.corpora.request import ReadRequest
from seq2seq.corpora.tsv import read_tsv, read_tsv_chunks

Reader = Callable[[str, ReadRequest], Iterator[tuple[str, str]]]
ChunkReader = Callable[[str, ReadRequest, int], Iterator[PairChunk]]


@dataclass(frozen=True)
class CorpusKind:
    """One kind of corpus: how a spec names it and how its pairs are read and split.

    ``split_by``: ``"files"``, the reader reads the files of the split asked for;
    ``"conversation"``, the reader keeps the conversations of the split (``ReadRequest.in_split``);
    ``"pair"``, ``PairSource`` keeps the pairs of the split by their hash.

    ``content``: ``"dialogue"`` (a model trained on it chats), ``"translation"`` (it translates),
    or ``"either"`` (your own files: whichever they hold).
    """

    name: str  # the spec prefix: "tsv" in "tsv:PATH"
    usage: str  # the spec syntax shown to users
    description: str  # one line for `seq2seq corpora list`
    argument_required: bool  # whether the part after the colon is required
    split_by: str  # "files": its own train/valid/test files; "conversation"; "pair" (hashes)
    content: str  # "dialogue", "translation" or "either"
    read: Reader  # (argument, request) -> raw (source, target) pairs
    # (argument, request, size) -> the same pairs in chunks of about size; None: chunk `read`
    read_chunks: ChunkReader | None = None


CORPUS_KINDS: dict[str, CorpusKind] = {
    kind.name: kind
    for kind in (
        CorpusKind(
            "chitchat",
            "chitchat[:PATH]",
            "Chit Chat Challenge dialogues, 7,168 conversations (package chitchat-dataset)",
            argument_required=False,
            split_by="conversation",
            content="dialogue",
            read=read_chitchat,
        ),
        CorpusKind(
            "chatterbot",
            "chatterbot[:LANG|:PATH]",
            "ChatterBot YAML dialogues in many languages, english by default "
            "(package chatterbot-corpus)",
            argument_required=False,
            split_by="conversation",
            content="dialogue",
            read=read_chatterbot,
        ),
        CorpusKind(
            "multi30k",
            "multi30k:SRC-TGT",
            "Multi30k image-caption translations between en, de, fr and cs "
            "(seq2seq corpora download multi30k)",
            argument_required=True,
            split_by="files",
            content="translation",
            read=read_multi30k,
        ),
        CorpusKind(
            "tsv",
            "tsv:PATH",
            "your pairs, one per line: source<TAB>target (UTF-8, gzipped or not); a folder: "
            "its train.tsv, valid.tsv and test.tsv, your own split",
            argument_required=True,
            split_by="pair",
            content="either",
            read=read_tsv,
            read_chunks=read_tsv_chunks,
        ),
        CorpusKind(
            "jsonl",
            "jsonl:PATH",
            'your pairs or dialogues, one JSON object per line: {"source", "target"} '
            'or {"messages": [...]} (with roles system/user/assistant: the assistant\'s turns are the replies); '
            "a folder: its train.jsonl, valid.jsonl and test.jsonl",
            argument_required=True,
            split_by="conversation",
            content="either",
            read=read_jsonl,
        ),
    )
}
