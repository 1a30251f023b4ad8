"""What ``seq2seq ui`` runs: find the models, load the first, build the page, serve it."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from seq2seq.errors import Seq2SeqError
from seq2seq.checkpoint import CHAT
from seq2seq.ui.models import ModelCache, discover


class NoModels(Seq2SeqError):
    """No checkpoint folder to offer."""


def quiet_serving() -> None:
    """No HTTP access log in the terminal while the page serves, and none of the warnings that
    Gradio's own code raises about its dependencies (pandas deprecations in its queue, event
    loops it leaves to the garbage collector). Warnings from our code still show."""
    warnings.filterwarnings("ignore", module=r"gradio(\.|$)")
    warnings.filterwarnings("ignore", category=ResourceWarning, message="unclosed event loop")
    for name in ("httpx", "uvicorn.access", "gradio_client"):
        logging.getLogger(name).setLevel(logging.WARNING)


def warm_up(cache: ModelCache, model) -> None:
    """Load ``model`` (a ``ModelInfo``) and compile the decoding its tab starts with, so that the
    first visitor's message does not wait for the compilation (about 1.4 s on a 2-core CPU)."""
    from seq2seq.decoding.options import CHAT_DEFAULTS, TRANSLATION_DEFAULTS
    from seq2seq.ui.respond import page_defaults

    translator, _ = cache.get(model.path)
    if model.kind == CHAT:
        translator.translate(["hello"], page_defaults(CHAT_DEFAULTS))
    else:  # the translate tab draws the attention
        translator.translate(["hello"], page_defaults(TRANSLATION_DEFAULTS), attention=True)


def check_address(host: str, port: int) -> None:
    """``Seq2SeqError`` in one line if the page could not listen on ``host:port`` (a port in use,
    an address not this machine's): found now, not after the model has loaded. The probe binds
    as uvicorn will: IPv6 for an address with a colon, ``SO_REUSEADDR`` (a port whose last
    connections are closing is free)."""
    import errno
    import socket

    bare = host.strip("[]")
    with socket.socket(socket.AF_INET6 if ":" in bare else socket.AF_INET, socket.SOCK_STREAM) as probe:
        if os.name != "nt":
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((bare, port))
        except socket.gaierror as error:
            raise Seq2SeqError(f"cannot serve on {host}:{port}: unknown host ({error.strerror})") from None
        except OSError as error:
            reason = ("the port is in use; choose another with --port" if error.errno == errno.EADDRINUSE
                      else error.strerror or str(error))
            raise Seq2SeqError(f"cannot serve on {host}:{port}: {reason}") from None


def serve(checkpoints: list[Path] = (), host: str = "127.0.0.1", port: int = 7860,
          auth: tuple[str, str] | None = None, share: bool = False, block: bool = True,
          folder: Path | None = None):
    """Serve the page; returns the running ``gr.Blocks`` when ``block`` is False.

    The shipped checkpoints (``folder``, default ``seq2seq.shipped.checkpoints_dir()``) and
    ``checkpoints`` are offered; the first (the shipped chatbot if there is one) is loaded, and
    its default decoding compiled, before the page opens; the others on first use.
    """
    quiet_serving()
    check_address(host, port)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # a local tool reports nothing home
    models = discover(list(checkpoints), folder)
    if not models:
        from seq2seq import shipped

        raise NoModels(f"no checkpoint in {folder or shipped.checkpoints_dir()}; give one with --checkpoint DIR")
    from seq2seq.decoding.translator import decoding_threads
    from seq2seq.ui.app import build_demo

    decoding_threads()  # before the first model loads: a thread an operation
    cache = ModelCache()
    warm_up(cache, models[0])
    demo = build_demo(models, cache)
    try:
        demo.launch(server_name=host, server_port=port, auth=auth, share=share, prevent_thread_lock=True,
                    quiet=True, show_error=True, footer_links=["api"])
    except OSError as error:  # taken since check_address, say
        raise Seq2SeqError(f"cannot serve on {host}:{port} ({error})") from None
    print(f"seq2seq ui: open {demo.local_url} in a browser "
          f"({', '.join(m.label for m in models)}); Ctrl-C stops it.", flush=True)
    if share and demo.share_url:
        print(f"public address: {demo.share_url}", flush=True)
    if block:
        try:
            demo.block_thread()
        except KeyboardInterrupt:
            pass
        finally:
            demo.close()
    return demo
