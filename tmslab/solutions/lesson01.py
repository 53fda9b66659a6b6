"""Reference solutions for lesson 01 (what is superposition?)."""
from __future__ import annotations

import torch

from ..checks.intro import check_max_abs_cosine, check_relu_hidden_forward, check_rotate


def rotate(W, R):
    """W (m, n), R (m, m) orthogonal -> the rotated weights R W (m, n): column W_i becomes R W_i."""
    return R @ W


def relu_hidden_forward(W, b, x):
    """W (m, n), b (n,), x (B, n) -> x' = ReLU(W^T ReLU(W x) + b), shape (B, n).

    With samples as rows, W x for the whole batch is ``x @ W.T`` (B, m).
    """
    h = torch.relu(x @ W.T)
    return torch.relu(h @ W + b)


def max_abs_cos(V):
    """V (k, m), k >= 2 directions as rows -> max over a != b of |cos(V_a, V_b)| (a float)."""
    U = V / V.norm(dim=1, keepdim=True)
    C = (U @ U.T).abs()
    C.fill_diagonal_(0.0)          # the diagonal is cos(V_a, V_a) = 1: not a pair
    return float(C.max())


CHECKS = {"rotate": check_rotate, "relu_hidden_forward": check_relu_hidden_forward,
          "max_abs_cos": check_max_abs_cosine}
