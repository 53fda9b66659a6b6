"""Non-uniform superposition (paper section "Non-uniform superposition").

Two experiments on 2-D embeddings, W (m=2, n):
  * one feature of different density: n=5, every feature at density p except
    feature 0 at f p. Near f = 1 the regular pentagon deforms; below a
    critical f the lowest-loss geometry becomes two digons (two antipodal
    pairs) with feature 0 dropped: a first-order phase change where the
    best losses of the two geometries cross.
  * correlated / anti-correlated pairs: within a correlated pair the model
    prefers orthogonal directions (cos ~ 0), within an anti-correlated pair
    opposite directions (cos ~ -1).
Geometry labels use the represented features (||W_i|| > norm_threshold).
"""
from __future__ import annotations

import numpy as np
import torch

from . import metrics
from .validation import as_array, as_weights, check_float, check_int

GEOMETRIES = ("pentagon", "two digons", "other")


def perturbed_sparsity(n_features: int, density: float, factors, feature: int = 0) -> np.ndarray:
    """(len(factors), n) sparsity S: every feature at density p, ``feature`` at f p.

    density p in (0, 1]; factors f > 0 with f p <= 1.
    """
    n = check_int("n_features", n_features, 1)
    p = check_float("density", density, 0.0, 1.0, low_open=True)
    feature = check_int("feature", feature, 0, n - 1)
    f = as_array("factors", factors, 0.0, 1.0 / p).ravel()
    if np.any(f <= 0):
        raise ValueError("factors must be > 0")
    S = np.full((len(f), n), 1.0 - p)
    S[:, feature] = 1.0 - f * p
    return S


def antipodal_pairs(W, cos_threshold: float = -0.95, norm_threshold: float = 0.5) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of represented features with cos(W_i, W_j) < cos_threshold.

    W: one (m, n) matrix. cos_threshold in [-1, 0]. Sorted by i.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    cos_threshold = check_float("cos_threshold", cos_threshold, -1.0, 0.0)
    rep = metrics.represented(W, norm_threshold)
    C = metrics.cosine_similarity(W)
    n = W.shape[1]
    return [(i, j) for i in range(n) for j in range(i + 1, n)
            if rep[i] and rep[j] and float(C[i, j]) < cos_threshold]


def classify_pentagon(W, norm_threshold: float = 0.5) -> str:
    """'pentagon' | 'two digons' | 'other' for one (2, 5) W.

    pentagon: all 5 features represented, none antipodal, every angular gap
    between 36 and 108 degrees; two digons: exactly 4 represented, forming 2
    antipodal pairs (cos < -0.95); anything else: 'other'.
    """
    W = as_weights("W", W)
    if W.shape != (2, 5):
        raise ValueError(f"W must have shape (2, 5), got {tuple(W.shape)}")
    rep = int(metrics.n_represented(W, norm_threshold))
    pairs = antipodal_pairs(W, norm_threshold=norm_threshold)
    if rep == 5 and not pairs:
        gaps = metrics.angular_gaps(W, norm_threshold)
        if bool(((gaps > 36) & (gaps < 108)).all()):
            return "pentagon"
    if rep == 4 and len(pairs) == 2 and len({i for p in pairs for i in p}) == 4:
        return "two digons"
    return "other"


def best_loss_by_geometry(run, classify=classify_pentagon) -> dict[str, np.ndarray]:
    """For every setting of ``run``: the lowest final loss among restarts of each geometry.

    Returns {label: (settings,) array}, NaN where no restart found that geometry,
    plus 'count_<label>' arrays with how many restarts found it.
    """
    from .run import Run
    if not isinstance(run, Run):
        raise ValueError(f"run must be a tmslab Run (what tmslab.train returns), got {type(run).__name__}")
    labels = [classify(run.W[k]) for k in range(run.n_instances)]
    losses = run.final_loss.numpy().astype(np.float64)
    settings = run.setting.numpy()
    out = {}
    for name in sorted(set(labels) | {"pentagon", "two digons"}):
        best = np.full(run.n_settings, np.nan)
        count = np.zeros(run.n_settings, dtype=int)
        for k, lab in enumerate(labels):
            if lab == name:
                s = settings[k]
                count[s] += 1
                best[s] = losses[k] if np.isnan(best[s]) else min(best[s], losses[k])
        out[name] = best
        out[f"count_{name}"] = count
    return out


def crossover(x, loss_a, loss_b) -> float:
    """First x where loss_a - loss_b changes sign, by linear interpolation in x.

    x increasing (k,), loss_a / loss_b (k,) with NaN for missing values (skipped).
    Returns NaN when the sign never changes between consecutive valid points.
    """
    x = as_array("x", x, -np.inf, np.inf).ravel()
    a = np.asarray(loss_a, dtype=np.float64).ravel()
    b = np.asarray(loss_b, dtype=np.float64).ravel()
    if not (len(x) == len(a) == len(b)):
        raise ValueError(f"x, loss_a and loss_b must have the same length, got {len(x)}, {len(a)}, {len(b)}")
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing")
    d = a - b
    ok = np.flatnonzero(np.isfinite(d))
    for u, v in zip(ok[:-1], ok[1:]):
        if d[u] == 0:
            return float(x[u])
        if np.sign(d[u]) != np.sign(d[v]) and d[v] != 0:
            return float(x[u] + (x[v] - x[u]) * d[u] / (d[u] - d[v]))
    return float("nan")


def gaps_next_to(W, feature: int, norm_threshold: float = 0.5) -> tuple[float, float]:
    """The two angular gaps (degrees) on either side of ``feature`` in one (2, n) W.

    Returns (gap to the previous feature, gap to the next feature) in
    counter-clockwise order; NaNs if the feature is not represented.
    """
    W = as_weights("W", W)
    if W.dim() != 2 or W.shape[0] != 2:
        raise ValueError(f"W must have shape (2, n), got {tuple(W.shape)}")
    feature = check_int("feature", feature, 0, W.shape[1] - 1)
    rep = metrics.represented(W, norm_threshold)
    if not rep[feature] or int(rep.sum()) < 2:
        return float("nan"), float("nan")
    idx = torch.nonzero(rep).ravel()
    angles = metrics.angles_2d(W)[idx]
    order = torch.argsort(angles)
    sorted_angles = angles[order]
    pos = int(torch.nonzero(idx[order] == feature).ravel()[0])
    k = len(sorted_angles)
    before = (sorted_angles[pos] - sorted_angles[pos - 1]) % 360.0
    after = (sorted_angles[(pos + 1) % k] - sorted_angles[pos]) % 360.0
    return float(before), float(after)


def pair_cosines(W, pairs) -> torch.Tensor:
    """cos(W_i, W_j) (..., len(pairs)) for the given feature pairs; W (..., m, n)."""
    W = as_weights("W", W)
    n = W.shape[-1]
    for i, j in pairs:
        check_int("pair index", i, 0, n - 1)
        check_int("pair index", j, 0, n - 1)
    C = metrics.cosine_similarity(W)
    return torch.stack([C[..., i, j] for i, j in pairs], dim=-1)


def group_pairs(groups) -> list[tuple[int, int]]:
    """All within-group feature pairs (i, j), i < j, of a ``FeatureGroups``."""
    starts = groups.starts
    return [(i, j) for lo, hi in zip(starts[:-1], starts[1:])
            for i in range(lo, hi) for j in range(i + 1, hi)]


def collapsed_pairs(W, pairs, cos_threshold: float = 0.95,
                    norm_threshold: float = 0.5) -> list[tuple[int, int]]:
    """The pairs (i, j) of ``pairs`` stored along one shared direction: cos(W_i, W_j) > cos_threshold.

    W: one (m, n) matrix; both features must be represented (||W_i|| > norm_threshold).
    A correlated pair stored this way is read out through its principal component
    (x_i + x_j) / sqrt(2): the model keeps one dimension for the pair instead of two
    (the paper's "collapse to PCA"). cos_threshold in [0, 1].
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    cos_threshold = check_float("cos_threshold", cos_threshold, 0.0, 1.0)
    rep = metrics.represented(W, norm_threshold)
    C = pair_cosines(W, pairs)
    return [(i, j) for (i, j), c in zip(pairs, C.tolist(), strict=True)
            if rep[i] and rep[j] and c > cos_threshold]


def is_cross_set_octahedron(W, groups, cos_threshold: float = -0.95, orth_tol: float = 0.1) -> bool:
    """True when one W (3, 6) is an octahedron whose antipodal pairs mix the feature sets.

    The paper's learning-dynamics example: two correlated sets of three features
    in m = 3 end with three antipodal pairs (cos < cos_threshold), the pairs
    mutually orthogonal (their axes W_i - W_j have pairwise |cos| < orth_tol),
    and each pair made of one feature from each set (``groups``: a FeatureGroups).
    """
    W = as_weights("W", W)
    if W.shape != (3, 6):
        raise ValueError(f"W must have shape (3, 6), got {tuple(W.shape)}")
    orth_tol = check_float("orth_tol", orth_tol, 0.0, 1.0)
    pairs = antipodal_pairs(W, cos_threshold)
    if len(pairs) != 3 or len({i for p in pairs for i in p}) != 6:
        return False
    group_of = np.repeat(np.arange(len(groups.sizes)), groups.sizes)
    if any(group_of[i] == group_of[j] for i, j in pairs):
        return False
    axes = torch.stack([W[:, i] - W[:, j] for i, j in pairs], dim=1)          # (3, 3): one axis per pair
    C = metrics.cosine_similarity(axes)
    return all(abs(float(C[p, q])) < orth_tol for p, q in [(0, 1), (0, 2), (1, 2)])
