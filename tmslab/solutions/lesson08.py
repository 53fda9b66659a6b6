"""Reference solutions for lesson 08 (privileged basis and computation)."""
from __future__ import annotations

from ..checks.neurons import check_attack_direction, check_count_monosemantic


def count_monosemantic(W, threshold):
    """W (m, n), row k = neuron k -> how many neurons carry exactly one feature (weight > threshold)."""
    carried = (W > threshold).sum(dim=1)          # features per neuron
    return int((carried == 1).sum())


def attack_direction(W, i, lam):
    """W (m, n), feature index i, attack size lam -> delta = lam (W^T W)_i / ||(W^T W)_i||, shape (n,)."""
    row = (W.T @ W)[i]
    return lam * row / row.norm()


CHECKS = {"count_monosemantic": check_count_monosemantic, "attack_direction": check_attack_direction}
