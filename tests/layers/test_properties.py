"""Property tests: parity with Keras over random shapes, masks and options."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layer_checks import CELLS, TOLERANCE, examples, max_abs_difference, paired_layers


@st.composite
def problems(draw):
    batch = draw(st.integers(1, 4))
    time = draw(st.integers(1, 7))
    features = draw(st.integers(1, 5))
    units = draw(st.integers(1, 6))
    mask = np.array(draw(st.lists(st.booleans(), min_size=batch * time, max_size=batch * time))).reshape(batch, time)
    mask[:, 0] = True  # Keras's own backends disagree on outputs before the first valid step
    options = draw(
        st.fixed_dictionaries(
            {"go_backwards": st.booleans(), "return_sequences": st.booleans(), "return_state": st.booleans()}
        )
    )
    seed = draw(st.integers(0, 2**16))
    cell = draw(st.sampled_from(CELLS))
    return cell, batch, time, features, units, mask, options, seed


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_shapes_and_masks_match_keras(problem):
    (_, ours_cls, keras_cls, cell_kwargs), batch, time, features, units, mask, options, seed = problem
    if options["go_backwards"]:
        mask[:, -1] = True  # the first step processed is the last one
    layer, reference = paired_layers(ours_cls, keras_cls, cell_kwargs, units, features, seed=seed, **options)
    x = np.random.default_rng(seed).standard_normal((batch, time, features)).astype("float32")
    assert max_abs_difference(layer(x, mask=mask), reference(x, mask=mask)) <= TOLERANCE


@settings(max_examples=examples(15), deadline=None)
@given(st.integers(1, 4), st.integers(1, 8), st.integers(0, 2**16))
def test_padding_after_the_end_changes_nothing(batch, length, seed):
    """Right padding of any length leaves the last output and states of a sequence unchanged."""
    _, ours_cls, keras_cls, cell_kwargs = CELLS[0]
    layer, _ = paired_layers(ours_cls, keras_cls, cell_kwargs, 3, 2, seed=seed, return_state=True)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, length, 2)).astype("float32")
    padded = np.concatenate([x, rng.standard_normal((batch, 3, 2)).astype("float32")], axis=1)
    mask = np.arange(length + 3)[None, :] < np.full((batch, 1), length)
    assert max_abs_difference(layer(padded, mask=mask), layer(x)) <= TOLERANCE
