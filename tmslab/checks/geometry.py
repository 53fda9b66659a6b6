"""Checks for lesson 06 (the geometry of superposition)."""
from __future__ import annotations

import torch

from .. import geometry, metrics
from .base import ExerciseError, as_number, check_close, expects_function, passed


def _examples() -> list[tuple[str, torch.Tensor]]:
    """Named (m, n) test matrices: ideal polytopes, a tegum product, random and unlearned columns."""
    gen = torch.Generator().manual_seed(6)
    random = torch.randn(4, 9, generator=gen, dtype=torch.float64)
    with_zero = random.clone()
    with_zero[:, [2, 7]] = 0.0
    scaled = geometry.regular_polygon(5) * torch.tensor([1.0, 0.8, 1.2, 0.9, 1.1], dtype=torch.float64)
    return [("the identity (orthogonal features)", torch.eye(3, dtype=torch.float64)),
            ("an antipodal pair", geometry.digon()),
            ("a regular pentagon", geometry.regular_polygon(5)),
            ("a tetrahedron", geometry.polytope("tetrahedron")),
            ("a pentagon with unequal norms", scaled),
            ("a tegum product (triangle + digon + dedicated)",
             geometry.tegum(geometry.simplex(3), geometry.digon(), torch.ones(1, 1, dtype=torch.float64))),
            ("a random 4 x 9 W", random),
            ("a W whose columns 2 and 7 are zero (unlearned: D_i = 0)", with_zero)]


@expects_function("feature_dimensionality")
def check_feature_dimensionality(fn) -> str:
    """fn(W (m, n)) -> D (n,), compared with ``tmslab.metrics.feature_dimensionality``."""
    for what, W in _examples():
        got = fn(W.clone())
        try:
            check_close(got, metrics.feature_dimensionality(W), f"D_i for {what}", atol=1e-6, rtol=1e-5)
        except ExerciseError as err:
            raise ExerciseError(f"{err}. Remember: the denominator sums (hat W_i . W_j)^2 over all j, "
                                "including j = i, and uses the *unit* vector hat W_i") from None
    return passed(f"D_i matches tmslab.metrics on {len(_examples())} matrices, from orthogonal (1) "
                  "to antipodal (1/2), pentagon (2/5) and tetrahedron (3/4)")


@expects_function("dimensions_per_feature")
def check_dimensions_per_feature(fn) -> str:
    """fn(W (m, n)) -> D* (a number), compared with ``tmslab.metrics.dimensions_per_feature``."""
    for what, W in _examples():
        value = as_number(fn(W.clone()), f"D* for {what}")
        check_close(value, float(metrics.dimensions_per_feature(W)), f"D* for {what}", atol=1e-6,
                    rtol=1e-5)
    return passed("D* = m / ||W||_F^2 matches tmslab.metrics (1 for orthogonal features, "
                  "1/2 for an antipodal pair)")


@expects_function("kgon_dimensionality")
def check_kgon_dimensionality(fn) -> str:
    """fn(k) -> (k,) D_i of k unit vectors at angles 2 pi j / k in the plane, for k = 2..12."""
    for k in range(2, 13):
        got = fn(k)
        expected = metrics.feature_dimensionality(geometry.regular_polygon(k))
        check_close(got, expected, f"D_i of the regular {k}-gon", atol=1e-6, rtol=1e-5)
    return passed("a regular k-gon (k >= 3) gives D_i = 2/k to every feature (a digon: 1/2); "
                  "k points sharing 2 dimensions own 2/k of a dimension each")

