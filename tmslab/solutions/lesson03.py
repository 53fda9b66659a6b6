"""Reference solutions for lesson 03 (linear vs ReLU output)."""
from __future__ import annotations

import torch

from ..checks.models import check_forward, check_weighted_loss


def forward_pass(x, W, b, relu):
    """x (B, n), W (m, n), b (n,) -> x' (B, n): W^T W x + b, with a ReLU when ``relu`` is True."""
    h = x @ W.T                  # (B, m): h = W x for every sample
    out = h @ W + b              # (B, n): x' = W^T h + b
    return torch.relu(out) if relu else out


def weighted_loss(x_hat, x, importance):
    """x_hat, x (B, n), importance (n,) -> the mean over batch and features of I_i (x_i - x'_i)^2."""
    return (importance * (x - x_hat) ** 2).mean()


CHECKS = {"forward_pass": check_forward, "weighted_loss": check_weighted_loss}
