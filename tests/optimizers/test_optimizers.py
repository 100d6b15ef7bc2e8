"""The Optimizer API: apply / apply_gradients, building, slots, constraints, names and errors.
(The update rules themselves are checked in test_reference_rules.py and test_more_optimizers.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from unikeras import Variable, constraints, ops, optimizers


def test_apply_gradients_pairs(backend):
    v = Variable(np.array([1.0, 2.0], dtype="float32"))
    opt = optimizers.SGD(learning_rate=0.5)
    opt.apply_gradients([(ops.convert_to_tensor(np.array([2.0, -2.0], dtype="float32")), v)])
    np.testing.assert_allclose(v.numpy(), [0.0, 3.0])
    assert int(opt.iterations.numpy()) == 1


def test_constraint_is_applied_after_the_update(backend):
    v = Variable(np.array([0.5, -0.5], dtype="float32"), constraint=constraints.NonNeg())
    opt = optimizers.SGD(learning_rate=1.0)
    opt.apply([ops.convert_to_tensor(np.array([-1.0, 1.0], dtype="float32"))], [v])
    np.testing.assert_allclose(v.numpy(), [1.5, 0.0])


def test_a_subset_of_the_built_variables_can_be_updated(backend):
    a, b = Variable(np.ones(2, "float32")), Variable(np.ones(3, "float32"))
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.5)
    opt.build([a, b])
    opt.apply([ops.convert_to_tensor(np.ones(3, "float32"))], [b])
    np.testing.assert_allclose(a.numpy(), np.ones(2))
    np.testing.assert_allclose(b.numpy(), np.full(3, 0.9), rtol=1e-6)
    with pytest.raises(ValueError, match="not among those the optimizer was built with"):
        opt.apply([ops.convert_to_tensor(np.ones(2, "float32"))], [Variable(np.ones(2, "float32"))])


def test_errors_name_the_argument(backend):
    with pytest.raises(
        ValueError,
        match="Unknown optimizer 'adamw2'.*adadelta, adafactor, adagrad, adam, adamax, adamw, ftrl, lamb, lion, muon, "
        "nadam, rmsprop, schedulefreeadamw, sgd",
    ):
        optimizers.get("adamw2")
    with pytest.raises(ValueError, match="learning_rate.*-1"):
        optimizers.SGD(learning_rate=-1)
    with pytest.raises(ValueError, match=r"momentum.*\[0, 1\]"):
        optimizers.SGD(momentum=2.0)
    with pytest.raises(TypeError, match=r"SGD: unexpected keyword arguments \['lr'\]"):
        optimizers.SGD(lr=0.1)
    with pytest.raises(ValueError, match="received 1 gradients for 2 variables"):
        optimizers.SGD().apply(
            [ops.convert_to_tensor(np.ones(1, "float32"))], [Variable(np.ones(1)), Variable(np.ones(1))]
        )
    with pytest.raises(ValueError, match="pass `trainable_variables`"):
        optimizers.SGD().apply([ops.convert_to_tensor(np.ones(1, "float32"))])
