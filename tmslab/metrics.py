"""Measures of superposition, all on the paper's W of shape (..., m, n).

Column W_i is feature i's direction in the m-dimensional hidden space and
hat W_i = W_i / ||W_i||. Every function accepts a single W (m, n) or a batch
(..., m, n) (torch tensor or numpy array) and returns torch tensors.
"""
from __future__ import annotations

import math

import torch

from .validation import as_weights, check_float, check_int

_EPS = 1e-6


def feature_norms(W) -> torch.Tensor:
    """||W_i|| (..., n): about 1 for a represented feature, about 0 for an ignored one."""
    W = as_weights("W", W)
    return W.norm(dim=-2)


def interference_matrix(W) -> torch.Tensor:
    """W^T W (..., n, n): entry (i, j) = W_i . W_j, how much feature j leaks into feature i."""
    W = as_weights("W", W)
    return W.transpose(-1, -2) @ W


def _unit_columns(W: torch.Tensor) -> torch.Tensor:
    return W / W.norm(dim=-2, keepdim=True).clamp_min(_EPS)


def superposition(W) -> torch.Tensor:
    """sum_{j != i} (hat W_i . W_j)^2 (..., n).

    0 when feature i is orthogonal to every other feature; >= 1 when other
    features together can drive the i-th direction as strongly as feature i.
    """
    W = as_weights("W", W)
    overlaps = _unit_columns(W).transpose(-1, -2) @ W          # (..., n, n): hat W_i . W_j
    squares = overlaps**2
    return squares.sum(dim=-1) - squares.diagonal(dim1=-2, dim2=-1)


def feature_dimensionality(W) -> torch.Tensor:
    """D_i = ||W_i||^2 / sum_j (hat W_i . W_j)^2 (..., n), the sum including j = i.

    The fraction of a hidden dimension feature i owns: 1 for a dedicated
    dimension, 1/2 for an antipodal pair, 2/5 in a regular pentagon, 0 when
    the feature is not learned (||W_i|| < 1e-6).
    """
    W = as_weights("W", W)
    norms2 = W.norm(dim=-2) ** 2
    overlaps = _unit_columns(W).transpose(-1, -2) @ W
    denom = (overlaps**2).sum(dim=-1)
    learned = norms2 > _EPS**2
    return torch.where(learned, norms2 / denom.clamp_min(_EPS**2), torch.zeros_like(norms2))


def dimensions_per_feature(W) -> torch.Tensor:
    """D* = m / ||W||_F^2 (...,): hidden dimensions per embedded feature.

    ||W||_F^2 = sum_i ||W_i||^2 counts the embedded features (each learned one
    has ||W_i|| about 1). A W with no embedded feature at all (W = 0) gives
    D* = inf: its m dimensions are shared by zero features (as does a W so small
    that m / ||W||_F^2 exceeds W's float range). Summed in float64, returned in W's dtype.
    """
    W = as_weights("W", W)
    frob = (W.double() ** 2).sum(dim=(-2, -1))
    D = torch.where(frob > 0, W.shape[-2] / frob, torch.full_like(frob, math.inf))
    return D.to(W.dtype)


def represented(W, threshold: float = 0.5) -> torch.Tensor:
    """Bool (..., n): ||W_i|| > threshold."""
    threshold = check_float("threshold", threshold, 0.0)
    return feature_norms(W) > threshold


def n_represented(W, threshold: float = 0.5) -> torch.Tensor:
    """How many features have ||W_i|| > threshold (...,)."""
    return represented(W, threshold).sum(dim=-1)


def n_superposed(W, threshold: float = 0.1, norm_threshold: float = 0.5) -> torch.Tensor:
    """How many represented features have superposition(W)_i > threshold (...,)."""
    threshold = check_float("threshold", threshold, 0.0)
    return (represented(W, norm_threshold) & (superposition(W) > threshold)).sum(dim=-1)


def cosine_similarity(W) -> torch.Tensor:
    """(..., n, n) cosines between feature directions (0 for unlearned features)."""
    U = _unit_columns(as_weights("W", W))
    return U.transpose(-1, -2) @ U


def angles_2d(W) -> torch.Tensor:
    """Polar angle in degrees, in [0, 360), of every feature of a 2-D embedding (..., n)."""
    W = as_weights("W", W)
    if W.shape[-2] != 2:
        raise ValueError(f"W must have m = 2 rows for angles_2d, got shape {tuple(W.shape)}")
    return torch.rad2deg(torch.atan2(W[..., 1, :], W[..., 0, :])) % 360.0


def angular_gaps(W, threshold: float = 0.5) -> torch.Tensor:
    """Sorted-angle gaps in degrees between consecutive represented features of one 2-D W.

    A regular pentagon gives five gaps of 72 degrees. Returns a 1-D tensor.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (2, n) matrix for angular_gaps, got {tuple(W.shape)}")
    keep = represented(W, threshold)
    angles = torch.sort(angles_2d(W)[keep]).values
    if len(angles) < 2:
        return torch.zeros(0)
    return torch.diff(torch.cat([angles, angles[:1] + 360.0]))


def johnson_lindenstrauss_count(m: int, epsilon: float, n_candidates: int = 2000,
                                seed: int = 0) -> int:
    """Greedily count random unit vectors in R^m whose pairwise |cos| stay below epsilon.

    A small experiment behind the Johnson-Lindenstrauss intuition: the number
    of nearly orthogonal directions grows like exp(C m epsilon^2), far beyond m.
    """
    m = check_int("m", m, 1, 10_000)
    epsilon = check_float("epsilon", epsilon, 0.0, 1.0, low_open=True)
    n_candidates = check_int("n_candidates", n_candidates, 1, 1_000_000)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    gen = torch.Generator().manual_seed(seed)
    candidates = torch.randn(n_candidates, m, generator=gen, dtype=torch.float64)
    candidates /= candidates.norm(dim=1, keepdim=True)
    kept = torch.empty(n_candidates, m, dtype=torch.float64)
    count = 0
    for v in candidates:
        if count == 0 or (kept[:count] @ v).abs().max() < epsilon:
            kept[count] = v
            count += 1
    return count


def jl_lower_bound(m: int, epsilon: float) -> float:
    """exp(m epsilon^2 / 4): a textbook-style count of directions with pairwise |cos| < epsilon.

    m: an integer in [1, 100000]; epsilon in (0, 1]. Returns ``math.inf`` when the
    count exceeds the float range (m epsilon^2 / 4 > 709).
    """
    m = check_int("m", m, 1, 100_000)
    epsilon = check_float("epsilon", epsilon, 0.0, 1.0, low_open=True)
    exponent = m * epsilon**2 / 4
    return math.exp(exponent) if exponent < 709.0 else math.inf
