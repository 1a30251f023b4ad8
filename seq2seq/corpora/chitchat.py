"""``chitchat[:PATH]``: the Chit Chat Challenge dialogues (PyPI package ``chitchat-dataset``).

The package ships one JSON file, ``{conversation_id: {"messages": [[message, ...], ...]}}``,
where each message is ``{"text": ..., "sender": ...}`` (7,168 conversations, 258k messages).
Consecutive messages of one sender form a turn; each reply turn is paired with the turn(s)
before it. Only the conversations of the split asked for are read (split by conversation). ``PATH`` reads another file of the same format instead of the packaged one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from seq2seq.corpora.dialogue import check_unicode, merge_speaker_runs
from seq2seq.corpora.request import ReadRequest
from seq2seq.errors import DataError


def packaged_chitchat_path() -> Path:
    """The ``dataset.json`` of the installed ``chitchat-dataset`` package."""
    try:
        import chitchat_dataset
    except ImportError:
        raise DataError(
            "the chitchat corpus needs the package chitchat-dataset (pip install chitchat-dataset)"
        ) from None
    return Path(chitchat_dataset.__file__).with_name("dataset.json")


def read_chitchat(argument: str, request: ReadRequest) -> Iterator[tuple[str, str]]:
    """Yield ``(context, reply)`` pairs of every conversation of the split, in file order."""
    path = Path(argument).expanduser() if argument else packaged_chitchat_path()
    conversations = _load_json(path)
    if not isinstance(conversations, dict):
        raise DataError("expected a JSON object of conversations", str(path))
    for conversation_id, conversation in conversations.items():
        try:
            turns = _conversation_turns(conversation)
        except ValueError as error:
            request.bad_line(DataError(f"conversation {conversation_id}: {error}", str(path)))
            continue
        yield from request.conversation_pairs(turns)


def _load_json(path: Path) -> object:
    """Parse the JSON file ``path``; every failure becomes a ``DataError`` naming it."""
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except FileNotFoundError:
        raise DataError("file not found", str(path)) from None
    except IsADirectoryError:
        raise DataError("is a directory, expected a file", str(path)) from None
    except PermissionError:
        raise DataError("permission denied", str(path)) from None
    except UnicodeDecodeError as error:
        raise DataError(f"invalid UTF-8 at byte {error.start}", str(path)) from None
    except json.JSONDecodeError as error:
        raise DataError(
            f"invalid JSON: {error.msg} (column {error.colno})", str(path), error.lineno
        ) from None


def _conversation_turns(conversation: object) -> list[str]:
    """The turns of one conversation; raise ``ValueError`` if it is malformed."""
    if not isinstance(conversation, dict) or not isinstance(conversation.get("messages"), list):
        raise ValueError('expected an object with a "messages" list')
    speaker_texts: list[tuple[object, str]] = []
    for group_index, group in enumerate(conversation["messages"]):
        if not isinstance(group, list):
            raise ValueError("each entry of messages must be a list of messages")
        for message in group:
            if not isinstance(message, dict) or not isinstance(message.get("text"), str):
                raise ValueError('each message must be an object with a string "text"')
            speaker = message.get("sender", ("group", group_index))  # no sender: one turn per group
            speaker_texts.append((speaker, message["text"]))
    turns = merge_speaker_runs(speaker_texts)
    check_unicode(turns)
    return turns
