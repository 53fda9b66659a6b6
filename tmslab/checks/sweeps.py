"""Checks for lesson 04: the superposition measure and the count of represented features.

    superposition_measure(W) -> (n,)    W (m, n), feature i = column W_i
        s_i = sum_{j != i} (hat W_i . W_j)^2,  hat W_i = W_i / ||W_i||  (0 if W_i = 0)
    count_represented(W, threshold=0.5) -> int
        #{i : ||W_i|| > threshold}

References: ``tmslab.metrics.superposition`` and ``tmslab.metrics.n_represented``.
"""
from __future__ import annotations

import numpy as np
import torch

from .. import metrics
from .base import ExerciseError, _as_array, as_number, check_close, expects_function, first_mistake, passed, same


def superposition_cases() -> list[torch.Tensor]:
    """Test matrices: random, an antipodal pair next to a dedicated feature, one unlearned feature."""
    g = torch.Generator().manual_seed(4)
    random_W = torch.randn(3, 7, generator=g)
    antipodal = torch.tensor([[1.0, -0.9, 0.0, 0.0], [0.0, 0.0, 1.2, 0.0]])   # feature 3 not learned
    scaled = torch.randn(2, 5, generator=g) * torch.tensor([2.0, 0.5, 1.0, 1.5, 0.3])
    return [random_W, antipodal, scaled]


def _superposition_mistake(got: np.ndarray, W: torch.Tensor) -> str | None:
    norms = W.norm(dim=0)
    unit = W / norms.clamp_min(1e-6)
    dots = W.T @ W                      # W_i . W_j
    hat = unit.T @ W                    # hat W_i . W_j
    both = unit.T @ unit                # hat W_i . hat W_j
    off = 1.0 - torch.eye(W.shape[1])
    candidates = [
        ("you included the j = i term (hat W_i . W_i)^2 = ||W_i||^2: sum over j != i only",
         (hat**2).sum(1)),
        ("you did not normalise W_i: use hat W_i = W_i / ||W_i|| (only the i-th vector)",
         (dots**2 * off).sum(1)),
        ("you normalised W_j as well: only W_i is normalised, W_j keeps its length",
         (both**2 * off).sum(1)),
        ("you normalised the rows of W (hidden dimensions): hat W_i = W_i / ||W_i|| normalises the "
         "column of feature i", ((W / W.norm(dim=1, keepdim=True).clamp_min(1e-6)).T @ W * off).pow(2).sum(1)),
        ("you normalised the rows of W (hidden dimensions) instead of the columns W_i",
         (((W / W.norm(dim=1, keepdim=True).clamp_min(1e-6)).T
           @ (W / W.norm(dim=1, keepdim=True).clamp_min(1e-6))) ** 2 * off).sum(1)),
        ("you forgot to square the dot products", (hat * off).sum(1)),
        ("you summed absolute values: the measure squares the dot products", (hat.abs() * off).sum(1)),
        ("you took a square root (the notebook's bar colour); the measure is the sum of squares",
         torch.sqrt((hat**2 * off).sum(1))),
    ]
    return first_mistake(got, candidates)


@expects_function("superposition_measure")
def check_superposition(superposition_measure) -> str:
    """``superposition_measure(W)`` must equal ``tmslab.metrics.superposition(W)``."""
    for W in superposition_cases():
        m, n = W.shape
        got = superposition_measure(W.clone())
        if got is None:
            raise ExerciseError("superposition_measure returned None: did you forget a `return`?")
        g = _as_array(got, "superposition_measure")
        if g.shape == (m,) and m != n:
            raise ExerciseError(f"you returned {m} numbers, one per hidden dimension: features are "
                                f"the columns of W (m, n), so return n = {n} numbers")
        if g.shape == (n,) and not np.all(np.isfinite(g)):
            raise ExerciseError("you got NaN for a feature with W_i = 0 (unlearned): divide by "
                                "max(||W_i||, 1e-6) so that its measure is 0")
        expected = metrics.superposition(W)
        if same(g, expected):
            continue
        mistake = _superposition_mistake(g, W)
        if mistake:
            raise ExerciseError(mistake)
        if g.shape == (n,):
            i = int(np.argmax(np.abs(g - expected.double().numpy())))
            raise ExerciseError(f"for feature {i} of a {m} x {n} W (||W_i|| = {float(W[:, i].norm()):.3g}) you "
                                f"have {g[i]:.4g}, expected {float(expected[i]):.4g}: s_i = sum over j != i "
                                f"of (hat W_i . W_j)^2 with hat W_i = W_i / ||W_i||")
        check_close(g, expected, "the superposition measure")
    return passed("your measure equals tmslab.metrics.superposition: "
                  "an antipodal pair scores about 1, a dedicated feature 0")


def represented_cases() -> list[torch.Tensor]:
    """Columns with norms straddling 0.5 and 1/sqrt(2), plus a random W."""
    g = torch.Generator().manual_seed(5)
    norms = torch.tensor([1.0, 0.6, 0.55, 0.3, 0.0, 0.9, 1.1])
    directions = torch.randn(2, 7, generator=g)
    crafted = directions / directions.norm(dim=0) * norms
    return [crafted, torch.randn(4, 9, generator=g) * 0.4]


def _count_mistakes(W: torch.Tensor, threshold: float) -> list[tuple[str, int]]:
    """Plausible wrong counts for one (W, threshold): (what the learner did, the count it gives)."""
    norms = W.norm(dim=0)
    return [
        ("you took norms of the rows (hidden dimensions); features are the columns W_i of W: use the "
         "norm over dim 0", int((W.norm(dim=1) > threshold).sum())),
        ("you compared ||W_i||^2 with the threshold: compare the norm ||W_i|| itself",
         int((norms**2 > threshold).sum())),
        ("you compared the largest entry max_j |W_ji| of each W_i with the threshold; a feature's "
         "length is its norm ||W_i||, to which every hidden dimension contributes",
         int((W.abs().amax(dim=0) > threshold).sum())),
        ("you compared the sum of the entries of each W_i with the threshold (signs cancel); use the "
         "norm ||W_i||", int((W.sum(dim=0) > threshold).sum())),
        ("||W||_F^2 only estimates the count (it is about the number of represented features when their "
         "norms are near 1): count the features with ||W_i|| > threshold", round(float((W**2).sum()))),
        ("you ignored the threshold argument (always 0.5)", int((norms > 0.5).sum())),
        ("you counted the features that are NOT represented (||W_i|| <= threshold)",
         int((norms <= threshold).sum())),
    ]


@expects_function("count_represented")
def check_count_represented(count_represented) -> str:
    """``count_represented(W, threshold)`` must equal ``tmslab.metrics.n_represented``.

    The learner's counts on every test matrix and threshold are compared with the right
    count and with each plausible mistake; a mistake is named only when it explains every
    count, else the first wrong count is reported.
    """
    cases = [(W, t) for W in represented_cases() for t in (0.5, 0.7)]
    got = []
    for W, threshold in cases:
        value = count_represented(W.clone(), threshold)
        if value is None:
            raise ExerciseError("count_represented returned None: did you forget a `return`?")
        got.append(as_number(value, "count_represented"))
    expected = [int(metrics.n_represented(W, t)) for W, t in cases]
    if got == expected:
        return passed("your count equals tmslab.metrics.n_represented (||W_i|| > threshold)")
    mistakes = [_count_mistakes(W, t) for W, t in cases]
    for k, (message, _) in enumerate(mistakes[0]):
        if all(g == case[k][1] for g, case in zip(got, mistakes, strict=True)):
            raise ExerciseError(message)
    k = next(k for k in range(len(cases)) if got[k] != expected[k])
    W, threshold = cases[k]
    raise ExerciseError(f"for a {W.shape[0]} x {W.shape[1]} W with feature norms "
                        f"{[round(float(v), 2) for v in W.norm(dim=0)]} and threshold {threshold} you counted "
                        f"{got[k]:g} features; the answer is {expected[k]}")
