"""Reference solutions for lesson 04 (sparsity sweeps)."""
from __future__ import annotations

from ..checks.sweeps import check_count_represented, check_superposition


def superposition_measure(W):
    """W (m, n) -> sum_{j != i} (hat W_i . W_j)^2 for every feature i, shape (n,)."""
    unit = W / W.norm(dim=0, keepdim=True).clamp_min(1e-6)     # hat W_i as columns
    overlaps = unit.T @ W                                      # (n, n): hat W_i . W_j
    squares = overlaps**2
    return squares.sum(dim=1) - squares.diagonal()             # drop the j = i term


def count_represented(W, threshold=0.5):
    """W (m, n) -> how many features have ||W_i|| > threshold (an int)."""
    return int((W.norm(dim=0) > threshold).sum())


CHECKS = {"superposition_measure": check_superposition, "count_represented": check_count_represented}
