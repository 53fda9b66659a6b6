"""Checks for lesson 07 (non-uniform superposition and learning dynamics)."""
from __future__ import annotations

import math

import numpy as np
import torch

from .. import dynamics, metrics, nonuniform
from .base import ExerciseError, as_number, check_close, expects_function, passed


def _polar(angles_deg, norms) -> torch.Tensor:
    a = torch.deg2rad(torch.tensor(angles_deg, dtype=torch.float64))
    r = torch.tensor(norms, dtype=torch.float64)
    return torch.stack([r * torch.cos(a), r * torch.sin(a)])


def _planar_examples() -> list[tuple[str, torch.Tensor]]:
    """Named (2, n) matrices: regular and deformed pentagons, digons, a dropped feature."""
    return [("a regular pentagon", _polar([0, 72, 144, 216, 288], [1.1] * 5)),
            ("a rotated pentagon whose features are listed out of angular order",
             _polar([300, 12, 228, 84, 156], [1.0] * 5)),
            ("a deformed pentagon (feature 0 squeezed)", _polar([10, 75, 151, 223, 299], [1.2, 1.1, 1.1, 1.1, 1.1])),
            ("two digons with feature 0 dropped (||W_0|| = 0.01)",
             _polar([45, 30, 120, 210, 300], [0.01, 1.0, 1.0, 1.0, 1.0])),
            ("two antipodal pairs and a short feature opposite feature 0 (||W_4|| = 0.3)",
             _polar([5, 185, 95, 275, 186], [1.0, 1.0, 0.9, 0.9, 0.3]))]


@expects_function("angular_gaps")
def check_angular_gaps(fn) -> str:
    """fn(W (2, n)) -> gaps (k,) in degrees between consecutive represented features (||W_i|| > 0.5),
    in order of increasing polar angle in [0, 360), including the wrap-around gap; they sum to 360."""
    for what, W in _planar_examples():
        got = fn(W.clone())
        expected = metrics.angular_gaps(W)
        if got is None:
            raise ExerciseError("angular_gaps returned None: did you forget a `return`?")
        g = np.asarray(torch.as_tensor(got, dtype=torch.float64)).ravel()
        if len(g) == len(expected) - 1:
            raise ExerciseError(f"for {what} you return {len(g)} gaps, expected {len(expected)}: "
                                "add the wrap-around gap from the last angle back to the first + 360")
        if len(g) > len(expected):
            raise ExerciseError(f"for {what} you return {len(g)} gaps, expected {len(expected)}: "
                                "skip features that are not represented (||W_i|| <= 0.5)")
        check_close(g, expected, f"the gaps for {what}", atol=1e-3, rtol=1e-4)
    return passed("angular gaps match tmslab.metrics.angular_gaps on pentagons, deformed pentagons "
                  "and digons with dropped features (72 degrees each for a regular pentagon)")


@expects_function("antipodal_pairs")
def check_antipodal_pairs(fn) -> str:
    """fn(W (m, n)) -> list of pairs (i, j), i < j, of represented features (||W|| > 0.5)
    with cos(W_i, W_j) < -0.95."""
    examples = _planar_examples() + [
        ("anti-correlated pairs stored antipodally in 3 dimensions",
         torch.tensor([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 0.7, -0.72], [0.0, 0.0, 0.05, 0.0]],
                      dtype=torch.float64)),
        ("a pair at 160 degrees (cos = -0.94, not antipodal)", _polar([0, 160], [1.0, 1.0])),
        ("two parallel features (cos = +0.996, same direction, not antipodal) and one opposite them",
         _polar([0, 5, 180], [1.0, 1.0, 1.0]))]
    for what, W in examples:
        got = fn(W.clone())
        if got is None:
            raise ExerciseError("antipodal_pairs returned None: did you forget a `return`?")
        try:
            pairs = sorted(tuple(sorted((int(i), int(j)))) for i, j in got)
        except (TypeError, ValueError):
            raise ExerciseError(f"return a list of (i, j) pairs, got {got!r}") from None
        expected = nonuniform.antipodal_pairs(W)
        if pairs != expected:
            hint = ""
            if any(float(metrics.feature_norms(W)[i]) <= 0.5 for p in pairs for i in p):
                hint = " (a feature with ||W_i|| <= 0.5 is not represented: leave it out)"
            elif any(float(metrics.cosine_similarity(W)[i, j]) > 0 for i, j in pairs):
                hint = (" (a pair with a positive cosine points the same way: antipodal means "
                        "cos < -0.95, not |cos| > 0.95)")
            raise ExerciseError(f"for {what} you found {pairs}, expected {expected}{hint}")
    return passed("antipodal pairs found exactly (cosine < -0.95 between represented features)")


def _sigmoid_trajectories():
    steps = np.arange(0, 3001, 20)
    s = lambda centre, width: 1.0 / (1.0 + np.exp(-(steps - centre) / width))
    return steps, [("a jump up from 0.3 to 0.5 around step 1500", 0.3 + 0.2 * s(1500, 40)),
                   ("a jump down from 0.4 to 0 around step 900", 0.4 - 0.4 * s(900, 30)),
                   ("a small early rise then a big late drop",
                    0.2 + 0.1 * s(300, 20) - 0.3 * s(2400, 25))]


@expects_function("largest_change")
def check_largest_change(fn) -> str:
    """fn(d (T,), steps (T,), window) -> (step, change): the start step of the window of
    ``window`` snapshots where |d[t + window] - d[t]| is largest, and that signed change."""
    steps, cases = _sigmoid_trajectories()
    for window in (3, 10):
        for what, d in cases:
            got = fn(d.copy(), steps.copy(), window)
            if got is None:
                raise ExerciseError("largest_change returned None: did you forget a `return`?")
            try:
                step, change = got
            except (TypeError, ValueError):
                raise ExerciseError(f"return a pair (step, change), got {got!r}") from None
            exp_step, exp_change = dynamics.largest_change(d, steps, window)
            change = as_number(change, f"the change for {what}")
            if math.isclose(change, -exp_change, rel_tol=1e-6):
                raise ExerciseError(f"for {what} the change has the wrong sign: return d[t + window] - d[t]")
            check_close(change, exp_change, f"the change for {what} (window {window})", atol=1e-6)
            step = as_number(step, f"the step for {what}")
            if step != exp_step:
                raise ExerciseError(f"for {what} (window {window}) you give step {step:g}, expected "
                                    f"{exp_step}: return steps[t] for the window start t, and compare |changes|")
    return passed("largest change found on jumps up and down (window start step and signed change)")
