"""Cross-seed science tests of lesson 06: D*, feature dimensionality, polytopes.

Seeds and the fixture decorator in seeding.py (the lesson itself uses seed 0).
"""
from fractions import Fraction

import numpy as np
import pytest

import tmslab
from tmslab import geometry, metrics

from seeding import seeded

pytestmark = pytest.mark.slow


INV_DENSITY = np.logspace(0, 1, 13)


@seeded
def uniform(request):
    """Lesson 06 cell 3: n=60, m=6, I = 1, 13 sparsities, 1,000 steps at lr 6e-3."""
    return tmslab.train(60, 6, sparsity=1 - 1 / INV_DENSITY, importance=1.0, steps=1000, lr=6e-3,
                        seed=request.param, progress=False)


def test_06_dimensions_per_feature_start_at_one_and_stick_at_one_half(uniform):
    D_star = metrics.dimensions_per_feature(uniform.W).numpy()
    assert abs(D_star[0] - 1) < 0.03, D_star
    plateau = np.flatnonzero(np.abs(D_star - 0.5) < 0.03)
    assert len(plateau) >= 2 and np.all(np.diff(plateau) == 1), D_star        # several sparsities in a row
    assert D_star[-1] < 0.3 and np.all(D_star[plateau[-1] + 1:] < 0.47), D_star   # then it drops again


def test_06_feature_dimensionalities_add_up_to_m(uniform):
    D = metrics.feature_dimensionality(uniform.W)
    assert ((D.sum(dim=1) - 6).abs() < 0.05).all(), D.sum(dim=1)


def test_06_represented_features_cluster_at_polytope_fractions(uniform):
    """Lesson 06 cell 17: the paper's 2/3, 1/2, 2/5 and 3/8 are found (3/4 is not, as the lesson says)."""
    D, rep = metrics.feature_dimensionality(uniform.W), metrics.represented(uniform.W)
    found = set()
    for k in range(len(INV_DENSITY)):
        if rep[k].any():        # at S = 0 no single feature need pass ||W_i|| > 0.5 (a rotated basis)
            found |= set(geometry.dimensionality_clusters(D[k][rep[k]], fractions=list(geometry.FRACTIONS)))
    wanted = {Fraction(2, 3), Fraction(1, 2), Fraction(2, 5), Fraction(3, 8)}
    assert wanted <= found, sorted(map(str, found))


def test_06_sparse_models_are_tegum_products_of_regular_polytopes(uniform):
    """Lesson 06 cells 19-20: at 1/(1-S) = 3.16 and 4.64 every component is a named polytope whose mean D_i
    is rank/size, and the ranks add up to m. (The lesson's "at 4.64 a square antiprism, a pentagon and a
    digon" is seed 0's mix: other seeds give 1 antiprism + 3 digons or 2 antiprisms.)"""
    for target in (3.16, 4.64):
        k = int(np.argmin(np.abs(INV_DENSITY - target)))
        comps = geometry.component_summary(uniform.W[k], cos_threshold=0.2)
        assert sum(c.rank for c in comps) == 6, [(c.name, c.rank) for c in comps]
        for c in comps:
            assert "points" not in c.name, (target, c)
            assert abs(c.mean_dimensionality - c.rank / c.size) < 0.03, (target, c)
