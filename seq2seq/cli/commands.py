"""Registers every sub-command module on the ``seq2seq`` group.

One import per command module; a module adds its commands with ``@main.command()`` or
``main.add_command(...)``. Command modules import nothing heavy at module level (Keras and
TensorFlow load inside the command), so ``seq2seq -h`` stays fast.
"""
from seq2seq.cli import chat  # noqa: F401
from seq2seq.cli import corpora  # noqa: F401
from seq2seq.cli import lab  # noqa: F401
from seq2seq.cli import train  # noqa: F401
from seq2seq.cli import translate  # noqa: F401
from seq2seq.cli import ui  # noqa: F401
