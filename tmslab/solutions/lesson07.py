"""Reference solutions for lesson 07 (non-uniform superposition and learning dynamics)."""
from __future__ import annotations

import numpy as np
import torch

from ..checks.nonuniform import check_angular_gaps, check_antipodal_pairs, check_largest_change


def antipodal_pairs(W):
    """W (m, n) -> [(i, j), ...] with i < j, ||W_i||, ||W_j|| > 0.5 and cos(W_i, W_j) < -0.95."""
    norms = W.norm(dim=0)
    unit = W / norms.clamp_min(1e-12)
    cos = unit.T @ unit
    n = W.shape[1]
    return [(i, j) for i in range(n) for j in range(i + 1, n)
            if norms[i] > 0.5 and norms[j] > 0.5 and cos[i, j] < -0.95]


def angular_gaps(W):
    """W (2, n) -> gaps in degrees between neighbouring represented features, by increasing angle."""
    keep = W.norm(dim=0) > 0.5
    angles = torch.rad2deg(torch.atan2(W[1, keep], W[0, keep])) % 360.0
    angles = torch.sort(angles).values
    return torch.diff(torch.cat([angles, angles[:1] + 360.0]))


def largest_change(d, steps, window):
    """d, steps: 1-D arrays of equal length; window >= 1 -> (step, signed change) of the largest
    |d[t + window] - d[t]|, with the step of its start."""
    change = d[window:] - d[:-window]
    t = int(np.argmax(np.abs(change)))
    return int(steps[t]), float(change[t])


CHECKS = {"antipodal_pairs": check_antipodal_pairs, "angular_gaps": check_angular_gaps,
          "largest_change": check_largest_change}
