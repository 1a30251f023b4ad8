"""``jsonl:PATH``: one JSON object per line, a pair or a dialogue.

A line is either ``{"source": "...", "target": "..."}`` or ``{"messages": [...]}`` where each
message is a string (one turn each) or an object with the text under ``"text"`` or ``"content"``
and optionally the speaker under ``"speaker"``, ``"role"`` or ``"sender"`` (consecutive messages
of one speaker form one turn). A dialogue yields a (context, reply) pair per reply: every turn
after the first, or, in a chat-style dialogue (one with the role ``"assistant"``, as in the OpenAI
format of ``"system"``, ``"user"`` and ``"assistant"`` messages), the assistant's turns only; its
``"system"`` messages are left out (the same instruction in every conversation: nothing for the
model to learn from).

Each line is split as a whole (``ReadRequest.in_split``): a dialogue by its conversation, a pair
as a conversation of two turns, which is the pair's own hash split. ``jsonl:DIR`` reads a folder
of your own split instead (``folders``: ``train.jsonl``, ``valid.jsonl``, ``test.jsonl``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

from seq2seq.corpora.dialogue import check_unicode, merge_speaker_runs
from seq2seq.corpora.folders import is_split_folder, split_files
from seq2seq.corpora.lines import read_lines
from seq2seq.corpora.request import ReadRequest
from seq2seq.errors import DataError

_TEXT_KEYS = ("text", "content")
_SPEAKER_KEYS = ("speaker", "role", "sender")
ASSISTANT, SYSTEM = "assistant", "system"  # the roles of a chat-style dialogue (in any case)


def read_jsonl(argument: str, request: ReadRequest) -> Iterator[tuple[str, str]]:
    """Yield ``(source, target)`` pairs from the JSON-lines file ``argument``, streaming; of a
    folder (``folders``), from the file of ``request.split``, every conversation of it."""
    if is_split_folder(argument):
        files = split_files(argument, ".jsonl", request.split)
        request = dataclasses.replace(request, split="all")  # the file is the split
    else:
        files = [Path(argument).expanduser()]
    for path in files:
        yield from _read_file(path, request)


def _read_file(path: Path, request: ReadRequest) -> Iterator[tuple[str, str]]:
    for line_number, text in read_lines(path, request.bad_line):
        if text is None:
            continue
        if not text.strip():
            yield "", ""  # a blank line: counted as an empty pair
            continue
        try:
            turns, replies = _line_turns(text)
        except ValueError as error:  # json.JSONDecodeError is a ValueError
            request.bad_line(DataError(str(error), str(path), line_number))
            continue
        yield from request.conversation_pairs(turns, replies)


def _line_turns(text: str) -> tuple[list[str], list[bool] | None]:
    """The turns of one JSONL line (a pair: its two sides) and which are replies (None: every one
    after the first); ``ValueError`` if malformed."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON: {error.msg} (column {error.colno})") from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, found {_json_kind(record)}")
    replies = None
    if "messages" in record:
        turns, replies = _turns(record["messages"])
    elif "source" in record and "target" in record:
        turns = [record["source"], record["target"]]
        if not all(isinstance(side, str) for side in turns):
            raise ValueError('"source" and "target" must be strings')
    else:
        raise ValueError('expected keys "source" and "target", or "messages"')
    check_unicode(turns)
    return turns, replies


def _json_kind(value: object) -> str:
    """What JSON calls ``value``'s type: ``null``, ``true``, ``a number``, ``an array``..."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"the number {json.dumps(value)}"
    return {str: "a string", list: "an array"}.get(type(value), type(value).__name__)


def _turns(messages: object) -> tuple[list[str], list[bool] | None]:
    """The turns of a ``"messages"`` list and, for a chat-style one (a role ``"assistant"``), which
    are the assistant's; raise ``ValueError`` if it is malformed."""
    if not isinstance(messages, list):
        raise ValueError('"messages" must be a list')
    speaker_texts: list[tuple[object, str]] = []
    for position, message in enumerate(messages):
        unnamed = ("unnamed speaker", position)  # a speaker of its own: its own turn
        if isinstance(message, str):
            speaker_texts.append((unnamed, message))
            continue
        if not isinstance(message, dict):
            raise ValueError(f"message {position + 1} must be a string or an object")
        text = next((message[k] for k in _TEXT_KEYS if k in message), None)
        if not isinstance(text, str):
            raise ValueError(f'message {position + 1} has no string "text" or "content"')
        speaker = next((message[k] for k in _SPEAKER_KEYS if k in message), unnamed)
        if not isinstance(speaker, (str, int, tuple)):
            raise ValueError(f"message {position + 1} has a speaker that is not a string")
        speaker_texts.append((speaker, text))
    roles = [speaker.lower() if isinstance(speaker, str) else speaker for speaker, _ in speaker_texts]
    if ASSISTANT not in roles:
        return merge_speaker_runs(speaker_texts), None
    spoken = [(role, text) for role, (_, text) in zip(roles, speaker_texts) if role != SYSTEM]
    run_roles = [role for position, (role, _) in enumerate(spoken)
                 if position == 0 or role != spoken[position - 1][0]]  # one per turn
    return merge_speaker_runs(spoken), [role == ASSISTANT for role in run_roles]
