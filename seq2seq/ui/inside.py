"""Inside the model: the encoder's gates at every input piece, and the decoder's next-piece choices.

``encoder_gates`` runs one of the encoder's recurrent layers (``encoder_views``: each layer, and
each direction when the encoder is bidirectional) over one sentence through the layer's own step
function (``Recurrent.gate_activations``), so the numbers shown are the ones the model computes.
``next_piece_candidates`` teacher-forces an output through the whole model,
``model((source_ids, [BOS] + output_ids))``, and keeps the most probable pieces of every step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seq2seq.data.tokenizer import BOS_ID, EOS_ID

SHOWN = {  # the activations the page draws for each cell, in this order
    "lstm": ("input_gate", "forget_gate", "output_gate", "cell_state"),
    "gru": ("update_gate", "reset_gate"),
    "rnn": ("hidden_state",),
}
MEANING = {  # one plain sentence per activation: what it decides
    "input_gate": "Input gate: how much of the new candidate memory this piece writes into the cell (1 = write it all, 0 = write nothing).",
    "forget_gate": "Forget gate: how much of the cell's memory survives from the previous piece (1 = keep it all, 0 = forget it).",
    "output_gate": "Output gate: how much of the cell's memory is shown in the hidden state, the layer's output (1 = show it all).",
    "cell_state": "Cell state (not a gate): the memory the LSTM carries from piece to piece; it can be any sign and grow beyond 1.",
    "update_gate": "Update gate: how much of the previous hidden state is kept instead of the new candidate (1 = keep the old, 0 = take the new).",
    "reset_gate": "Reset gate: how much of the previous hidden state the new candidate may look at (0 = ignore the past, start afresh).",
    "hidden_state": "Hidden state: a simple RNN has no gates; this is what it passes from piece to piece.",
}
TOP_K = 5  # next-piece candidates per output step


@dataclass
class GateReport:
    """The gates of one sentence."""

    cell: str  # "lstm" | "gru" | "rnn"
    pieces: list[str]  # the source pieces, one heatmap row each
    gates: dict[str, np.ndarray]  # name -> (pieces, units), in the order of SHOWN[cell]
    direction: str  # "forward" or "backward" when the encoder is bidirectional, else ""
    layer: int = 1  # the encoder's recurrent layer, from 1

    def averaged(self) -> np.ndarray:
        """``(pieces, gates)``: each gate's mean over the units."""
        return np.stack([value.mean(axis=-1) for value in self.gates.values()], axis=-1)


@dataclass
class StepCandidates:
    """One output step: the piece the output has there, and the model's most probable ones."""

    step: int  # 1-based
    chosen: str  # the output's piece at this step ("</s>" for the end)
    candidates: list[tuple[str, float]]  # (piece, probability), most probable first


def source_ids(translator, text: str) -> list[int]:
    """The ids the encoder reads for ``text`` (normalized, encoded, cut as in decoding)."""
    encoded, _ = translator.encode([text])  # (which normalizes)
    return encoded[0]


def encoder_views(config) -> list[tuple[str, str]]:
    """The recurrent layers the page can show, as ``(label, value)``: ``("layer 1", "1")``, or
    ``("layer 1, forward", "1 forward")`` and ``("layer 1, backward", "1 backward")`` and so on
    when the encoder is bidirectional."""
    directions = ("forward", "backward") if config.bidirectional else ("",)
    return [
        (f"layer {layer}" + (f", {direction}" if direction else ""), f"{layer} {direction}".strip())
        for layer in range(1, config.layers + 1)
        for direction in directions
    ]


def parse_view(config, view: str | None) -> tuple[int, str]:
    """``(layer, direction)`` of an ``encoder_views`` value; layer 1 (forward) for any other."""
    if view not in {value for _, value in encoder_views(config)}:
        view = encoder_views(config)[0][1]
    layer, _, direction = view.partition(" ")
    return int(layer), direction


def encoder_gates(translator, text: str, layer: int = 1, direction: str = "forward") -> GateReport:
    """The gates of the encoder's recurrent ``layer`` (from 1) at every piece of ``text``.

    ``direction`` (``forward`` or ``backward``) picks one half of a bidirectional layer; the
    backward one reads the sentence from its end, and its rows are put back in piece order.
    """
    model, tokenizer = translator.model, translator.tokenizer
    ids = source_ids(translator, text)
    cell = model.config.cell
    bidirectional = model.config.bidirectional
    direction = (direction or "forward") if bidirectional else ""
    if not ids:
        return GateReport(cell=cell, pieces=[], gates={name: np.zeros((0, model.config.units)) for name in SHOWN[cell]},
                          direction=direction, layer=layer)
    x = model.encoder.embedding(np.asarray([ids], dtype="int32"))  # (1, S, E)
    for below in model.encoder.rnns[: layer - 1]:  # the layers under it: their output sequences
        x = below(x)[0]  # (1, S, K); one sentence, no padding, no dropout (inference)
    recurrent = model.encoder.rnns[layer - 1]
    if bidirectional:
        recurrent = recurrent.forward_layer if direction == "forward" else recurrent.backward_layer
    activations = recurrent.gate_activations(x)  # name -> (1, S, U), in the order the layer read
    order = slice(None, None, -1) if direction == "backward" else slice(None)
    return GateReport(
        cell=cell,
        pieces=[tokenizer.source_piece(i) for i in ids],
        gates={name: np.asarray(activations[name][0][order], dtype="float32") for name in SHOWN[cell]},
        direction=direction,
        layer=layer,
    )


def next_piece_candidates(translator, source: list[int], output: list[int], k: int = TOP_K) -> list[StepCandidates]:
    """The ``k`` most probable next pieces at each step of ``output`` (its end included).

    Args:
        source: the source ids (non-empty).
        output: the output's piece ids, without BOS and EOS.
    """
    from keras import ops

    model, tokenizer = translator.model, translator.tokenizer
    decoder_input = np.asarray([[BOS_ID, *output]], dtype="int32")  # (1, T + 1)
    logits = model((np.asarray([source], dtype="int32"), decoder_input), training=False)  # (1, T + 1, V)
    probabilities = ops.convert_to_numpy(ops.softmax(ops.cast(logits, "float32"), axis=-1))[0]  # (T + 1, V)
    chosen = [*output, EOS_ID]
    steps = []
    for t, distribution in enumerate(probabilities):
        top = np.argsort(-distribution, kind="stable")[:k]
        steps.append(StepCandidates(
            step=t + 1,
            chosen=tokenizer.target_piece(chosen[t]),
            candidates=[(tokenizer.target_piece(int(i)), float(distribution[i])) for i in top],
        ))
    return steps


def look_inside(translator, text: str, lock=None, layer: int = 1, direction: str = "forward", lengths=None):
    """``(GateReport, greedy Output, [StepCandidates])`` for ``text``; for an empty text (no
    piece), ``(its empty GateReport, None, [])``.

    ``lock``: held while the model runs (the app's ``BatchingDecoder.lock``); ``layer`` and
    ``direction``: as in ``encoder_gates``; ``lengths``: the ``DecodingOptions`` whose length
    caps the greedy output keeps (the chat's or the translation's defaults; None: the class's).
    Nothing else of them applies: each output piece is the most probable one.
    """
    from contextlib import nullcontext

    from seq2seq.decoding.options import DecodingOptions

    greedy = DecodingOptions(method="greedy")
    if lengths is not None:
        greedy = greedy.replace(max_len=lengths.max_len, length_ratio=lengths.length_ratio,
                                length_extra=lengths.length_extra)
    with lock or nullcontext():
        report = encoder_gates(translator, text, layer, direction)
        if not report.pieces:
            return report, None, []
        output = translator.translate([text], greedy, batch_size=1)[0]
        output_ids = [translator.tokenizer.target_piece_id(piece) for piece in output.pieces]
        steps = next_piece_candidates(translator, source_ids(translator, text), output_ids)
    return report, output, steps


def candidates_table(steps: list[StepCandidates]) -> list[list[str]]:
    """Rows for the page's table: step, the output's piece, then ``piece  probability`` k times."""
    return [[str(s.step), s.chosen, *(f"{piece}  {p:.1%}" for piece, p in s.candidates)] for s in steps]
