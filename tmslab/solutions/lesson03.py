"""Reference solutions for lesson 03 (linear vs ReLU output)."""
from __future__ import annotations

import torch

from ..checks.engine import check_batched_forward, check_batched_loss, check_sample_batch, check_train_model
from ..checks.models import check_forward, check_weighted_loss


def forward_pass(x, W, b, relu):
    """x (B, n), W (m, n), b (n,) -> x' (B, n): W^T W x + b, with a ReLU when ``relu`` is True."""
    h = x @ W.T                  # (B, m): h = W x for every sample
    out = h @ W + b              # (B, n): x' = W^T h + b
    return torch.relu(out) if relu else out


def weighted_loss(x_hat, x, importance):
    """x_hat, x (B, n), importance (n,) -> the mean over batch and features of I_i (x_i - x'_i)^2."""
    return (importance * (x - x_hat) ** 2).mean()




# ---------------------------------------------------------------- build the engine (section 7)

def sample_batch(batch_size, sparsity):
    """sparsity (I, n) -> x (batch_size, I, n): x_i = 0 with probability S_i, else U[0, 1]."""
    shape = (batch_size,) + tuple(sparsity.shape)
    active = torch.rand(shape) >= sparsity             # on with probability 1 - S_i
    return torch.rand(shape) * active                  # a second draw for the values


def batched_forward(x, W, b):
    """x (B, I, n), W (I, m, n), b (I, n) -> x' = ReLU(W^T W x + b), (B, I, n), every instance at once."""
    h = torch.einsum("imn,bin->bim", W, x)             # (B, I, m): h = W x per instance
    return torch.relu(torch.einsum("imn,bim->bin", W, h) + b)


def batched_loss(x_hat, x, importance):
    """x_hat, x (B, I, n), importance (I, n) -> (I,): mean over batch and features of I_i (x_i - x'_i)^2."""
    return (importance * (x - x_hat) ** 2).mean(dim=(0, 2))


def train_model(W, b, sparsity, importance, steps, batch_size=1024, lr=1e-3):
    """AdamW on the summed per-instance losses, a fresh batch every step; returns (W, b, losses).

    W (I, m, n) and b (I, n) are the initial values (not modified); losses has one float per step.
    """
    W = torch.nn.Parameter(W.clone())
    b = torch.nn.Parameter(b.clone())
    optimizer = torch.optim.AdamW([W, b], lr=lr)       # weight_decay=0.01 by default, as tmslab.train
    losses = []
    for _ in range(steps):
        x = sample_batch(batch_size, sparsity)
        loss = batched_loss(batched_forward(x, W, b), x, importance).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return W.detach(), b.detach(), losses


CHECKS = {"forward_pass": check_forward, "weighted_loss": check_weighted_loss,
          "sample_batch": check_sample_batch, "batched_forward": check_batched_forward,
          "batched_loss": check_batched_loss, "train_model": check_train_model}
