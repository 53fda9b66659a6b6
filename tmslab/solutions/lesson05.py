"""Reference solutions for lesson 05 (phase change)."""
from __future__ import annotations

from ..checks.phase import check_classify_phase, check_phase_losses


def phase_losses(r, p):
    """Closed-form expected losses of the n = 2, m = 1 candidates.

    r: relative importance of the extra feature, p: density 1 - S (numpy arrays that
    broadcast). Returns {"not learned", "dedicated", "superposition"} -> arrays.
    """
    ignored = p / 3 - p**2 / 4                 # E[(x - p/2)^2] for a feature guessed by its mean
    return {"not learned": r * ignored,        # pay r times that for the extra feature
            "dedicated": ignored + 0 * r,      # pay it for feature 1 (importance 1)
            "superposition": (1 + r) * p**2 / 6}  # both on (p^2): lose min(x1, x2)^2, E = 1/6


def classify_phase(W):
    """W (1, 2): w_1 = W[0, 0] (feature 1), w_2 = W[0, 1] (the extra feature) -> the phase name."""
    w1, w2 = float(W[0, 0]), float(W[0, 1])
    if abs(w2) < 0.5:
        return "not learned"
    if abs(w1) < 0.5:
        return "dedicated"
    return "superposition" if w1 * w2 < 0 else "same sign"


CHECKS = {"phase_losses": check_phase_losses, "classify_phase": check_classify_phase}
