"""The Gradio web app served by ``seq2seq ui``.

Modules: ``models`` (which checkpoints there are, chat or translation, each loaded once),
``batching`` (simultaneous requests decoded together), ``respond`` (chat and translate as plain
functions), ``inside`` (the gates per input piece and the decoder's next-piece candidates),
``figures`` (their heatmaps), ``app`` (``build_demo``: the page) and ``serve`` (what the command
runs). Only ``app`` and ``serve`` import Gradio.
"""
