"""MXNet: the suite's workloads as hybridized Gluon HybridBlocks trained with gluon.Trainer('adam'), NumPy mode.

Images go in as NCHW (MXNet's CPU convolution takes no other layout), converted once before
training; the LSTM is Gluon's fused ``rnn.LSTM``; attention is one QKV projection and ``batch_dot``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

if "bool" not in np.__dict__:  # MXNet 1.9.1 still uses np.bool
    np.bool = bool

import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon, npx  # noqa: E402
from mxnet.gluon import nn, rnn  # noqa: E402

from benchmarks.native.common import epoch_batches  # noqa: E402
from benchmarks.workloads import EPSILON, LAYER_NORM_EPSILON, LEARNING_RATE, NUM_CLASSES, WORKLOADS  # noqa: E402

npx.set_np()


class LSTMClassifier(nn.HybridBlock):
    def __init__(self, features: int = 16, units: int = 64) -> None:
        super().__init__()
        self.lstm = rnn.LSTM(units, layout="NTC", input_size=features)
        self.head = nn.Dense(NUM_CLASSES, in_units=units)

    def hybrid_forward(self, F, x):  # noqa: N803 (Gluon's signature)
        # Explicit zero states: inside a hybridized parent, rnn.LSTM's own begin state gets batch size 0
        # under NumPy shape semantics ("Shape inconsistent, Provided = [1,0,64]").
        zeros = F.np.expand_dims(F.np.tile(F.np.zeros_like(x[:, 0, :1]), (1, self.lstm._hidden_size)), 0)
        outputs, _ = self.lstm(x, [zeros, zeros])
        return self.head(outputs[:, -1, :])


class TransformerBlock(nn.HybridBlock):
    def __init__(self, dim: int = 64, heads: int = 4, hidden: int = 128) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = nn.Dense(3 * dim, flatten=False, in_units=dim)
        self.out = nn.Dense(dim, flatten=False, in_units=dim)
        self.norm1 = nn.LayerNorm(epsilon=LAYER_NORM_EPSILON, in_channels=dim)
        self.ffn1 = nn.Dense(hidden, activation="relu", flatten=False, in_units=dim)
        self.ffn2 = nn.Dense(dim, flatten=False, in_units=hidden)
        self.norm2 = nn.LayerNorm(epsilon=LAYER_NORM_EPSILON, in_channels=dim)
        self.head = nn.Dense(NUM_CLASSES, in_units=dim)

    def hybrid_forward(self, F, x):  # noqa: N803 (Gluon's signature)
        qkv = F.npx.reshape(self.qkv(x), (-2, -2, 3, self.heads, self.head_dim))  # (B, T, 3, H, D)
        qkv = F.np.transpose(qkv, (2, 0, 3, 1, 4))  # (3, B, H, T, D)
        q, k, v = (F.npx.reshape(a, (-3, -5, -2, -2)) for a in F.np.split(qkv, 3, axis=0))  # (B*H, T, D) each
        scores = F.npx.batch_dot(q, k, transpose_b=True) / float(np.sqrt(self.head_dim))  # (B*H, T, T)
        attended = F.npx.batch_dot(F.npx.softmax(scores, axis=-1), v)  # (B*H, T, D)
        attended = F.npx.reshape(attended, (-6, -1, self.heads, -2, -2))  # (B, H, T, D)
        attended = F.npx.reshape(F.np.transpose(attended, (0, 2, 1, 3)), (-2, -2, -5))  # (B, T, H*D)
        h = self.norm1(x + self.out(attended))
        h = self.norm2(h + self.ffn2(self.ffn1(h)))
        return self.head(F.np.mean(h, axis=1))


def build(name: str) -> nn.HybridBlock:
    if name == "mlp":
        net = nn.HybridSequential()
        net.add(
            nn.Dense(256, activation="relu", in_units=784),
            nn.Dense(256, activation="relu", in_units=256),
            nn.Dense(NUM_CLASSES, in_units=256),
        )
        return net
    if name == "cnn":
        net = nn.HybridSequential()
        net.add(
            nn.Conv2D(32, 3, activation="relu", in_channels=1),
            nn.MaxPool2D(2),
            nn.Conv2D(64, 3, activation="relu", in_channels=32),
            nn.MaxPool2D(2),
            nn.Dense(128, activation="relu", in_units=64 * 5 * 5),
            nn.Dense(NUM_CLASSES, in_units=128),
        )
        return net
    if name == "lstm":
        return LSTMClassifier()
    if name == "transformer":
        return TransformerBlock()
    raise ValueError(f"unknown workload {name!r}; expected one of {sorted(WORKLOADS)}")


class Native:
    """One workload's network, trainer and data: ``train_epoch()`` and ``predict()``."""

    def __init__(self, name: str, x: np.ndarray, y: np.ndarray, seed: int = 0) -> None:
        mx.random.seed(seed)
        self.workload = WORKLOADS[name]
        self.net = build(name)
        self.net.initialize(mx.init.Xavier())
        self.net.hybridize(static_alloc=True, static_shape=True)
        self.trainer = gluon.Trainer(
            self.net.collect_params(), "adam", {"learning_rate": LEARNING_RATE, "epsilon": EPSILON}
        )
        self.loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
        self.x, self.y = np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if x.ndim == 4 else x, y
        self.rng = np.random.default_rng(seed)

    def num_params(self) -> int:
        return sum(int(np.prod(p.shape)) for p in self.net.collect_params().values())

    def train_epoch(self, on_first_step: Callable[[], None] | None = None, max_steps: int | None = None) -> float:
        losses = []
        for xb, yb in epoch_batches(self.x, self.y, self.workload.batch_size, self.rng, max_steps):
            xb, yb = mx.np.array(xb), mx.np.array(yb)
            with autograd.record():
                loss = self.loss_fn(self.net(xb), yb)
            loss.backward()
            self.trainer.step(xb.shape[0])
            losses.append(loss.mean())
            if on_first_step is not None:
                float(losses[-1])
                on_first_step()
                on_first_step = None
        return float(mx.np.stack(losses).mean())

    def predict(self, max_samples: int | None = None) -> np.ndarray:
        """Logits of the training set as stored (its first ``max_samples``), in large batches."""
        x, size = self.x[:max_samples], self.workload.predict_batch_size
        outputs = [self.net(mx.np.array(x[i : i + size])) for i in range(0, len(x), size)]
        return mx.np.concatenate(outputs).asnumpy()
