"""Checks for lesson 05 (the phase change)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from .. import phase, theory
from .base import ExerciseError, expects_function, passed

_R = np.array([0.1, 0.3, 1.0, 3.0, 10.0])[None, :]
_P = np.array([0.01, 0.05, 0.2, 0.5, 1.0])[:, None]


@expects_function("phase_losses")
def check_phase_losses(fn) -> str:
    """fn(r, p) -> {'not learned', 'dedicated', 'superposition'}: the n=2, m=1 closed forms.

    Tested on a 5 x 5 grid (r a row vector, p a column vector: they broadcast)
    against ``tmslab.theory.phase_losses_2_in_1``.
    """
    got = fn(_R.copy(), _P.copy())
    if not isinstance(got, dict):
        raise ExerciseError(f"return a dict with the three phase names as keys, got {type(got).__name__}")
    expected = theory.phase_losses_2_in_1(_R, _P)
    missing = set(expected) - set(got)
    if missing:
        raise ExerciseError(f"the dict is missing the key(s) {sorted(missing)}")
    hints = {"not learned": "the ignored extra feature is predicted by its bias p/2: "
                            "r * E[(x - p/2)^2] with E[x] = p/2 and E[x^2] = p/3",
             "dedicated": "now feature 1 (importance 1) is ignored and predicted by its bias",
             "superposition": "both features are on with probability p^2; then the smaller one "
                              "is cancelled: E[min(x1, x2)^2] = 1/6, weighted by 1 + r"}
    for name, want in expected.items():
        full = np.broadcast(_R, _P).shape
        try:
            value = np.broadcast_to(np.asarray(got[name], dtype=float), full)
        except (TypeError, ValueError):
            raise ExerciseError(f"loss of '{name}' should be an array that broadcasts to the grid's "
                                f"shape {full}, got {np.shape(got[name])}") from None
        want = np.broadcast_to(want, full)
        if not np.all(np.isfinite(value)):
            k = np.unravel_index(int(np.argmin(np.isfinite(value))), full)
            raise ExerciseError(f"loss of '{name}' is not finite at r = {_R[0, k[1]]:g}, 1-S = {_P[k[0], 0]:g}. "
                                f"Hint: {hints[name]}")
        bad = ~np.isclose(value, want, atol=1e-9, rtol=1e-6)
        if bad.any():
            k = np.unravel_index(int(np.argmax(bad)), full)
            raise ExerciseError(f"loss of '{name}' at r = {_R[0, k[1]]:g}, 1-S = {_P[k[0], 0]:g}: you have "
                                f"{value[k]:.6g}, expected {want[k]:.6g} ({int(bad.sum())} of the {bad.size} grid "
                                f"points differ). Hint: {hints[name]}")
    return passed("the three closed-form losses match tmslab.theory on a 5 x 5 grid of (r, 1-S)")


_HAND_BUILT = [
    ([[1.0, 0.0]], "not learned"),
    ([[-1.0, 0.2]], "not learned"),
    ([[0.9, -0.45]], "not learned"),
    ([[0.1, 1.0]], "dedicated"),
    ([[-0.3, -0.9]], "dedicated"),
    ([[1.0, -1.0]], "superposition"),
    ([[-0.8, 0.7]], "superposition"),
    ([[0.7, 0.7]], "same sign"),
    ([[-0.6, -0.9]], "same sign"),
    ([[0.2, 0.3]], "not learned"),
]


@lru_cache(maxsize=1)
def _trained_examples():
    """Four trained n=2, m=1 models, one deep inside each region (r, 1-S), 1000 steps."""
    r = np.array([0.1, 10.0, 1.0, 0.3])
    p = np.array([1.0, 1.0, 0.02, 0.03])
    S = np.repeat((1 - p)[:, None], 2, axis=1)
    imp = np.stack([np.ones_like(r), r], axis=1)
    from ..train import train
    run = train(2, 1, sparsity=S, importance=imp, steps=1000, lr=3e-3, seed=5, progress=False)
    return run.W


@expects_function("classify_phase")
def check_classify_phase(fn) -> str:
    """fn(W) -> label for W of shape (1, 2) (torch); 10 hand-built and 4 trained W's."""
    cases = [(torch.tensor(w), want, "hand-built") for w, want in _HAND_BUILT]
    cases += [(W, str(phase.classify(W)), "trained") for W in _trained_examples()]
    for W, want, kind in cases:
        got = fn(W.clone())
        if not isinstance(got, str):
            raise ExerciseError(f"return one of {phase.LABELS} as a string, got {type(got).__name__}")
        if got != want:
            w = [round(float(x), 3) for x in W.ravel()]
            raise ExerciseError(f"for the {kind} W = [W_1, W_2] = {w} you say '{got}', expected '{want}' "
                                "(threshold 0.5 on |W_2| first, then on |W_1|, then the signs)")
    return passed(f"your classification matches on {len(cases)} W's ({len(_HAND_BUILT)} hand-built, "
                  f"{len(cases) - len(_HAND_BUILT)} trained)")
