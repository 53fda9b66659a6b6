"""The linear model's loss, taken apart (the paper's "Mathematical understanding").

For the linear model x' = W^T W x + b write M = W^T W (n x n), so
M_ii = ||W_i||^2 and M_ij = W_i . W_j. The paper (adapting Saxe et al.) writes

    L ~ sum_i I_i (1 - ||W_i||^2)^2  +  sum_{i != j} I_j (W_j . W_i)^2
        `------ feature benefit ----'    `------- interference -------'

The first term is what representing features removes from the loss (it is
sum_i I_i when nothing is represented, 0 when every ||W_i|| = 1); the second
is the price of features sharing directions.

For this course's data (x_i = 0 with probability S_i, else U[0, 1],
independent) and the best bias for the given W, the decomposition is exact:
with mu_i = E[x_i] = (1 - S_i)/2 and v_i = Var[x_i] = (1 - S_i)/3 - mu_i^2,

    b*_i = mu_i - sum_j M_ij mu_j,
    E[sum_i I_i (x_i - x'_i)^2] = sum_i I_i [ (1 - M_ii)^2 v_i + sum_{j != i} M_ij^2 v_j ],

which for equal sparsities is v * (feature benefit + interference).

Shapes: W (..., m, n); importance and sparsity (n,) or broadcastable to (..., n).
"""
from __future__ import annotations

import torch

from . import metrics
from .validation import as_tensor, as_weights


def _vector(name: str, value, W: torch.Tensor, low: float, high: float) -> torch.Tensor:
    arr = as_tensor(name, value, low, high, dtype=W.dtype)
    if arr.dim() == 0:
        arr = arr.expand(W.shape[-1])
    if arr.shape[-1] != W.shape[-1]:
        raise ValueError(f"{name} must have n = {W.shape[-1]} entries per instance (one per feature), "
                         f"got shape {tuple(arr.shape)}")
    try:
        torch.broadcast_shapes(arr.shape, W.shape[:-2] + (W.shape[-1],))
    except RuntimeError:
        raise ValueError(f"{name} of shape {tuple(arr.shape)} does not match W of shape "
                         f"{tuple(W.shape)}") from None
    return arr


def linear_loss_terms(W, importance) -> tuple[torch.Tensor, torch.Tensor]:
    """(feature benefit, interference), each (...,).

    feature benefit = sum_i I_i (1 - ||W_i||^2)^2; interference = sum_{i != j} I_j (W_j . W_i)^2.
    importance: I_i >= 0, shape (n,) or (..., n).
    """
    W = as_weights("W", W)
    importance = _vector("importance", importance, W, 0.0, float("inf"))
    M = metrics.interference_matrix(W)                          # (..., n, n)
    diag = M.diagonal(dim1=-2, dim2=-1)                          # ||W_i||^2
    benefit = (importance * (1.0 - diag) ** 2).sum(-1)
    off = (M**2).sum(-1) - diag**2                               # sum_{i != j} (W_j . W_i)^2, row j
    interference = (importance * off).sum(-1)
    return benefit, interference


def feature_moments(sparsity) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean (1 - S)/2 and variance (1 - S)/3 - ((1 - S)/2)^2 of x_i for sparsity S in [0, 1]."""
    s = as_tensor("sparsity", sparsity, 0.0, 1.0, dtype=torch.float64)
    density = 1.0 - s
    mean = density / 2.0
    return mean, density / 3.0 - mean**2


def optimal_linear_bias(W, sparsity) -> torch.Tensor:
    """b*_i = mu_i - sum_j (W^T W)_ij mu_j (..., n): the bias that minimises the linear model's loss."""
    W = as_weights("W", W).double()
    s = _vector("sparsity", sparsity, W, 0.0, 1.0)
    mean, _ = feature_moments(s)
    M = metrics.interference_matrix(W)
    return mean - (M @ mean.unsqueeze(-1)).squeeze(-1)


def linear_expected_loss(W, importance, sparsity) -> torch.Tensor:
    """Exact E[sum_i I_i (x_i - x'_i)^2] (...,) of the linear model with W and the best bias.

    Equals v * (feature benefit + interference) when all sparsities are equal.
    ``tmslab.models.weighted_mse`` averages over features instead: divide by n to compare.
    """
    W = as_weights("W", W).double()
    importance = _vector("importance", importance, W, 0.0, float("inf"))
    s = _vector("sparsity", sparsity, W, 0.0, 1.0)
    _, var = feature_moments(s)
    M = metrics.interference_matrix(W)                          # (..., n, n)
    diag = M.diagonal(dim1=-2, dim2=-1)
    own = (1.0 - diag) ** 2 * var                                # (..., n)
    leak = ((M**2) * var.unsqueeze(-2)).sum(-1) - diag**2 * var  # sum_{j != i} M_ij^2 v_j
    return (importance * (own + leak)).sum(-1)
