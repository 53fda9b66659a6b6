"""Reference solutions for lesson 00 (welcome): ``embed`` and ``density``."""
from __future__ import annotations

from ..checks.intro import check_density, check_embed


def embed(W, x):
    """h = W x: features (n,) -> hidden activations (m,), for W of shape (m, n)."""
    return W @ x


def density(S):
    """Feature density (probability that x_i != 0) for sparsity S: 1 - S."""
    return 1 - S


CHECKS = {"embed": check_embed, "density": check_density}
