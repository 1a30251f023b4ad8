"""``seq2seq ui``: the web page (chat, translate, inside the model) on 127.0.0.1."""

from __future__ import annotations

import click

from seq2seq.cli import FrameworkCommand, PathArgument, main
from seq2seq.cli.corpora import user_errors


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    user, colon, password = value.partition(":")
    if not colon or not user or not password:
        raise click.BadParameter("expected USER:PASSWORD", param_hint="--auth")
    return user, password


@main.command(cls=FrameworkCommand)
@click.option("--checkpoint", "checkpoints", multiple=True, type=PathArgument(file_okay=False, exists=True),
              help="A checkpoint folder to offer besides the shipped ones (repeatable).")
@click.option("--host", default="127.0.0.1", help="Address to listen on (0.0.0.0: every network interface).")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, help="Port to listen on.")
@click.option("--auth", metavar="USER:PASSWORD", default=None, help="Ask for this user name and password.")
@click.option("--share", is_flag=True, help="Also open a public gradio.live link (off by default).")
def ui(checkpoints, host, port, auth, share):
    """Serve the web page: chat, translate, and watch the gates inside the model.

    It offers the shipped checkpoints and those given with --checkpoint, and prints the address to
    open. Nothing is reachable from other machines unless --host or --share says so.
    """
    credentials = parse_auth(auth)
    from seq2seq.ui.serve import serve

    with user_errors():
        try:
            serve(list(checkpoints), host=host, port=port, auth=credentials, share=share)
        except OSError as error:  # a checkpoint folder that cannot be read, say
            raise click.ClickException(f"{error.strerror or error}: {error.filename}" if error.filename
                                       else str(error)) from None
