"""Recurrent layers with the gates written out by hand, drop-in for Keras's own.

``from seq2seq.layers import SimpleRNN, LSTM, GRU`` (and ``SimpleRNNCell``, ``LSTMCell``,
``GRUCell``): the same arguments, outputs and weight layout as ``keras.layers.SimpleRNN/LSTM/GRU``.
"""

from seq2seq.layers.cell import RecurrentCell
from seq2seq.layers.gru import GRU, GRUCell
from seq2seq.layers.lstm import LSTM, LSTMCell
from seq2seq.layers.recurrent import Recurrent
from seq2seq.layers.simple_rnn import SimpleRNN, SimpleRNNCell

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "Recurrent", "RecurrentCell", "SimpleRNN", "SimpleRNNCell"]
