"""``seq2seq chat``: a conversation in the terminal, or one reply per line for scripts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from seq2seq import shipped
from seq2seq.cli import FrameworkCommand, main
from seq2seq.cli.corpora import user_errors
from seq2seq.cli.decoding import decoding_options, stdin_lines
from seq2seq.cli.translate import checkpoint_option, load_translator
from seq2seq.corpora.lines import stop_at_bad_line
from seq2seq.corpora.text import normalize_text
from seq2seq.decoding.options import CHAT_DEFAULTS

COMMANDS = ("/quit", "/reset", "/help")
UNKNOWN = "unknown"  # what ``_command`` gives for a slash and a word that is none of them
HELP = """Commands: /reset forgets the conversation, /help shows this, /quit leaves (or Ctrl-D); Ctrl-C stops a reply."""


@main.command(cls=FrameworkCommand)
@checkpoint_option(shipped.CHATBOT, "chatbot")
@decoding_options(CHAT_DEFAULTS, leave_out=("n_best",))
def chat(checkpoint, decoding):
    """Talk with a dialogue model. The previous turns form the source, as in training.

    On a terminal: a prompt with line editing and history (arrow keys). Otherwise each line of
    standard input is one user turn and each reply is exactly one line on standard output.
    """
    from seq2seq.chat.conversation import Conversation
    from seq2seq.checkpoint import TRANSLATION, corpora_holding, model_kind
    from seq2seq.checkpoint import context_turns as checkpoint_context_turns

    if checkpoint is None and not shipped.shipped(shipped.CHATBOT).is_dir():
        raise click.ClickException(
            f"no shipped chatbot at {shipped.shipped(shipped.CHATBOT)}; give one with --checkpoint DIR"
        )
    with user_errors():
        translator, loaded = load_translator(checkpoint, shipped.CHATBOT)
    translation = corpora_holding(loaded.config, "translation")
    if translation and model_kind(loaded.config) == TRANSLATION:  # as the web page tells them apart
        click.echo(f"Warning: {loaded.directory} was trained on {', '.join(translation)}, a translation corpus: "
                   "it translates what you type rather than answering it", err=True)
    conversation = Conversation(translator, context_turns=checkpoint_context_turns(loaded.config), options=decoding)
    if sys.stdin.isatty():
        _interactive(conversation, loaded.directory)
    else:
        with user_errors():  # invalid UTF-8 on stdin: one line naming it
            _scripted(conversation)


def _command(message: str, conversation) -> str | None:
    """The command ``message`` is (``/quit``, ``/reset``, ``/help``), carried out where it acts on
    the conversation; ``UNKNOWN`` for any other single word after a slash (a mistyped command is
    not sent to the model as a message); None for a message to answer."""
    command = message.strip().lower()
    if command in COMMANDS:
        if command == "/reset":
            conversation.reset()
        return command
    if command.startswith("/") and len(command.split()) == 1:
        return UNKNOWN
    return None


def _scripted(conversation) -> None:
    """One reply line per input line (ended by a newline); the commands act and print nothing, so
    that every line of output answers one line of input (an unknown command: an empty line, and a
    warning on stderr)."""
    for number, message in enumerate(stdin_lines(stop_at_bad_line), start=1):
        command = _command(message, conversation)
        if command == "/quit":
            return
        if command == UNKNOWN:  # an empty line for it: every other line still answers its own
            click.echo(f"Warning: stdin:{number}: unknown command {message.strip()}, skipped "
                       f"(commands: {', '.join(COMMANDS)})", err=True)
            click.echo("")
        elif command is None:
            click.echo(conversation.reply(message, on_cut=_warn_cut))


def _interactive(conversation, directory: Path) -> None:
    import readline  # noqa: F401  (line editing and history for input())

    click.echo(f"Chatting with {directory} ({conversation.options.describe()}). {HELP}", err=True)
    while True:
        try:
            message = _read_line("you> ")
        except EOFError:
            click.echo("", err=True)
            return
        except KeyboardInterrupt:  # as in a shell: the line is dropped, a fresh prompt
            click.echo("", err=True)
            continue
        command = _command(message, conversation)
        if command == "/quit":
            return
        if command == "/reset":
            click.echo("(conversation forgotten)", err=True)
            continue
        if command in ("/help", UNKNOWN):
            click.echo(HELP if command == "/help" else f"Unknown command {message.strip()}. {HELP}", err=True)
            continue
        if not normalize_text(message):  # blank, or only invisible characters: no turn
            continue
        try:
            click.echo(f"bot> {conversation.reply(message, on_cut=_warn_cut)}")
        except KeyboardInterrupt:
            click.echo("\n(interrupted: no reply, and the message is not part of the conversation)", err=True)


def _read_line(prompt: str) -> str:
    """A line typed at the terminal; the prompt goes to stdout only if stdout is the terminal too
    (``seq2seq chat > log`` keeps the log to the replies)."""
    if sys.stdout.isatty():
        return input(prompt)
    click.echo(prompt, nl=False, err=True)
    return input()


def _warn_cut(pieces: int) -> None:
    click.echo(f"Warning: the message was longer than the model reads ({pieces} pieces); it read the beginning only",
               err=True)
