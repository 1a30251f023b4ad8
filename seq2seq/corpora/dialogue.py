"""Turning a dialogue (a list of turns) into (context, reply) pairs.

A *turn* is what one speaker says before the other speaker answers: consecutive messages of one
speaker are joined into one turn. Each reply is paired with the ``context_turns`` turns before it,
joined by ``CONTEXT_SEPARATOR`` (a single SentencePiece piece, see ``seq2seq.data.tokenizer``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence

CONTEXT_SEPARATOR = "<sep>"  # joins the context turns of a source: "turn 1 <sep> turn 2"


def merge_speaker_runs(messages: Iterable[tuple[Hashable, str]]) -> list[str]:
    """Join consecutive messages of one speaker into turns.

    Args:
        messages: ``(speaker, text)`` in dialogue order; ``speaker`` is any hashable id.

    Returns:
        The turns, each the speaker's consecutive texts joined by a space.

    >>> merge_speaker_runs([("a", "Hi"), ("a", "there"), ("b", "Hello")])
    ['Hi there', 'Hello']
    """
    turns: list[str] = []
    previous_speaker: Hashable = object()  # equal to no speaker
    for speaker, text in messages:
        if turns and speaker == previous_speaker:
            turns[-1] = f"{turns[-1]} {text}"
        else:
            turns.append(text)
        previous_speaker = speaker
    return turns


def check_unicode(texts: Iterable[str]) -> None:
    """Raise ``ValueError`` if a text holds a lone surrogate (JSON's ``"\\ud800"``): no UTF-8
    text can hold one, and SentencePiece or the split's hash would fail on it later."""
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            code = ord(text[error.start])
            raise ValueError(f"invalid text: a lone surrogate \\u{code:04x} (character {error.start + 1})") from None


def dialogue_pairs(
    turns: Sequence[str], context_turns: int = 1, replies: Sequence[bool] | None = None
) -> Iterator[tuple[str, str]]:
    """Yield ``(context, reply)`` for every turn after the first (or every one marked in ``replies``).

    Args:
        turns: the dialogue's turns in order.
        context_turns: how many preceding turns form the source (at least 1; fewer at the start).
        replies: one flag per turn, whether it is a reply to learn (an assistant's turn, not its
            user's); None: every turn after the first. The first turn is never a reply.

    >>> list(dialogue_pairs(["a", "b", "c"], context_turns=2))
    [('a', 'b'), ('a <sep> b', 'c')]
    >>> list(dialogue_pairs(["hi", "hello", "fine?", "yes"], replies=[False, True, False, True]))
    [('hi', 'hello'), ('fine?', 'yes')]
    """
    if context_turns < 1:
        raise ValueError(f"context_turns must be at least 1, got {context_turns}")
    separator = f" {CONTEXT_SEPARATOR} "
    for index in range(1, len(turns)):
        if replies is not None and not replies[index]:
            continue
        context = turns[max(0, index - context_turns) : index]
        yield separator.join(context), turns[index]


def reply_count(turns: Sequence[str], replies: Sequence[bool] | None = None) -> int:
    """How many pairs ``dialogue_pairs`` makes of ``turns``."""
    if replies is None:
        return max(len(turns) - 1, 0)
    return sum(bool(flag) for flag in replies[1:])
