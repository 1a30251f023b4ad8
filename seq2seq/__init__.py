"""seq2seq: recurrent encoder-decoder models in Keras 3 with hand-written gates."""

__version__ = "0.1.0"
