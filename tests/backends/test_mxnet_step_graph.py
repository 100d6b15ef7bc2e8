"""The MXNet adapter's compiled steps (``unikeras/backends/mxnet_step_graph.py``): each forward pass
recorded once per input signature and replayed as a CachedOp must train exactly as the eager step
does (and as a NumPy reference), and a forward that cannot be replayed must run eagerly, saying why."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from tests.conftest import load_backend
from unikeras import config, layers, ops


@pytest.fixture
def mx_backend(monkeypatch):
    """The MXNet adapter, active; every StepGraphs it creates is kept in ``created``."""
    adapter = load_backend("mxnet")
    from unikeras.backends import mxnet_step_graph

    created.clear()
    original = mxnet_step_graph.StepGraphs.__init__

    def init(self, state):
        original(self, state)
        created.append(self)

    monkeypatch.setattr(mxnet_step_graph.StepGraphs, "__init__", init)
    with config.use_backend("mxnet"):
        yield adapter


created: list = []


def _graphs(model):
    """The graphs of ``model``'s train step (the step graphs whose state holds its first weight)."""
    first = model.trainable_variables[0]
    (graphs,) = [g for g in created if any(v is first for v in g._state)]
    return graphs


def _replayed(graphs) -> int:
    """How many of the step's graphs have been replayed (at least once)."""
    return sum(1 for g in graphs._graphs.values() if g is not None and g.checked)


def _train(build, x, y, jit_compile, epochs=2, batch_size=8, **compile_kwargs):
    unikeras.utils.set_random_seed(7)
    model = build()
    model.compile(jit_compile=jit_compile, **compile_kwargs)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return model, history.history


def _assert_same_training(build, x, y, **kwargs):
    graph_model, graph_logs = _train(build, x, y, True, **kwargs)
    eager_model, eager_logs = _train(build, x, y, False, **kwargs)
    for a, b in zip(graph_model.get_weights(), eager_model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert graph_logs.keys() == eager_logs.keys()
    for name in graph_logs:
        np.testing.assert_allclose(graph_logs[name], eager_logs[name], rtol=1e-4, atol=1e-5)
    return graph_model


def _numpy_sgd_mlp(x, y, w1, b1, w2, b2, lr, batch_size, epochs):
    """Dense(relu) -> Dense(1), mean squared error, plain SGD, batches in order."""
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            pre = xb @ w1 + b1
            h = np.maximum(pre, 0.0)
            out = h @ w2 + b2
            d_out = 2.0 * (out - yb) / out.size
            d_w2, d_b2 = h.T @ d_out, d_out.sum(axis=0)
            d_pre = (d_out @ w2.T) * (pre > 0)
            d_w1, d_b1 = xb.T @ d_pre, d_pre.sum(axis=0)
            w1, b1, w2, b2 = w1 - lr * d_w1, b1 - lr * d_b1, w2 - lr * d_w2, b2 - lr * d_b2
    return [w1, b1, w2, b2]


def test_fit_replays_a_graph_per_batch_shape_and_matches_numpy(mx_backend, rng):
    x = rng.standard_normal((20, 5)).astype("float32")
    y = rng.standard_normal((20, 1)).astype("float32")

    def build():
        return unikeras.Sequential([layers.Input((5,)), layers.Dense(6, activation="relu"), layers.Dense(1)])

    unikeras.utils.set_random_seed(3)
    model = build()
    initial = [w.astype(np.float64) for w in model.get_weights()]
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse", jit_compile=True)
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)

    expected = _numpy_sgd_mlp(x.astype(np.float64), y.astype(np.float64), *initial, 0.1, 8, 3)
    for got, want in zip(model.get_weights(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    graphs = _graphs(model)
    assert graphs.eager_reasons == {}
    assert _replayed(graphs) == 2  # batches of 8 and the last batch of 4


def test_graph_steps_train_as_the_eager_step_with_metrics_and_sample_weights(mx_backend, rng):
    x = rng.standard_normal((36, 10)).astype("float32")
    y = rng.integers(0, 3, 36).astype("int64")

    def build():
        return unikeras.Sequential(
            [
                layers.Input((10,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(16, activation="tanh"),
                layers.Dense(3),
            ]
        )

    model = _assert_same_training(
        build,
        x,
        y,
        optimizer="adam",
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    assert _graphs(model).eager_reasons == {}
    assert _replayed(_graphs(model)) == 2


def test_graph_steps_train_a_cnn_as_the_eager_step(mx_backend, rng):
    x = rng.standard_normal((12, 8, 8, 2)).astype("float32")
    y = rng.integers(0, 4, 12).astype("int32")

    def build():
        return unikeras.Sequential(
            [
                layers.Input((8, 8, 2)),
                layers.Conv2D(4, 3, activation="relu", padding="same"),
                layers.MaxPooling2D(),
                layers.Conv2D(6, 3, activation="relu"),
                layers.Flatten(),
                layers.Dense(4),
            ]
        )

    model = _assert_same_training(
        build,
        x,
        y,
        batch_size=4,
        optimizer="adam",
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    assert _graphs(model).eager_reasons == {}


@pytest.mark.parametrize(
    "layer, reason",
    [
        (lambda: layers.Dropout(0.5), "random"),
        (lambda: layers.BatchNormalization(), "assigns a variable"),
    ],
    ids=["dropout", "batch_normalization"],
)
def test_a_forward_that_cannot_be_replayed_runs_eagerly_and_says_why(mx_backend, rng, layer, reason):
    x = rng.standard_normal((16, 6)).astype("float32")
    y = rng.standard_normal((16, 2)).astype("float32")

    def build():
        return unikeras.Sequential([layers.Input((6,)), layers.Dense(8), layer(), layers.Dense(2)])

    # (SGD: Adam would turn the rounding noise in the gradient of the bias before BatchNormalization,
    # zero in exact arithmetic, into steps of the learning rate's size)
    model = _assert_same_training(build, x, y, optimizer="sgd", loss="mse")
    reasons = list(_graphs(model).eager_reasons.values())
    assert reasons and all(reason in r for r in reasons)
    assert _replayed(_graphs(model)) == 0


class _CustomStep(unikeras.Model):
    """A train_step written with ops.value_and_grad whose function takes the batch as arguments."""

    def train_step(self, data):
        x, y = data
        trainable = self.trainable_variables

        def loss_fn(inputs, targets):
            return ops.mean(ops.square(self(inputs, training=True) - targets))

        loss, grads = ops.value_and_grad(loss_fn, trainable)(x, y)
        self.optimizer.apply(grads, trainable)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]


def test_a_custom_train_step_with_value_and_grad_arguments_is_replayed(mx_backend, rng):
    x = rng.standard_normal((24, 4)).astype("float32")
    y = rng.standard_normal((24, 3)).astype("float32")

    def build():
        inputs = layers.Input((4,))
        model = _CustomStep(inputs, layers.Dense(3)(layers.Dense(5, activation="relu")(inputs)))
        model.loss_tracker = unikeras.metrics.Mean(name="loss")
        return model

    model = _assert_same_training(build, x, y, optimizer="adam")
    assert _graphs(model).eager_reasons == {}
    assert _replayed(_graphs(model)) == 1


def test_a_graph_mxnet_cannot_type_falls_back_to_the_eager_step(mx_backend, rng, monkeypatch):
    # astype records a typeless copy (the adapter's casts use npx.cast, which keeps the dtype): a
    # forward casting through astype cannot be typed by MXNet, and must still train correctly
    x = rng.standard_normal((16, 4)).astype("float32")
    y = rng.standard_normal((16, 2)).astype("float32")

    class AstypeDense(layers.Dense):
        def call(self, inputs):
            return super().call(inputs.astype("float64").astype("float32"))

    def build():
        return unikeras.Sequential([layers.Input((4,)), AstypeDense(3), layers.Dense(2)])

    model = _assert_same_training(build, x, y, optimizer="sgd", loss="mse")
    reasons = list(_graphs(model).eager_reasons.values())
    assert reasons and all("MXNet" in r for r in reasons)


def test_replayed_gradients_of_unused_and_aux_only_variables_are_zero(mx_backend):
    # A replay that writes every gradient hands out unzeroed buffers: a variable read only by the
    # auxiliary output must still get zeros, and one the forward never reads must too.
    from unikeras import Variable

    w_loss = Variable(np.ones((3,), "float32"), name="w_loss")
    w_aux = Variable(np.full((3,), 2.0, "float32"), name="w_aux")
    w_unused = Variable(np.full((2,), 3.0, "float32"), name="w_unused")
    seen = []

    def forward(x):
        return ops.sum(ops.multiply(x, w_loss.value)), ops.multiply(x, w_aux.value)

    def step_fn(x):
        for variables in ([w_loss, w_aux], [w_loss, w_aux, w_unused]):
            (loss, aux), grads = ops.value_and_grad(forward, variables, has_aux=True)(x)
            seen.append([mx_backend.to_numpy(g) for g in grads])
        return loss

    step = mx_backend.make_step(step_fn, [w_loss, w_aux, w_unused], "auto")
    for i in range(4):
        x = np.arange(3, dtype="float32") + i
        step(x)
        with_unused, without = seen.pop(), seen.pop()
        for grads in (with_unused, without):
            np.testing.assert_array_equal(grads[0], x)
            np.testing.assert_array_equal(grads[1], np.zeros(3))
        np.testing.assert_array_equal(with_unused[2], np.zeros(2))
    assert step.graphs.eager_reasons == {}
    assert [g.writes_every_gradient for g in step.graphs._graphs.values()] == [True, False]
    assert all(g.checked for g in step.graphs._graphs.values())


def test_predict_replays_the_whole_forward_and_matches_numpy(mx_backend, rng):
    # A predict step is one forward pass: after its first (probing) call it is recorded once per
    # batch shape and replayed; BatchNormalization reads its moving statistics in inference.
    x = rng.standard_normal((10, 6)).astype("float32")
    model = unikeras.Sequential(
        [layers.Input((6,)), layers.Dense(5, activation="relu"), layers.BatchNormalization(), layers.Dense(3)]
    )
    w1, b1, gamma, beta, mean, var, w2, b2 = [
        rng.standard_normal(w.shape).astype("float32") for w in model.get_weights()
    ]
    var = np.abs(var) + 0.5
    model.set_weights([w1, b1, gamma, beta, mean, var, w2, b2])
    h = np.maximum(x.astype(np.float64) @ w1 + b1, 0.0)
    h = (h - mean) / np.sqrt(var + 1e-3) * gamma + beta
    expected = h @ w2 + b2
    for _ in range(3):  # probe, record, replay (batches of 4, 4 and 2)
        np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0), expected, rtol=1e-4, atol=1e-5)
    first = model.trainable_variables[0]
    (graphs,) = [g for g in created if any(v is first for v in g._state)]
    assert graphs._forward_only and graphs.eager_reasons == {}
    assert _replayed(graphs) == 2
    model.layers[0].kernel.assign(np.zeros_like(w1))  # the replay reads the variables' current values
    h = (np.maximum(np.zeros((10, 5)) + b1, 0.0) - mean) / np.sqrt(var + 1e-3) * gamma + beta
    np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0), h @ w2 + b2, rtol=1e-4, atol=1e-5)


def test_a_training_step_is_not_taken_for_a_forward_pass(mx_backend, rng):
    x = rng.standard_normal((8, 3)).astype("float32")
    y = rng.standard_normal((8, 1)).astype("float32")
    model = unikeras.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert _graphs(model)._forward_only is False
