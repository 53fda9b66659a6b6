"""Lessons 03-04: what a sparsity sweep of n = 20 features in m = 5 dimensions shows.

Summaries of trained instances (W (m, n) or (I, m, n), b (n,) or (I, n)) and
the reference replication's checkable outcomes (docs/references.md, E1 and E2) to print next to them.

  * ``linear_checks``: the linear model's solution (E2): the top-m features
    get ||W_i|| ~ 1 and an identity block in W^T W, the rest ||W_i|| ~ 0 and
    the bias b_i = E[x_i] = (1 - S)/2; the learned features get b_i ~ 0.
  * ``solution_gap``: how far apart two solutions are, measured on W^T W and
    b (W itself is only defined up to a rotation of the hidden space).
  * ``instance_summary``: counts of represented (||W_i|| > 0.5) and
    superposed (sum_{j!=i} (hat W_i . W_j)^2 > 0.1) features, ||W||_F^2,
    mean bias of represented features, largest ||W_i||.
"""
from __future__ import annotations

import numpy as np
import torch

from . import metrics
from .validation import as_array, as_weights, check_float, check_int

#: The sweep of the paper's n = 20, m = 5 figure (densities 1 - S).
DENSITIES = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)

#: The reference replication of E2 (docs/references.md#e2; 3 single seeds per density, ReLU output model):
#: density -> (#represented per seed, #in superposition, ||W||_F^2, minimum count the reference asserts)
REFERENCE_E2_RELU = {
    1.0: ("5,5,5", "0", "5.00", 5),
    0.3: ("7,7,7", "4", "6.9", 7),
    0.1: ("9,9,8", "6-8", "8.1-9.0", 8),
    0.03: ("10,10,11", "10-11", "10.1-11.7", 10),
    0.01: ("12,11,11", "11-12", "12.4-13.0", 11),
    0.003: ("13,12,13", "12-13", "14.6-15.3", None),
    0.001: ("14,12,14", "12-14", "14.7-15.2", None),
}

#: The reference replication of E1 (docs/references.md#e1), n = 5, m = 2, I_i = 0.9^i, 10 seeds each: S ->
#: (seeds with the paper's geometry, loss of the lowest-loss seed)
REFERENCE_E1 = {0.0: ("10/10", 0.0364), 0.8: ("1/10", 0.01205), 0.9: ("3/10", 0.00420)}

#: Tolerances of the E2 checks for the linear model (docs/references.md#e2).
LINEAR_TOLERANCES = {"top_norm": 0.05, "other_norm": 0.05, "identity": 0.05, "bias": 0.02}


def _instance(W, b):
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be one matrix of shape (m, n), got {tuple(W.shape)}")
    b = torch.as_tensor(as_array("b", b, -np.inf, np.inf), dtype=W.dtype)
    if tuple(b.shape) != (W.shape[1],):
        raise ValueError(f"b must have shape ({W.shape[1]},), one entry per feature, got {tuple(b.shape)}")
    return W, b


def linear_checks(W, b, density: float, n_top: int | None = None) -> dict:
    """Measure a linear model's solution against the E2 checks (docs/references.md#e2; W (m, n), b (n,)).

    density: 1 - S in [0, 1]; n_top: how many features should be learned
    (default m). Returns the measured numbers and ``passed`` (dict of bools):
      top_norm    max |  ||W_i|| - 1 |, i < n_top          (< 0.05)
      other_norm  max ||W_i||, i >= n_top                  (< 0.05)
      identity    max |(W^T W)_ij - delta_ij|, i, j < n_top  (< 0.05)
      bias_other  max |b_i - (1 - S)/2|, i >= n_top        (< 0.02)
      bias_top    max |b_i|, i < n_top                     (< 0.02)
    """
    W, b = _instance(W, b)
    density = check_float("density", density, 0.0, 1.0)
    m, n = W.shape
    n_top = m if n_top is None else check_int("n_top", n_top, 1, n)
    norms = metrics.feature_norms(W)
    block = metrics.interference_matrix(W)[:n_top, :n_top]
    rest = slice(n_top, n)
    out = {
        "top_norm": float((norms[:n_top] - 1).abs().max()),
        "other_norm": float(norms[rest].max()) if n_top < n else 0.0,
        "identity": float((block - torch.eye(n_top, dtype=W.dtype)).abs().max()),
        "bias_other": float((b[rest] - density / 2).abs().max()) if n_top < n else 0.0,
        "bias_top": float(b[:n_top].abs().max()),
    }
    tol = LINEAR_TOLERANCES
    out["passed"] = {"top_norm": out["top_norm"] < tol["top_norm"],
                     "other_norm": out["other_norm"] < tol["other_norm"],
                     "identity": out["identity"] < tol["identity"],
                     "bias_other": out["bias_other"] < tol["bias"],
                     "bias_top": out["bias_top"] < tol["bias"]}
    return out


def solution_gap(W_a, b_a, W_b, b_b) -> tuple[float, float]:
    """(max |W_a^T W_a - W_b^T W_b|, max |b_a - b_b|) for two instances of the same shape."""
    W_a, b_a = _instance(W_a, b_a)
    W_b, b_b = _instance(W_b, b_b)
    if W_a.shape[1] != W_b.shape[1]:
        raise ValueError(f"W_a and W_b must have the same number of features, got {W_a.shape[1]} "
                         f"and {W_b.shape[1]}")
    gap = (metrics.interference_matrix(W_a) - metrics.interference_matrix(W_b).to(W_a.dtype)).abs().max()
    return float(gap), float((b_a - b_b.to(b_a.dtype)).abs().max())


def instance_summary(W, b, density: float) -> dict:
    """Counts, biases and norms of one instance W (m, n), b (n,) trained at density 1 - S.

    n_represented: #{||W_i|| > 0.5}; n_superposed: represented and
    sum_{j!=i} (hat W_i . W_j)^2 > 0.1; frobenius2: ||W||_F^2;
    mean_bias_represented; max_norm; max_bias_gap_unlearned: max |b_i - (1-S)/2|
    over features with ||W_i|| <= 0.5 (NaN when every feature is represented).
    """
    W, b = _instance(W, b)
    density = check_float("density", density, 0.0, 1.0)
    norms = metrics.feature_norms(W)
    rep = norms > 0.5
    return {
        "n_represented": int(rep.sum()),
        "n_superposed": int(metrics.n_superposed(W)),
        "frobenius2": float((W**2).sum()),
        "max_norm": float(norms.max()),
        "mean_bias_represented": float(b[rep].mean()) if rep.any() else float("nan"),
        "max_bias_gap_unlearned": (float((b[~rep] - density / 2).abs().max())
                                   if (~rep).any() else float("nan")),
    }
