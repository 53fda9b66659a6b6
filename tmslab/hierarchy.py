"""A toy hierarchy of features, for studying feature absorption in sparse autoencoders.

Features come in families: a *parent* (say "starts with S") and its *children*
("snake", "sun", ...). A child is only ever active together with its parent;
the parent can also be active alone. Layout of the n features:

    parents      0 .. P-1
    children     P + p*C .. P + p*C + C-1     (the C children of parent p)
    independent  P + P*C .. n-1               (unrelated features)

Per sample and parent p: the parent is active with probability ``parent_density``;
when it is, one of its children (chosen uniformly) is active too with probability
``child_given_parent``. Independent features are active with probability
``independent_density``. Active features take the value 1 (``magnitude="binary"``)
or U[0, 1] (``"uniform"``). Samples are drawn with numpy's PCG64 generator and
exact comparisons, so they are the same on every machine.

Activations: h = sum_i x_i f_i with feature directions f_i (``directions``: the
first n axes of R^m, orthonormal, so absorption is seen without superposition).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .validation import check_choice, check_float, check_int


@dataclass(frozen=True)
class Hierarchy:
    """Sizes and rates of a toy feature hierarchy (see the module docstring)."""

    n_parents: int = 3
    n_children: int = 4
    n_independent: int = 1
    parent_density: float = 0.15
    child_given_parent: float = 0.8
    independent_density: float = 0.1
    magnitude: str = "binary"

    def __post_init__(self):
        check_int("n_parents", self.n_parents, 1, 1000)
        check_int("n_children", self.n_children, 1, 1000)
        check_int("n_independent", self.n_independent, 0, 100_000)
        check_float("parent_density", self.parent_density, 0.0, 1.0, low_open=True)
        check_float("child_given_parent", self.child_given_parent, 0.0, 1.0, low_open=True)
        check_float("independent_density", self.independent_density, 0.0, 1.0)
        check_choice("magnitude", self.magnitude, ("binary", "uniform"))
        if self.child_given_parent >= 1.0:
            raise ValueError("child_given_parent must be < 1 so that the parent is also seen alone, "
                             f"got {self.child_given_parent}")

    @property
    def n_features(self) -> int:
        return self.n_parents * (1 + self.n_children) + self.n_independent

    @property
    def parents(self) -> list[int]:
        return list(range(self.n_parents))

    def children(self, parent: int) -> list[int]:
        """Feature indices of the children of ``parent`` (0 <= parent < n_parents)."""
        p = check_int("parent", parent, 0, self.n_parents - 1)
        start = self.n_parents + p * self.n_children
        return list(range(start, start + self.n_children))

    @property
    def independent(self) -> list[int]:
        start = self.n_parents * (1 + self.n_children)
        return list(range(start, self.n_features))

    def mean_active(self) -> float:
        """Expected number of active features per sample."""
        return (self.n_parents * self.parent_density * (1 + self.child_given_parent)
                + self.n_independent * self.independent_density)

    def sample(self, n_samples: int, seed: int = 0) -> torch.Tensor:
        """x (n_samples, n) float32: feature values drawn from the hierarchy."""
        N = check_int("n_samples", n_samples, 1, 10_000_000)
        rng = np.random.default_rng(check_int("seed", seed, 0, 2**63 - 1))
        P, C = self.n_parents, self.n_children
        x = np.zeros((N, self.n_features), np.float32)
        parent_on = rng.random((N, P)) < self.parent_density
        child_on = parent_on & (rng.random((N, P)) < self.child_given_parent)
        which = np.minimum((rng.random((N, P)) * C).astype(np.int64), C - 1)
        values = rng.random((N, self.n_features)) if self.magnitude == "uniform" else \
            np.ones((N, self.n_features))
        for p in range(P):
            x[:, p] = np.where(parent_on[:, p], values[:, p], 0.0)
            for c, i in enumerate(self.children(p)):
                x[:, i] = np.where(child_on[:, p] & (which[:, p] == c), values[:, i], 0.0)
        if self.n_independent:
            ind = self.independent
            on = rng.random((N, len(ind))) < self.independent_density
            x[:, ind] = np.where(on, values[:, ind], 0.0)
        return torch.from_numpy(x)


def directions(hierarchy: Hierarchy, n_hidden: int) -> torch.Tensor:
    """Feature directions F (m, n): the first n axes of R^m (needs m >= n)."""
    if not isinstance(hierarchy, Hierarchy):
        raise ValueError(f"hierarchy must be a Hierarchy, got {type(hierarchy).__name__}")
    n = hierarchy.n_features
    m = check_int("n_hidden", n_hidden, n)
    return torch.eye(m)[:, :n].contiguous()
