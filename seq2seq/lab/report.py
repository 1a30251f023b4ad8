"""The lab's Markdown report: one section per claim, its table, its figure and a computed verdict."""

from __future__ import annotations

import math

import numpy as np

from seq2seq.lab.char_model import PREFIXES, top
from seq2seq.lab.gates import SEQUENCES
from seq2seq.lab.models import NAMES
from seq2seq.machine import cpu_model


def _percent(p: float) -> str:
    return f"{100 * p:.1f}%"


def _letters(pairs) -> str:
    return ", ".join(f"`{c if c != ' ' else '␣'}` {_percent(p)}" for c, p in pairs)


GATE_INIT_TEXT = {
    "chrono": "Gate biases of the LSTM and GRU: chrono (`--gate-init chrono`, Tallec & Ollivier 2018): LSTM forget "
              "bias log(U(1, distance)) and input bias its negative, GRU update bias log(U(1, distance)), so each unit "
              "starts holding its state for 2 to distance + 1 steps. The SimpleRNN has no gate and keeps Keras's "
              "initialisation.",
    "keras": "Gate biases of the LSTM and GRU: Keras's defaults (`--gate-init keras`): LSTM forget bias 1, every "
             "other bias 0 (GRU update gate sigmoid(0) = 0.5).",
}


def recall_section(results: dict) -> list[str]:
    recall = results["recall"]
    cells = list(recall["accuracy"])
    distances = list(next(iter(recall["accuracy"].values())))
    seeds = len(results["config"]["seeds"])
    lines = [
        "## 1. Long-range recall",
        "",
        "*Claim: a simple RNN remembers only short contexts; LSTM and GRU carry information far.*",
        "",
        f"The label is the first of `distance + 1` symbols; the model answers after reading them all. Test accuracy "
        f"(mean over {seeds} seed(s), min-max in brackets); chance is {_percent(recall['chance'])}. "
        f"{GATE_INIT_TEXT[results['config']['gate_init']]}",
        "",
        "| distance | " + " | ".join(NAMES[c] for c in cells) + " |",
        "|---:|" + "---:|" * len(cells),
    ]
    for d in distances:
        cells_text = []
        for c in cells:
            values = recall["accuracy"][c][d]
            cells_text.append(f"{_percent(np.mean(values))} [{_percent(min(values))}-{_percent(max(values))}]")
        lines.append(f"| {d} | " + " | ".join(cells_text) + " |")
    return lines


def gradient_section(results: dict) -> list[str]:
    flow = results["gradient_flow"]
    lines = [
        "## 2. Vanishing gradients",
        "",
        "*Claim: the gradient multiplied back through many steps of a simple RNN vanishes.*",
        "",
        f"Norm of d(loss)/d(h_t) (mean over 64 recall sequences of {results['config']['gradient_time']} steps) at the "
        "first step (where the label is read) and the last; ratio = first / last. The same initialisation as the "
        "recall runs, and after training: the model trained at the longest distance, first seed.",
        "",
        "| cell | stage | first step | last step | first / last |",
        "|---|---|---:|---:|---:|",
    ]
    for cell, by_stage in flow.items():
        for stage, values in by_stage.items():
            first, last = values[0], values[-1]
            lines.append(f"| {NAMES[cell]} | {stage} | {first:.2e} | {last:.2e} | {first / last:.1e} |")
    return lines


def exploding_section(results: dict) -> list[str]:
    config, summary = results["config"], results["exploding"]["summary"]
    lines = [
        "## 3. Exploding gradients and clipping",
        "",
        "*Claim: exploding gradients are tamed by clipping.*",
        "",
        f"SimpleRNN, recurrent kernel = orthogonal x {config['explode_gain']:g}, plain SGD at learning rate "
        f"{config['explode_learning_rate']:g}, {config['explode_steps']} steps, recall distance "
        f"{results['exploding']['curves']['distance']}; chance-level loss is ln {config['label_symbols']} = "
        f"{math.log(config['label_symbols']):.2f}.",
        "",
        "| run | highest loss | final loss | first non-finite step |",
        "|---|---:|---:|---:|",
    ]
    for name, label in (("unclipped", "no clipping"), ("clipped", f"clip-norm {config['clip_norm']:g}")):
        s = summary[name]
        lines.append(f"| {label} | {s['max_loss']:.2f} | {s['final_loss']:.2f} | {s['first_non_finite_step'] or 'none'} |")
    return lines


def characters_section(results: dict) -> list[str]:
    chars = results["characters"]
    lines = [
        "## 4. Memory on real text: after \"grann\"",
        "",
        "*Claim: after \"GRANN\" a network with memory predicts \"Y\"; one without memory predicts the most common "
        "letter, \"E\".*",
        "",
        f"Character models ({results['config']['char_units']} units, {results['config']['char_steps']} steps) on "
        f"{chars['train_chars']:,} characters of lower-cased chitchat replies. Unigram model: "
        f"{_letters(top(chars['unigram'], 4))}; most common letter: "
        f"`{max((c for c in chars['unigram'] if c != ' '), key=chars['unigram'].get)}`.",
        "",
        "| prefix | expected | in the training text | " + " | ".join(
            f"{NAMES[c]} top 3" for c in chars["cells"]) + " |",
        "|---|---|---|" + "---|" * len(chars["cells"]),
    ]
    for prefix, expected in PREFIXES.items():
        corpus = chars["corpus"][prefix]
        seen = f"{corpus['count']}x: {_letters(top(corpus['next'], 2))}" if corpus["count"] else "never"
        cells = [_letters(top(r["next"][prefix], 3)) for r in chars["cells"].values()]
        lines.append(f"| `{prefix.strip()}` | `{expected}` | {seen} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| | unigram | " + " | ".join(NAMES[c] for c in chars["cells"]) + " |",
        "|---|---:|" + "---:|" * len(chars["cells"]),
        "| P(`y` after `grann`) | " + _percent(chars["unigram"]["y"]) + " | "
        + " | ".join(_percent(r["next"][" grann"]["y"]) for r in chars["cells"].values()) + " |",
        "| held-out bits per character | "
        + f"{-sum(p * math.log2(p) for p in chars['unigram'].values() if p > 0):.2f} | "
        + " | ".join(f"{r['bits_per_char']:.2f}" for r in chars["cells"].values()) + " |",
    ]
    return lines


def gates_section(results: dict) -> list[str]:
    lines = [
        "## 5. Gates at work",
        "",
        "*Claim: the LSTM's forget gate and the GRU's update gate hold the early symbol and let the distractors pass.*",
        "",
    ]
    if not results["gates"]:
        gated = [NAMES[cell] for cell in results["config"]["cells"] if cell in ("lstm", "gru")]
        why = (f"the first seed's runs of {' or '.join(gated)} reached 90% test accuracy at no distance (more `--steps`?)"
               if gated else "this run had no gated cell (`--cells` without `lstm` or `gru`)")
        return lines + [f"Not measured: {why}, so there is no model whose gates hold a symbol to show."]
    lines += [
        "For each gated cell, the model of section 1 (first seed) at the longest distance it solved (test accuracy at "
        f"least 90%; a cell that solved none is not shown), over {SEQUENCES} test sequences: the mean holding gate on the "
        "distractor steps; the share of units whose holding gate stays above 0.9 on every distractor step (holding "
        "units); and, for the holding units, how much of the input they write into their state (LSTM: input gate; "
        "GRU: 1 - update gate) at the label and per distractor. The heatmap shows the first sequence.",
        "",
        "| cell | holding gate | distance | test accuracy | mean over distractors | holding units "
        "| holding units write at the label | per distractor |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for cell, s in results["gates"].items():
        gate = "forget" if cell == "lstm" else "update"
        writes = [f"{s[key]:.3f}" if s[key] is not None else "-"
                  for key in ("holding_write_at_label", "holding_write_per_distractor")]
        lines.append(f"| {NAMES[cell]} | {gate} | {s['distance']} | {_percent(s['accuracy'])} | "
                     f"{s['mean_over_distractors']:.2f} | {_percent(s['units_holding'])} | " + " | ".join(writes) + " |")
    return lines


def speed_section(results: dict) -> list[str]:
    config = results["config"]
    lines = [
        "## 6. Speed",
        "",
        "*Claim: the GRU has fewer operations and trains faster than the LSTM.*",
        "",
        f"Median time of one training step (Adam, batch 32, {config['speed_time']} steps of 16 features, "
        f"{config['speed_units']} units) on {cpu_model()}.",
        "",
        "| cell | recurrent parameters | ms per step |",
        "|---|---:|---:|",
    ]
    for cell, s in results["speed"].items():
        lines.append(f"| {NAMES[cell]} | {s['parameters']:,} | {s['ms_per_step']:.1f} |")
    return lines


def markdown(results: dict, figures: dict) -> str:
    """The report: a header, then per claim a table and its figure."""
    header = [
        "# The memory lab",
        "",
        f"Machine: {cpu_model()}. Wall time: {results['seconds']:.0f} s. Numbers in `results.json`.",
        "",
    ]
    sections = [
        (recall_section, "long_range"),
        (gradient_section, "gradient_flow"),
        (exploding_section, "exploding"),
        (characters_section, "grann"),
        (gates_section, "gates"),
        (speed_section, None),
    ]
    body = []
    for section, figure in sections:
        lines = section(results)
        if lines:
            body += lines + [""]
            if figure in figures:
                body += [f"![{figure}]({figures[figure]})", ""]
    return "\n".join(header + body)
