"""The synthetic data of the paper: sparse features with importances.

Feature i is 0 with probability S_i (its *sparsity*) and U[0,1] otherwise;
1 - S_i is its *density*. Features come in groups (the paper's non-uniform
section): independent singletons, correlated groups (all members on or off
together) and anti-correlated groups (at most one member on).

This module is the readable PyTorch reference; ``tmslab.kernels`` draws the
same distribution inside the compiled trainer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .validation import as_array, check_choice, check_float, check_int

GROUP_KINDS = ("independent", "correlated", "anticorrelated")


@dataclass(frozen=True)
class FeatureGroups:
    """Consecutive blocks of features that are drawn together.

    ``sizes[g]`` features form group g; ``kinds[g]`` is 'independent' (size 1),
    'correlated' or 'anticorrelated'. Combine with ``+``::

        FeatureGroups.correlated(2, size=2) + FeatureGroups.independent(3)
    """

    sizes: tuple[int, ...]
    kinds: tuple[str, ...]

    def __post_init__(self):
        if len(self.sizes) != len(self.kinds) or not self.sizes:
            raise ValueError("FeatureGroups needs one kind per group and at least one group")
        for size, kind in zip(self.sizes, self.kinds):
            check_int("group size", size, 1)
            check_choice("group kind", kind, GROUP_KINDS)
            if kind == "independent" and size != 1:
                raise ValueError(f"independent groups have size 1, got {size}")

    @staticmethod
    def independent(n_features: int) -> "FeatureGroups":
        n_features = check_int("n_features", n_features, 1)
        return FeatureGroups((1,) * n_features, ("independent",) * n_features)

    @staticmethod
    def correlated(n_groups: int, size: int) -> "FeatureGroups":
        """n_groups groups of ``size`` features that are always on or off together."""
        n_groups, size = check_int("n_groups", n_groups, 1), check_int("size", size, 1)
        return FeatureGroups((size,) * n_groups, ("correlated",) * n_groups)

    @staticmethod
    def anticorrelated(n_groups: int, size: int) -> "FeatureGroups":
        """n_groups groups of ``size`` features of which at most one is on."""
        n_groups, size = check_int("n_groups", n_groups, 1), check_int("size", size, 1)
        return FeatureGroups((size,) * n_groups, ("anticorrelated",) * n_groups)

    def __add__(self, other: "FeatureGroups") -> "FeatureGroups":
        return FeatureGroups(self.sizes + other.sizes, self.kinds + other.kinds)

    @property
    def n_features(self) -> int:
        return sum(self.sizes)

    @property
    def starts(self) -> np.ndarray:
        """(G+1,) int64: group g holds features starts[g] .. starts[g+1]-1."""
        return np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)

    @property
    def anti(self) -> np.ndarray:
        return np.array([k == "anticorrelated" for k in self.kinds], dtype=np.bool_)

    def group_density(self, sparsity: np.ndarray) -> np.ndarray:
        """(..., n) per-feature sparsity -> (..., G) per-group density 1 - S.

        Members of one group must share one sparsity.
        """
        starts = self.starts
        first = sparsity[..., starts[:-1]]
        for g, (lo, hi) in enumerate(zip(starts[:-1], starts[1:])):
            if not np.all(sparsity[..., lo:hi] == first[..., g : g + 1]):
                raise ValueError(f"sparsity must be equal within a feature group; group {g} "
                                 f"(features {lo}..{hi - 1}) has different values")
        return 1.0 - first

    def to_dict(self) -> dict:
        return {"sizes": list(self.sizes), "kinds": list(self.kinds)}


def expected_feature_value(sparsity) -> np.ndarray:
    """E[x_i] = (1 - S_i) / 2 for U[0,1] values: what an unlearned feature's bias should be."""
    s = as_array("sparsity", sparsity, 0.0, 1.0)
    return (1.0 - s) / 2.0


def sample_features(n_samples: int, sparsity, groups: FeatureGroups | None = None,
                    signed: bool = False, generator: torch.Generator | None = None,
                    device: str | torch.device = "cpu") -> torch.Tensor:
    """Draw a batch of feature vectors.

    sparsity: (n,) one instance or (I, n) many instances, entries in [0, 1].
    Returns x of shape (n_samples, n) or (n_samples, I, n), float32.
    ``signed`` draws values from U[-1, 1] instead of U[0, 1].
    """
    n_samples = check_int("n_samples", n_samples, 1)
    s = as_array("sparsity", sparsity, 0.0, 1.0)
    if s.ndim not in (1, 2):
        raise ValueError(f"sparsity must have shape (n,) or (instances, n), got {s.shape}")
    groups = groups or FeatureGroups.independent(s.shape[-1])
    if groups.n_features != s.shape[-1]:
        raise ValueError(f"groups cover {groups.n_features} features but sparsity has {s.shape[-1]}")
    density = torch.as_tensor(groups.group_density(s), dtype=torch.float32, device=device)
    lead = (n_samples,) + tuple(density.shape[:-1])
    n_groups = density.shape[-1]
    sizes = torch.as_tensor(groups.sizes, device=device)
    on_group = torch.rand(lead + (n_groups,), generator=generator, device=device) < density
    on = on_group.repeat_interleave(sizes, dim=-1)
    anti = torch.as_tensor(groups.anti, device=device).repeat_interleave(sizes)
    if anti.any():
        # inside each anti-correlated group keep exactly one uniformly chosen member
        pick = torch.rand(lead + (n_groups,), generator=generator, device=device)
        chosen = (pick * sizes).floor().long().clamp_max(sizes - 1)
        starts = torch.as_tensor(groups.starts[:-1], device=device)
        member = torch.arange(groups.n_features, device=device) - starts.repeat_interleave(sizes)
        on = on & (~anti | (member == chosen.repeat_interleave(sizes, dim=-1)))
    values = torch.rand(lead + (groups.n_features,), generator=generator, device=device)
    if signed:
        values = 2 * values - 1
    return torch.where(on, values, torch.zeros((), device=device))


def check_sparsity(sparsity, n_features: int) -> np.ndarray:
    """Normalise a sparsity argument to (settings, n): scalar, (settings,) or (settings, n)."""
    s = as_array("sparsity", sparsity, 0.0, 1.0)
    if s.ndim == 0:
        return np.full((1, n_features), float(s))
    if s.ndim == 1:
        return np.repeat(s[:, None], n_features, axis=1)
    if s.ndim == 2 and s.shape[1] == n_features:
        return s
    raise ValueError(f"sparsity must be a number, one value per setting, or (settings, {n_features}); "
                     f"got shape {s.shape}")


def check_importance(importance, n_features: int) -> np.ndarray:
    """Normalise importance to (settings, n).

    A number r in (0, 1] means the geometric profile I_i = r**i (the paper's
    0.7**i); a vector of length n is used as is; (settings, n) gives one
    profile per setting. Entries must be finite and > 0.
    """
    if np.ndim(importance) == 0:
        base = check_float("importance", importance, 0.0, 1.0, low_open=True)
        # repeated multiplication, not a pow() call: the same bits on every CPU
        profile = np.empty(n_features, dtype=np.float64)
        value = 1.0
        for i in range(n_features):
            profile[i] = value
            value *= base
        return profile[None, :]
    imp = as_array("importance", importance, 0.0, np.inf)
    if imp.shape[-1] != n_features or imp.ndim > 2:
        raise ValueError(f"importance must be a geometric base in (0, 1], a vector of length "
                         f"{n_features} or (settings, {n_features}); got shape {imp.shape}")
    if np.any(imp <= 0):
        raise ValueError("importance must be > 0 for every feature")
    return imp.reshape(-1, n_features)
