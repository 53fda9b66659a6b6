"""Reference solutions for lesson 06 (geometry)."""
from __future__ import annotations

import torch

from ..checks.geometry import (check_dimensions_per_feature, check_feature_dimensionality,
                               check_kgon_dimensionality)


def feature_dimensionality(W):
    """W (m, n) -> D_i = ||W_i||^2 / sum_j (hat W_i . W_j)^2 for every feature, shape (n,)."""
    norms = W.norm(dim=0)                                  # ||W_i||
    W_hat = W / norms.clamp_min(1e-6)                      # unit columns (0 for unlearned features)
    overlaps = (W_hat.T @ W) ** 2                          # (hat W_i . W_j)^2, shape (n, n)
    D = norms**2 / overlaps.sum(dim=1).clamp_min(1e-12)    # sum over all j, including j = i
    return torch.where(norms > 1e-6, D, torch.zeros_like(D))


def dimensions_per_feature(W):
    """W (m, n) -> D* = m / ||W||_F^2 (a float)."""
    return W.shape[0] / float((W**2).sum())


def kgon_dimensionality(k):
    """The k values D_i of the regular k-gon (k unit vectors at angles 2 pi j / k)."""
    angles = 2 * torch.pi * torch.arange(k, dtype=torch.float64) / k
    W = torch.stack([torch.cos(angles), torch.sin(angles)])      # (2, k)
    return feature_dimensionality(W)


CHECKS = {"feature_dimensionality": check_feature_dimensionality,
          "dimensions_per_feature": check_dimensions_per_feature,
          "kgon_dimensionality": check_kgon_dimensionality}
