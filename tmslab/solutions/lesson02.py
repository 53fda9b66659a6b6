"""Reference solutions for lesson 02 (three universities in two neurons)."""
from __future__ import annotations

import torch

from ..checks.universities import check_de_embed, check_interference_matrix, check_relu_readout


def interference(W):
    """W (m, n), column i = feature i -> the interference matrix W^T W, shape (n, n)."""
    return W.T @ W


def de_embed(W, h):
    """W (m, n), h (m,) -> x' = W^T h, shape (n,): the dot product of h with every W_i."""
    return W.T @ h


def relu_readout(W, h, b):
    """W (m, n), h (m,), b (n,) -> ReLU(W^T h + b), shape (n,)."""
    return torch.relu(W.T @ h + b)


CHECKS = {"interference": check_interference_matrix, "de_embed": check_de_embed,
          "relu_readout": check_relu_readout}
