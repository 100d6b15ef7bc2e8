"""Every optimizer, and the weight_decay / clipnorm / clipvalue / global_clipnorm options, against
the NumPy references of Keras's rules (tests/reference/optimizers.py) on every backend.

The updates run inside the backend's own compiled step (``make_step(..., "auto")``: eager torch
with its foreach kernels, tf.function with TensorFlow's ResourceApply* kernels, jax.jit, eager
MXNet with its fused multi-SGD / adam_update kernels), which is how ``fit`` runs them; this is
what shows that each fused framework kernel computes Keras's rule. test_more_optimizers.py runs
the same optimizers eagerly against Keras itself.
"""

from __future__ import annotations

import numpy as np

from tests.reference import optimizers as ref
from unikeras import Variable, optimizers

SHAPES = [(3, 2), (2,)]
STEPS = 5


def run_compiled(backend, optimizers_, start, grads, inside=None):
    """The weights after applying ``grads`` (one list per step) from ``start``, with each of
    ``optimizers_`` on its own copy of the weights, all in one compiled step; ``inside(g)``, when
    given, maps each gradient as the step receives it to the one the optimizers apply."""
    copies = [[Variable(w, name=f"w{i}") for i, w in enumerate(start)] for _ in optimizers_]
    state = []
    for optimizer, variables in zip(optimizers_, copies):
        optimizer.build(variables)
        state += variables + optimizer.variables

    def update(*step_grads):
        step_grads = [inside(g) for g in step_grads] if inside else list(step_grads)
        for optimizer, variables in zip(optimizers_, copies):
            optimizer.apply(step_grads, variables)
        return optimizers_[0].iterations.value

    step = backend.make_step(update, state, "auto")
    for step_grads in grads:
        step(*step_grads)
    return [[v.numpy() for v in variables] for variables in copies]


def run_reference(reference, start, grads):
    weights = [w.astype("float64") for w in start]
    for step_grads in grads:
        weights = reference.step(weights, step_grads)
    return weights


def problem(rng, scale=2.0, steps=STEPS, shapes=SHAPES):
    """Start weights and ``steps`` lists of gradients (scaled up so that clipping bites)."""
    start = [rng.standard_normal(s).astype("float32") for s in shapes]
    grads = [[(scale * rng.standard_normal(s)).astype("float32") for s in shapes] for _ in range(steps)]
    return start, grads


CASES = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.95, "amsgrad": True}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"learning_rate": 0.01, "amsgrad": True}),
    ("RMSprop", {"learning_rate": 0.01}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.9, "centered": True}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.2}),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9}),
    ("Adamax", {"learning_rate": 0.01, "beta_2": 0.9}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.8}),
    # the options every optimizer shares
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "weight_decay": 0.05}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.5, "clipvalue": 0.3}),
    ("Adam", {"learning_rate": 0.01, "clipnorm": 0.5}),
    ("RMSprop", {"learning_rate": 0.01, "global_clipnorm": 1.0}),
    ("Adagrad", {"learning_rate": 0.1, "weight_decay": 0.2, "clipnorm": 1.0}),
    ("Nadam", {"learning_rate": 0.01, "weight_decay": 0.1, "global_clipnorm": 2.0}),
    ("Lion", {"learning_rate": 0.01, "weight_decay": 0.5, "clipvalue": 0.5}),
]


def test_update_rules_match_numpy_reference(backend, rng):
    """All cases in one compiled step (one jax.jit / tf.function trace instead of one per case)."""
    start, grads = problem(rng)
    results = run_compiled(backend, [getattr(optimizers, name)(**kwargs) for name, kwargs in CASES], start, grads)
    for (name, kwargs), got in zip(CASES, results):
        want = run_reference(ref.OPTIMIZERS[name](**kwargs), start, grads)
        for i, (g, w) in enumerate(zip(got, want)):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5, err_msg=f"{name}({kwargs}), variable {i}")


def test_fused_updates_keep_weights_of_one_shape_apart(backend, rng):
    """Fused kernels that cache buffers (scratch arrays, views) must not share them between two
    weights of the same shape."""
    cases = [("SGD", {"learning_rate": 0.1, "momentum": 0.9}), ("Adam", {"learning_rate": 0.01})]
    start, grads = problem(rng, shapes=[(4,), (4,), (2, 3), (2, 3)])
    results = run_compiled(backend, [getattr(optimizers, name)(**kwargs) for name, kwargs in cases], start, grads)
    for (name, kwargs), got in zip(cases, results):
        want = run_reference(ref.OPTIMIZERS[name](**kwargs), start, grads)
        for i, (g, w) in enumerate(zip(got, want)):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5, err_msg=f"{name}({kwargs}), variable {i}")


def test_gradients_laid_out_differently_from_their_weights(backend, rng):
    """A gradient that is a transposed view (as autograd gives an LSTM's recurrent kernel) updates
    the same elements as a contiguous one."""
    cases = [("Adam", {"learning_rate": 0.01}), ("SGD", {"learning_rate": 0.1, "momentum": 0.9})]
    start, grads = problem(rng, shapes=[(2, 3), (4, 5)])
    transposed = [[np.ascontiguousarray(g.T) for g in step_grads] for step_grads in grads]
    optimizers_ = [getattr(optimizers, name)(**kwargs) for name, kwargs in cases]
    results = run_compiled(backend, optimizers_, start, transposed, inside=backend.transpose)
    for (name, kwargs), got in zip(cases, results):
        want = run_reference(ref.OPTIMIZERS[name](**kwargs), start, grads)
        for i, (g, w) in enumerate(zip(got, want)):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5, err_msg=f"{name}, variable {i}")


def test_the_options_change_the_result(rng):
    """The option cases above are not vacuous: in the reference each option moves the weights
    (the gradients are large enough for every clip to bite)."""
    start, grads = problem(rng)
    for name, kwargs in CASES[14:]:
        plain = {
            k: v for k, v in kwargs.items() if k not in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm")
        }
        for option in set(kwargs) - set(plain):
            with_option = run_reference(ref.OPTIMIZERS[name](**plain, **{option: kwargs[option]}), start, grads)
            without = run_reference(ref.OPTIMIZERS[name](**plain), start, grads)
            assert max(np.abs(a - b).max() for a, b in zip(with_option, without)) > 1e-3, (name, option)


def test_adam_continues_from_an_assigned_step_count_and_learning_rate(backend, rng):
    # MXNet keeps the step count and rate on the host (Backend.host_scalar) and hands its fused
    # kernel a Python-float step size: assignments between steps must reach that copy.
    start, grads = problem(rng, steps=6)
    optimizer = optimizers.Adam(0.001)
    variables = [Variable(w, name=f"w{i}") for i, w in enumerate(start)]
    optimizer.build(variables)
    step = backend.make_step(lambda *g: optimizer.apply(list(g), variables), variables + optimizer.variables, "auto")
    reference = ref.Adam(0.001)
    weights = [w.astype("float64") for w in start]
    for i, step_grads in enumerate(grads):
        if i == 2:
            optimizer.iterations.assign(41)
            optimizer.learning_rate = 0.01
            reference.iterations, reference.learning_rate = 41, 0.01
        step(*step_grads)
        weights = reference.step(weights, step_grads)
    assert int(optimizer.iterations.numpy()) == 41 + 4
    for got, want in zip(variables, weights, strict=True):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-5)
