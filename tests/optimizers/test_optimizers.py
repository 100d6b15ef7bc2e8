"""SGD and Adam through the Optimizer API against NumPy implementations of Keras's rules."""

from __future__ import annotations

import numpy as np
import pytest

from tests.reference import numpy_ops as ref
from unikeras import Variable, ops, optimizers


def _run(optimizer, rng, steps=4):
    shapes = [(3, 2), (2,)]
    start = [rng.standard_normal(s).astype("float32") for s in shapes]
    grads = [[rng.standard_normal(s).astype("float32") for s in shapes] for _ in range(steps)]
    variables = [Variable(w) for w in start]
    for g in grads:
        optimizer.apply([ops.convert_to_tensor(gi) for gi in g], variables)
    return start, grads, [v.numpy() for v in variables]


@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_matches_keras_rule(backend, rng, momentum, nesterov):
    start, grads, result = _run(optimizers.SGD(learning_rate=0.1, momentum=momentum, nesterov=nesterov), rng)
    reference = ref.KerasSGD(0.1, momentum, nesterov)
    w = [s.astype("float64") for s in start]
    for g in grads:
        w = reference.step(w, g)
    for got, want in zip(result, w):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_matches_keras_rule(backend, rng, amsgrad):
    optimizer = optimizers.Adam(learning_rate=0.01, amsgrad=amsgrad)
    start, grads, result = _run(optimizer, rng, steps=5)
    reference = ref.KerasAdam(lr=0.01, amsgrad=amsgrad)
    w = [s.astype("float64") for s in start]
    for g in grads:
        w = reference.step(w, g)
    for got, want in zip(result, w):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert int(optimizer.iterations.numpy()) == 5


def test_apply_gradients_pairs(backend):
    v = Variable(np.array([1.0, 2.0], dtype="float32"))
    opt = optimizers.SGD(learning_rate=0.5)
    opt.apply_gradients([(ops.convert_to_tensor(np.array([2.0, -2.0], dtype="float32")), v)])
    np.testing.assert_allclose(v.numpy(), [0.0, 3.0])


def test_learning_rate_can_change_after_build(backend):
    v = Variable(np.array([1.0], dtype="float32"))
    opt = optimizers.SGD(learning_rate=0.5)
    g = ops.convert_to_tensor(np.array([1.0], dtype="float32"))
    opt.apply([g], [v])
    opt.learning_rate = 0.25
    opt.apply([g], [v])
    np.testing.assert_allclose(v.numpy(), [0.25])


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="Unknown optimizer 'adamw2'.*adam, adamax, adamw, lion, nadam, rmsprop, sgd"):
        optimizers.get("adamw2")
    with pytest.raises(ValueError, match="learning_rate.*-1"):
        optimizers.SGD(learning_rate=-1)
    with pytest.raises(ValueError, match=r"momentum.*\[0, 1\]"):
        optimizers.SGD(momentum=2.0)
