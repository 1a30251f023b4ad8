"""``chatterbot[:LANG|:PATH]``: the ChatterBot YAML dialogues (PyPI package ``chatterbot-corpus``).

Each YAML file holds ``conversations:``, a list of conversations, each a list of utterances;
every utterance after the first is a reply to the one(s) before it. Only the conversations of
the split asked for are read (split by conversation). ``LANG`` is a folder of the
package (``english``, the default, ``german``, ``french``, ...); ``PATH`` (anything with a
``/`` or ending in ``.yml``/``.yaml``) reads your own file or folder in the same format.

The YAML is composed, not constructed, so every scalar stays the string that was written
(``yes`` stays "yes", ``42`` stays "42") and malformed entries can be reported with their line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

from seq2seq.corpora.request import ReadRequest
from seq2seq.errors import DataError

DEFAULT_LANGUAGE = "english"
_YAML_SUFFIXES = (".yml", ".yaml")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def packaged_chatterbot_dir() -> Path:
    """The ``data/`` folder of the installed ``chatterbot-corpus`` package (a folder a language)."""
    try:
        import chatterbot_corpus
    except ImportError:
        raise DataError(
            "the chatterbot corpus needs the package chatterbot-corpus "
            "(pip install chatterbot-corpus)"
        ) from None
    return Path(chatterbot_corpus.__file__).with_name("data")


def chatterbot_languages() -> list[str]:
    """The languages of the installed package, e.g. ``["bengali", "chinese", ..., "yoruba"]``."""
    return sorted(p.name for p in packaged_chatterbot_dir().iterdir() if p.is_dir())


def is_path_argument(argument: str) -> bool:
    """Whether a ``chatterbot:`` argument names a file or folder rather than a language."""
    return "/" in argument or "\\" in argument or argument.lower().endswith(_YAML_SUFFIXES)


def chatterbot_files(argument: str) -> list[Path]:
    """The YAML files a ``chatterbot:`` argument stands for, sorted; ``DataError`` if none."""
    if is_path_argument(argument):
        path = Path(argument).expanduser()
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in _YAML_SUFFIXES)
            if not files:
                raise DataError("no .yml or .yaml files in this folder", str(path))
            return files
        if not path.exists():
            raise DataError("file not found", str(path))
        return [path]
    language = (argument or DEFAULT_LANGUAGE).lower()
    if language not in chatterbot_languages():
        raise DataError(
            f"unknown chatterbot language {argument!r}; "
            f"available: {', '.join(chatterbot_languages())}"
        )
    return sorted((packaged_chatterbot_dir() / language).glob("*.yml"))


def read_chatterbot(argument: str, request: ReadRequest) -> Iterator[tuple[str, str]]:
    """Yield ``(context, reply)`` pairs of every conversation of the split, file by file."""
    for path in chatterbot_files(argument):
        yield from _read_yaml_file(path, request)


def _read_yaml_file(path: Path, request: ReadRequest) -> Iterator[tuple[str, str]]:
    """The pairs of one ChatterBot YAML file."""
    for node in _conversation_nodes(path):
        if isinstance(node, yaml.ScalarNode):
            request.no_reply()  # a lone utterance (often a mis-indented "- a - b" line)
            continue
        if not isinstance(node, yaml.SequenceNode) or not all(
            isinstance(item, yaml.ScalarNode) for item in node.value
        ):
            request.bad_line(
                DataError(
                    "a conversation must be a list of utterances (strings)",
                    str(path),
                    node.start_mark.line + 1,
                )
            )
            continue
        utterances = [item.value for item in node.value]
        yield from request.conversation_pairs(utterances)


def _conversation_nodes(path: Path) -> list[yaml.Node]:
    """The nodes of the file's ``conversations`` list; ``DataError`` if the file is malformed."""
    try:
        content = path.read_bytes()
        root = yaml.compose(content, Loader=_Loader)
    except FileNotFoundError:
        raise DataError("file not found", str(path)) from None
    except IsADirectoryError:
        raise DataError("is a directory, expected a file", str(path)) from None
    except PermissionError:
        raise DataError("permission denied", str(path)) from None
    except yaml.reader.ReaderError as error:  # position: byte offset of the bad character
        line = content[: error.position].count(b"\n") + 1
        raise DataError(f"invalid UTF-8 (byte {error.position})", str(path), line) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = error.problem or error.context
        raise DataError(f"invalid YAML: {reason}", str(path), line) from None
    except yaml.YAMLError as error:
        raise DataError(f"invalid YAML: {error}", str(path)) from None
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "conversations":
                if isinstance(value, yaml.SequenceNode):
                    return list(value.value)
                line = value.start_mark.line + 1
                raise DataError('"conversations" must be a list', str(path), line)
    raise DataError('expected a mapping with a "conversations" list', str(path))
