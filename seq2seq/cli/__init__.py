"""The ``seq2seq`` command line: a thin click layer over the library.

Each sub-command lives in its own module and is registered here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

import click

from seq2seq import __version__

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter is not for users

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "show_default": True}


_HELP_ON_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2: `seq2seq` alone


class UsageProblem(click.ClickException):
    """A usage error in one line (click's own prints the usage, a hint and a blank line first)."""

    exit_code = 2


def one_line_usage(error: click.UsageError, ctx: click.Context | None) -> click.ClickException:
    """``error`` as one line with a pointer to the help of the command it concerns (else ``ctx``'s)."""
    if isinstance(error, _HELP_ON_NO_ARGS):
        return error
    ctx = error.ctx or ctx
    hint = f" See '{ctx.command_path} --help'." if ctx is not None else ""
    message = error.format_message()
    if not message.endswith((".", "?", "?)", "!")):
        message += "."
    return UsageProblem(message + hint)


class Seq2SeqGroup(click.Group):
    """The ``seq2seq`` group: every failure, usage errors too, is one ``Error:`` line; Ctrl-C
    (where a command does not handle it itself) ends the line it interrupted, says so and leaves
    with status 130, as a shell does (click's own "Aborted!" exits 1)."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as error:
            raise one_line_usage(error, None) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise one_line_usage(error, ctx) from None
        except KeyboardInterrupt:
            click.echo("", err=True)  # after a progress bar's line, or the terminal's ^C
            click.echo("Interrupted", err=True)
            raise SystemExit(130) from None


STDIN = "-"  # what a ``PathArgument(allow_dash=True)`` gives for ``-``: a string, never a ``Path``


class PathArgument(click.Path):
    """``click.Path`` giving a ``pathlib.Path``; an empty string, which an unset shell variable
    gives (``--out "$DIR"``) and which would mean the current folder, is a usage error. With
    ``allow_dash``, ``-`` gives the string ``STDIN``: ``Path("./-")`` is ``Path("-")``, a file
    named ``-``, and must stay one."""

    def __init__(self, **kwargs):
        super().__init__(path_type=Path, **kwargs)

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value:
            self.fail("an empty path (an unset variable?)", param, ctx)
        if self.allow_dash and value == STDIN:
            return STDIN
        return super().convert(value, param, ctx)


@click.group(cls=Seq2SeqGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="seq2seq")
def main() -> None:
    """Train, evaluate and talk to recurrent encoder-decoder models."""


BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}  # KERAS_BACKEND -> package


def backend_problem(environ=os.environ) -> str | None:
    """Why the backend ``KERAS_BACKEND`` names cannot load (one line), or None; imports nothing."""
    import importlib.util

    name = environ.get("KERAS_BACKEND")
    if not name:
        return None
    if name not in BACKEND_MODULES:
        return f"KERAS_BACKEND={name} is not a backend seq2seq runs on ({', '.join(BACKEND_MODULES)})"
    if importlib.util.find_spec(BACKEND_MODULES[name]) is None:
        extra = "" if name == "tensorflow" else f'; pip install -e ".[{name}]" installs it'
        return f"KERAS_BACKEND={name}, but {BACKEND_MODULES[name]} is not installed{extra}"
    return None


class FrameworkCommand(click.Command):
    """A command that loads Keras and its backend: it checks ``KERAS_BACKEND`` first (one
    ``Error:`` line if it cannot load), after its options are parsed, so that its ``--help``, and
    every command that loads no framework (``-h``, ``--version``, ``corpora``), still work."""

    def invoke(self, ctx):
        problem = backend_problem()
        if problem:
            raise click.ClickException(problem)
        return super().invoke(ctx)


def jax_cache_dir(environ=os.environ) -> Path | None:
    """Where the program keeps JAX's compiled functions between runs: ``$XDG_CACHE_HOME/seq2seq/jax``
    (``~/.cache/seq2seq/jax``); None without a home folder. JAX compiles a training step per batch
    shape, seconds each on a CPU; with the cache, a second run or a ``--resume`` starts sooner."""
    base = environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home folder: no cache
            return None
    return Path(base) / "seq2seq" / "jax"


class UserLogFormat(logging.Formatter):
    """Log lines as the user reads them: a warning says so (``Warning: ...``), as the command
    line's own warnings do; other levels are the bare message."""

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        return f"Warning: {message}" if record.levelno == logging.WARNING else message


class StderrHandler(logging.StreamHandler):
    """A handler that writes to ``sys.stderr`` as it is when a record comes (not as it was when
    the handler was made: the chatter filter and click's test runner replace it)."""

    def __init__(self):
        super().__init__()
        self.setFormatter(UserLogFormat("%(message)s"))

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ sets it
        pass


def show_logs(ours: int = logging.WARNING) -> None:
    """Log records on stderr: every library's from WARNING up, ours from ``ours`` up (``train``:
    INFO, the data kept, the tokenizer, the epochs; JAX logs "Unable to initialize backend 'tpu'"
    at INFO on every start, which must not show)."""
    root = logging.getLogger()
    if not root.handlers:  # as ``logging.basicConfig``: a program (or pytest) that set up logging keeps its own
        root.addHandler(StderrHandler())
        root.setLevel(logging.WARNING)
    logging.getLogger("seq2seq").setLevel(ours)


def run() -> None:
    """The ``seq2seq`` program: TensorFlow's native start-up chatter filtered out, then ``main``."""
    from seq2seq.quiet import filter_native_stderr

    cache = None if "JAX_COMPILATION_CACHE_DIR" in os.environ else jax_cache_dir()
    if cache is not None:
        os.environ["JAX_COMPILATION_CACHE_DIR"] = str(cache)  # JAX reads it at import
    filter_native_stderr()
    show_logs()
    signal.signal(signal.SIGTERM, _terminated)
    try:
        main()
    except Terminated as kill:
        # The cleanup ran as the exit unwound the command. Leave without the interpreter's
        # teardown, which can crash (a segmentation fault) while JAX's compiler threads still run.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe, say: leave all the same
                stream.flush()
        os._exit(kill.code)


class Terminated(SystemExit):
    """The exit a kill (SIGTERM) raises."""


def _terminated(signum, frame) -> None:
    """A kill (SIGTERM) ends the command through its cleanup (``finally``), so that no temporary
    or half-made file is left, with the status a kill gives (143). Not a ``KeyboardInterrupt``:
    the chat's Ctrl-C only stops a reply."""
    raise Terminated(128 + signum)


# Sub-commands register themselves on import; each module is a thin layer over the library.
from seq2seq.cli import commands as _commands  # noqa: E402,F401  (registers the sub-commands)
