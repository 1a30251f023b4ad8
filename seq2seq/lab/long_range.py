"""Long-range recall: accuracy of each cell at each distance, with the same training budget.

Every run trains a fresh model for ``config.steps`` Adam steps on fresh batches of the recall
task (``tasks.recall_batch``) and is scored on ``config.test_size`` held-out sequences.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from seq2seq.lab import chrono, models, tasks
from seq2seq.lab.config import LabConfig


# A run "solved" its distance when its test accuracy reaches this.
SOLVED = 0.9


@dataclasses.dataclass
class LongRangeResult:
    accuracy: dict  # {cell: {distance: [accuracy per seed]}}
    trained: dict  # {cell: model trained at the longest distance with the first seed}
    chance: float
    # {cell: (distance, model)}: the first seed's model at the longest distance it solved
    # (accuracy >= SOLVED); cells that solved no distance are absent.
    solved: dict = dataclasses.field(default_factory=dict)


def task_batches(config: LabConfig, distance: int, seed: int):
    rng = np.random.default_rng(seed)
    return lambda: tasks.recall_batch(rng, config.batch_size, distance, config.label_symbols, config.noise_symbols)


def test_set(config: LabConfig, distance: int):
    """Held-out sequences, drawn from their own seed (never a training seed)."""
    return tasks.recall_batch(
        np.random.default_rng(10_000 + distance), config.test_size, distance, config.label_symbols, config.noise_symbols
    )


def new_model(config: LabConfig, cell: str, distance: int, seed: int) -> keras.Model:
    """A fresh recall classifier; with ``gate_init="chrono"`` its gates hold for up to ``distance + 1`` steps."""
    time = distance + 1
    gate_kwargs = chrono.layer_kwargs(cell, max(time, 3), seed) if config.gate_init == "chrono" else {}
    model = models.classifier(
        cell, time, config.label_symbols + config.noise_symbols, config.label_symbols, config.units, seed, **gate_kwargs
    )
    return models.compile_for_classes(model, keras.optimizers.Adam(config.learning_rate))


def run(config: LabConfig, progress=None) -> LongRangeResult:
    accuracy = {cell: {} for cell in config.cells}
    trained, solved = {}, {}
    for distance in config.distances:
        test_inputs, test_labels = test_set(config, distance)
        for cell in config.cells:
            for seed in config.seeds:
                model = new_model(config, cell, distance, seed)
                label = f"recall {cell} d={distance} s={seed}"
                models.train(model, task_batches(config, distance, seed), config.steps, progress, label)
                score = models.accuracy(model, test_inputs, test_labels)
                accuracy[cell].setdefault(distance, []).append(score)
                if seed != config.seeds[0]:
                    continue
                if distance == config.longest:
                    trained[cell] = model
                if score >= SOLVED and distance > solved.get(cell, (0, None))[0]:
                    solved[cell] = (distance, model)
    return LongRangeResult(accuracy=accuracy, trained=trained, chance=1.0 / config.label_symbols, solved=solved)


def plot(result: LongRangeResult, path) -> None:
    from seq2seq.lab.figures import figure_to_png, pyplot

    plt = pyplot()

    figure, axis = plt.subplots(figsize=(6, 4))
    # Cells that score alike draw on top of each other: each gets its own dash and marker size.
    styles = [dict(linestyle="-", marker="o", markersize=9), dict(linestyle="--", marker="s", markersize=6),
              dict(linestyle=":", marker="^", markersize=5)]
    for (cell, by_distance), style in zip(result.accuracy.items(), styles * len(result.accuracy)):
        distances = sorted(by_distance)
        means = [np.mean(by_distance[d]) for d in distances]
        (line,) = axis.plot(distances, means, label=models.NAMES[cell], linewidth=2, **style)
        for d in distances:  # one faint dot per seed
            axis.scatter([d] * len(by_distance[d]), by_distance[d], s=12, alpha=0.4, color=line.get_color())
    axis.axhline(result.chance, color="grey", linestyle=":", label="chance")
    axis.set(xscale="log", xlabel="distance (distractors between label and question)", ylabel="test accuracy",
             title="Recall the first symbol", ylim=(0, 1.05))
    axis.legend()
    figure_to_png(figure, path)
