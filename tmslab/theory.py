"""Closed-form pieces of the story: the three universities and the phase diagrams.

Three universities (the seed talk): three features packed into two neurons at
120 degrees, W = [[sqrt3/2, -sqrt3/2, 0], [1/2, 1/2, -1]].

Phase change (paper E4, Wattenberg's notebook). Density p = 1 - S, relative
importance r of the "extra" feature. For n = 2, m = 1 the candidate solutions
and their expected losses per sample (ignored features carry their mean p/2
as bias; x ~ U[0,1] when active, so E[x] = p/2, E[x^2] = p/3):
    ignore the extra feature      W = [1, 0]   L = r (p/3 - p^2/4)
    dedicate the dimension to it  W = [0, 1]   L = p/3 - p^2/4
    antipodal superposition       W = [1, -1]  L = (1 + r) p^2 / 6
(the last: error min(x1, x2)^2 per feature when both are on, E[min^2] = 1/6).
For n = 3, m = 2 (two normal features of importance 1) add
    the normal pair antipodal, extra dedicated   L = p^2 / 3.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .validation import as_array

UNIVERSITIES = ("Clemson", "Duke", "NC State")
PHASES = ("not learned", "superposition", "dedicated")


def three_universities_W() -> torch.Tensor:
    """The talk's 2 x 3 embedding: columns are Clemson, Duke and NC State (float64)."""
    s = math.sqrt(3) / 2
    return torch.tensor([[s, -s, 0.0], [0.5, 0.5, -1.0]], dtype=torch.float64)


def embed(W: torch.Tensor, x) -> torch.Tensor:
    """h = W x: features (n,) -> hidden activations (m,)."""
    return W @ torch.as_tensor(x, dtype=W.dtype)


def recover(W: torch.Tensor, h, b=None, relu: bool = False) -> torch.Tensor:
    """x' = W^T h (+ b), optionally through a ReLU: hidden (m,) -> features (n,)."""
    out = W.T @ torch.as_tensor(h, dtype=W.dtype)
    if b is not None:
        out = out + torch.as_tensor(b, dtype=W.dtype)
    return torch.relu(out) if relu else out


def projection_coefficient(v: torch.Tensor, onto: torch.Tensor) -> float:
    """c in proj_onto(v) = c * onto, i.e. (v . onto) / ||onto||^2 (-0.5 for Duke onto Clemson)."""
    return float(v @ onto / (onto @ onto))


def phase_losses_2_in_1(r, p) -> dict[str, np.ndarray]:
    """Expected losses of the three n=2, m=1 candidates; r > 0, p in (0, 1] broadcast."""
    r = as_array("r", r, 0.0, np.inf)
    p = as_array("p", p, 0.0, 1.0)
    base = p / 3 - p**2 / 4
    return {"not learned": r * base, "dedicated": base + 0 * r, "superposition": (1 + r) * p**2 / 6}


def phase_losses_3_in_2(r, p) -> dict[str, np.ndarray]:
    """Expected losses of the n=3, m=2 candidates, grouped by what the extra feature does.

    'dedicated' is the better of: a normal feature dropped (p/3 - p^2/4) or
    the two normal features antipodal (p^2/3).
    """
    losses = phase_losses_2_in_1(r, p)
    p = as_array("p", p, 0.0, 1.0)
    losses["dedicated"] = np.minimum(losses["dedicated"], p**2 / 3 + 0 * losses["dedicated"])
    return losses


def phase(r, p, n_features: int = 2) -> np.ndarray:
    """Winning phase name(s) for relative importance r and density p (n_features 2 or 3).

    Exact ties (on the r = 1 line the candidates are interchangeable) resolve to the first
    name in PHASES order; ``tmslab.phase.optimal_phases`` lists every tied winner.
    """
    if n_features not in (2, 3):
        raise ValueError(f"n_features must be 2 or 3, got {n_features!r}")
    losses = (phase_losses_2_in_1 if n_features == 2 else phase_losses_3_in_2)(r, p)
    stacked = np.stack([np.broadcast_to(losses[name], np.broadcast(*losses.values()).shape)
                        for name in PHASES])
    return np.array(PHASES, dtype=object)[stacked.argmin(axis=0)]


def superposition_boundary(r) -> np.ndarray:
    """Density below which antipodal superposition beats ignoring the extra feature (n=2, m=1).

    Solving (1+r) p^2/6 < r (p/3 - p^2/4) gives p < 4r / (2 + 5r); against
    dedicating the dimension, p < 4 / (5 + 2r). Both meet at r = 1, p = 4/7.
    """
    r = as_array("r", r, 0.0, np.inf)
    return np.minimum(4 * r / (2 + 5 * r), 4 / (5 + 2 * r))


TRIPLE_POINT = (1.0, 4.0 / 7.0)
