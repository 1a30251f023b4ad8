"""Runs the whole memory lab and writes its figures and report."""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path

import numpy as np

from seq2seq import atomic
from seq2seq.lab import char_model, exploding, gates, gradient_flow, long_range, report, speed, tasks
from seq2seq.lab.config import LabConfig
from seq2seq.lab.progress import Progress

FIGURES = {
    "long_range": "long_range.png",
    "gradient_flow": "gradient_flow.png",
    "exploding": "exploding.png",
    "grann": "grann.png",
    "gates": "gates.png",
}


def total_steps(config: LabConfig) -> int:
    runs = len(config.cells) * len(config.distances) * len(config.seeds)
    return runs * config.steps + 2 * config.explode_steps + len(config.cells) * config.char_steps


def run_memory_lab(config: LabConfig, out_dir: Path | None = None, progress: Progress | None = None) -> dict:
    """Runs every experiment; writes PNGs, ``report.md`` and ``results.json`` to ``out_dir``.

    Returns the numbers as a JSON-ready dict (see ``report.markdown`` for what each means).
    """
    started = time.perf_counter()
    progress = progress or Progress(total_steps(config), enabled=False)
    text = tasks.chitchat_letters(config.char_chars)  # fail early if the corpus is missing

    recall = long_range.run(config, progress)
    flow_inputs, flow_labels = long_range.test_set(config, config.gradient_time - 1)
    flow_inputs, flow_labels = flow_inputs[:64], flow_labels[:64]
    norms = {}
    for cell in config.cells:
        untrained = long_range.new_model(config, cell, config.longest, config.seeds[0])  # the same init
        norms[cell] = {
            stage: gradient_flow.hidden_state_gradient_norms(model, flow_inputs, flow_labels)
            for stage, model in (("init", untrained), ("trained", recall.trained[cell]))
        }
    curves = exploding.run(config, progress)
    characters = char_model.run(config, text, progress)
    holding, holding_runs = {}, {}
    for cell, (distance, model) in recall.solved.items():
        if cell in gates.HOLDING_GATE:
            holding[cell] = gates.activations(model, cell, long_range.test_set(config, distance)[0][: gates.SEQUENCES])
            holding_runs[cell] = {"distance": distance, "accuracy": recall.accuracy[cell][distance][0]}
    speeds = speed.run(config)
    progress.close()

    results = {
        "config": dataclasses.asdict(config),
        "recall": {"chance": recall.chance, "accuracy": {c: {str(d): v for d, v in a.items()} for c, a in recall.accuracy.items()}},
        "gradient_flow": {
            cell: {stage: [float(x) for x in values] for stage, values in by_stage.items()} for cell, by_stage in norms.items()
        },
        "exploding": {"curves": curves, "summary": exploding.summary(curves)},
        "characters": characters,
        "gates": {cell: {**holding_runs[cell], **s} for cell, s in gates.summary(holding).items()},
        "speed": speeds,
        "seconds": time.perf_counter() - started,
    }
    if out_dir is not None:
        out_dir = Path(out_dir)
        atomic.make_folder(out_dir)
        long_range.plot(recall, out_dir / FIGURES["long_range"])
        gradient_flow.plot(norms, out_dir / FIGURES["gradient_flow"])
        exploding.plot(curves, config.clip_norm, out_dir / FIGURES["exploding"])
        char_model.plot(characters, out_dir / FIGURES["grann"])
        if holding:
            gates.plot(holding, out_dir / FIGURES["gates"], {c: r["accuracy"] for c, r in holding_runs.items()})
        atomic.write_text(out_dir / "results.json", json.dumps(plain(results), indent=1) + "\n")
        atomic.write_text(out_dir / "report.md", report.markdown(results, FIGURES if holding else
                                                                  {k: v for k, v in FIGURES.items() if k != "gates"}))
    return results


def plain(value):
    """``value`` with NumPy scalars as Python numbers and NaN/inf as ``None`` (strict JSON)."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
