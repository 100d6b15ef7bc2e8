"""MXNet: a hybridized Gluon HybridSequential and gluon.Trainer('adam'), in MXNet's NumPy mode (as unikeras runs it)."""

from __future__ import annotations

import numpy as np

if "bool" not in np.__dict__:  # MXNet 1.9.1 still uses np.bool
    np.bool = bool

import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon  # noqa: E402

from benchmarks.native.common import LAYER_SIZES, LEARNING_RATE, epoch_batches, initial_weights  # noqa: E402


def make_epoch(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int):
    net = gluon.nn.HybridSequential()
    for i, units in enumerate(LAYER_SIZES[1:]):
        net.add(gluon.nn.Dense(units, activation="relu" if i < len(LAYER_SIZES) - 2 else None, in_units=LAYER_SIZES[i]))
    net.initialize()
    for layer, (kernel, bias) in zip(net, initial_weights(seed)):
        layer.weight.set_data(mx.np.array(kernel.T))
        layer.bias.set_data(mx.np.array(bias))
    net.hybridize(static_alloc=True, static_shape=True)
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": LEARNING_RATE, "epsilon": 1e-7})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    rng = np.random.default_rng(seed)

    def run_epoch() -> float:
        losses = []
        for xb, yb in epoch_batches(x, y, batch_size, rng):
            xb, yb = mx.np.array(xb), mx.np.array(yb)
            with autograd.record():
                loss = loss_fn(net(xb), yb)
            loss.backward()
            trainer.step(xb.shape[0])
            losses.append(loss.mean())
        return float(mx.np.stack(losses).mean())

    return run_epoch
