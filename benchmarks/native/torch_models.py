"""PyTorch: the suite's workloads as nn.Modules, trained with torch.optim.Adam (foreach), eager autograd.

Images go in as NCHW, converted once before training, as a PyTorch user's data pipeline hands them over.
The model lives on the GPU when there is one (``cuda`` if available, else the CPU), and each
batch is copied there as it is used.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from benchmarks.native.common import epoch_batches
from benchmarks.workloads import EPSILON, LAYER_NORM_EPSILON, LEARNING_RATE, NUM_CLASSES, WORKLOADS


class TransformerBlock(nn.Module):
    def __init__(self, dim: int = 64, heads: int = 4, hidden: int = 128) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm1 = nn.LayerNorm(dim, eps=LAYER_NORM_EPSILON)
        self.ffn = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, dim))
        self.norm2 = nn.LayerNorm(dim, eps=LAYER_NORM_EPSILON)
        self.head = nn.Linear(dim, NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attended, _ = self.attention(x, x, x, need_weights=False)
        x = self.norm1(x + attended)
        x = self.norm2(x + self.ffn(x))
        return self.head(x.mean(dim=1))


class LSTMClassifier(nn.Module):
    def __init__(self, features: int = 16, units: int = 64) -> None:
        super().__init__()
        self.lstm = nn.LSTM(features, units, batch_first=True)
        self.head = nn.Linear(units, NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def build(name: str) -> nn.Module:
    if name == "mlp":
        return nn.Sequential(
            nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, NUM_CLASSES)
        )
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 5 * 5, 128),
            nn.ReLU(),
            nn.Linear(128, NUM_CLASSES),
        )
    if name == "lstm":
        return LSTMClassifier()
    if name == "transformer":
        return TransformerBlock()
    raise ValueError(f"unknown workload {name!r}; expected one of {sorted(WORKLOADS)}")


class Native:
    """One workload's model, optimizer and data: ``train_epoch()`` and ``predict()``."""

    def __init__(self, name: str, x: np.ndarray, y: np.ndarray, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.workload = WORKLOADS[name]
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = build(name).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE, eps=EPSILON, foreach=True)
        self.loss_fn = nn.CrossEntropyLoss()
        self.x, self.y = self.prepare(x), y.astype(np.int64)
        self.rng = np.random.default_rng(seed)

    def prepare(self, x: np.ndarray) -> np.ndarray:
        """NHWC images to NCHW once, as the data would be stored for PyTorch."""
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if x.ndim == 4 else x

    def num_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def train_epoch(self, on_first_step: Callable[[], None] | None = None, max_steps: int | None = None) -> float:
        self.model.train()
        losses = []
        for xb, yb in epoch_batches(self.x, self.y, self.workload.batch_size, self.rng, max_steps):
            xb, yb = torch.from_numpy(xb).to(self.device), torch.from_numpy(yb).to(self.device)
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss_fn(self.model(xb), yb)
            loss.backward()
            self.optimizer.step()
            losses.append(loss.detach())
            if on_first_step is not None:
                float(loss.detach())
                on_first_step()
                on_first_step = None
        return float(torch.stack(losses).mean())

    def predict(self, max_samples: int | None = None) -> np.ndarray:
        """Logits of the training set as stored (its first ``max_samples``), in large batches."""
        self.model.eval()
        x, size = self.x[:max_samples], self.workload.predict_batch_size
        with torch.inference_mode():
            outputs = [self.model(torch.from_numpy(x[i : i + size]).to(self.device)) for i in range(0, len(x), size)]
            return torch.cat(outputs).cpu().numpy()
