"""Nearly orthogonal directions: why m neurons can host far more than m features.

Two random unit vectors u, v in R^m have cos(u, v) = u . v concentrated
around 0 with spread about 1/sqrt(m): for large m almost every pair is
*nearly* orthogonal. A standard concentration bound is

    P(|u . v| >= epsilon) <= 2 exp(-m epsilon^2 / 2),

so among N random directions the expected number of pairs with
|cos| >= epsilon is below N^2 exp(-m epsilon^2 / 2). When that is < 1, some
draw has no bad pair at all: N = exp(m epsilon^2 / 4) directions with all
pairwise |cos| < epsilon exist (``tmslab.metrics.jl_lower_bound``). This is
the Johnson-Lindenstrauss intuition: the number of nearly orthogonal
directions grows exponentially in m. ``tmslab.metrics.johnson_lindenstrauss_count``
counts them greedily.

Shapes: a set of k directions in R^m is V (k, m), one direction per row.
"""
from __future__ import annotations

import torch

from .validation import check_int


def random_directions(k: int, m: int, seed: int = 0) -> torch.Tensor:
    """V (k, m) float64: k independent uniformly random unit vectors in R^m (rows)."""
    k = check_int("k", k, 1, 100_000)
    m = check_int("m", m, 1, 100_000)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    gen = torch.Generator().manual_seed(seed)
    V = torch.randn(k, m, generator=gen, dtype=torch.float64)
    return V / V.norm(dim=1, keepdim=True)


def _as_directions(V) -> torch.Tensor:
    if not isinstance(V, torch.Tensor):
        try:
            V = torch.as_tensor(V, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            raise ValueError(f"V must be a (k, m) array of directions, got {type(V).__name__}") from None
    if V.dim() != 2 or V.shape[0] < 2 or V.shape[1] < 1:
        raise ValueError(f"V must have shape (k, m) with k >= 2 directions, got {tuple(V.shape)}")
    V = V.double()
    if not torch.isfinite(V).all():
        raise ValueError("V must not contain NaN or infinity")
    norms = V.norm(dim=1)
    if (norms < 1e-12).any():
        raise ValueError("V must not contain a zero vector (its direction is undefined)")
    return V / norms[:, None]


def pairwise_cosines(V) -> torch.Tensor:
    """cos(V_a, V_b) for every pair a < b, as a flat float64 tensor of length k (k - 1) / 2."""
    U = _as_directions(V)
    C = U @ U.T
    rows, cols = torch.triu_indices(len(U), len(U), offset=1)
    return C[rows, cols]


def max_abs_cosine(V) -> float:
    """max_{a != b} |cos(V_a, V_b)|: 0 for mutually orthogonal directions, 1 if two are parallel."""
    return float(pairwise_cosines(V).abs().max())
