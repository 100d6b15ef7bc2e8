"""PyTorch: nn.Module + torch.optim.Adam, eager autograd."""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.native.common import LEARNING_RATE, epoch_batches, initial_weights


def make_epoch(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int):
    layers = []
    for kernel, bias in initial_weights(seed):
        linear = torch.nn.Linear(*kernel.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(kernel.T))
            linear.bias.copy_(torch.from_numpy(bias))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed)

    def run_epoch() -> float:
        losses = []
        for xb, yb in epoch_batches(x, y, batch_size, rng):
            xb, yb = torch.from_numpy(xb), torch.from_numpy(yb)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        return float(torch.stack(losses).mean())

    return run_epoch
