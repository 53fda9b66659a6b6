"""tmslab.geometry, its widget and its checks (lesson 06)."""
from fractions import Fraction

import numpy as np
import pytest
import torch

import tmslab
from tmslab import geometry, metrics
from tmslab.checks import report
from tmslab.checks import geometry as checks
from tmslab.widgets.geometry import build_geometry_explorer


@pytest.mark.parametrize("W, expected", [
    (torch.eye(4), 1.0),                                  # orthogonal -> 1
    (torch.tensor([[1.0, -1.0]]), 0.5),                   # antipodal pair -> 1/2
    (geometry.regular_polygon(5), 0.4),                   # pentagon -> 2/5
    (geometry.polytope("tetrahedron"), 0.75),             # tetrahedron -> 3/4
    (geometry.polytope("triangle"), 2 / 3),
    (geometry.square_antiprism(), 0.375),
    (geometry.regular_polygon(6), 1 / 3),
])
def test_hand_built_dimensionalities(W, expected):
    D = metrics.feature_dimensionality(W)
    np.testing.assert_allclose(D.numpy(), expected, atol=1e-6)


def test_polytope_table_matches_measured_dimensionality():
    for name, (_, d, k) in geometry.POLYTOPES.items():
        P = geometry.polytope(name)
        assert P.shape == (d, k)
        np.testing.assert_allclose(P.norm(dim=0).numpy(), 1.0, atol=1e-12)
        np.testing.assert_allclose(metrics.feature_dimensionality(P).numpy(),
                                   float(geometry.ideal_dimensionality(name)), atol=1e-9)
    assert geometry.ideal_dimensionality("square antiprism") == Fraction(3, 8)
    with pytest.raises(ValueError, match="name"):
        geometry.polytope("cube")


def test_simplex_is_regular():
    for k in (2, 3, 4, 6):
        S = geometry.simplex(k)
        G = S.T @ S
        off = G[~torch.eye(k, dtype=bool)]
        np.testing.assert_allclose(off.numpy(), -1 / (k - 1), atol=1e-9)
    with pytest.raises(ValueError, match="k"):
        geometry.simplex(1)
    with pytest.raises(ValueError, match="k"):
        geometry.regular_polygon(1)


def test_tegum_product_keeps_dimensionalities_and_sums_to_m():
    W = geometry.tegum(geometry.regular_polygon(5), geometry.digon(), geometry.square_antiprism(),
                       geometry.polytope("tetrahedron"))
    assert W.shape == (9, 19)
    D = metrics.feature_dimensionality(W)
    assert float(D.sum()) == pytest.approx(9.0)
    assert geometry.dimensionality_clusters(D) == {Fraction(2, 5): 5, Fraction(1, 2): 2,
                                                   Fraction(3, 8): 8, Fraction(3, 4): 4}
    octa = metrics.feature_dimensionality(geometry.octahedron())
    np.testing.assert_allclose(octa.numpy(), 0.5)
    with pytest.raises(ValueError, match="at least one"):
        geometry.tegum()


def test_components_find_tegum_factors_and_ranks():
    W = geometry.tegum(geometry.regular_polygon(5), geometry.digon(), geometry.square_antiprism(),
                       geometry.polytope("tetrahedron"))
    W = torch.cat([W, torch.zeros(9, 2)], dim=1)          # two unlearned features are no nodes
    comps = geometry.component_summary(W)
    assert [(c.size, c.rank, c.name) for c in comps] == [
        (8, 3, "square antiprism"), (5, 2, "pentagon"), (4, 3, "tetrahedron"), (2, 1, "digon")]
    assert comps[1].features == (0, 1, 2, 3, 4)
    assert comps[0].mean_dimensionality == pytest.approx(0.375)
    assert geometry.count_components(comps + comps[3:]) == {"digon": 2, "pentagon": 1,
                                                            "square antiprism": 1, "tetrahedron": 1}
    assert geometry.polytope_name(7, 3) == "7 points in 3-D"
    with pytest.raises(ValueError, match="components"):
        geometry.count_components([("digon", 2)])
    # a small rotation keeps the structure, a threshold of 1 disconnects everything
    Q, _ = torch.linalg.qr(torch.randn(9, 9, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
    assert [c.size for c in geometry.component_summary(Q @ W.double())] == [8, 5, 4, 2]
    assert len(geometry.feature_components(W, cos_threshold=1.0)) == 19
    with pytest.raises(ValueError, match="single"):
        geometry.feature_components(torch.zeros(2, 3, 4))


def test_numerical_rank_and_clusters_validate():
    assert geometry.numerical_rank(torch.tensor([[1.0, 1.0], [0.0, 0.01]])) == 1
    assert geometry.numerical_rank(torch.zeros(2, 2)) == 0
    with pytest.raises(ValueError, match="rel_tol"):
        geometry.numerical_rank(torch.eye(2), rel_tol=2.0)
    with pytest.raises(ValueError, match="D"):
        geometry.dimensionality_clusters([-1.0])


@pytest.fixture(scope="module")
def small_run():
    tmslab.setup_lesson(0)
    inv = np.array([1.0, 3.0, 5.0])
    return tmslab.train(24, 4, sparsity=1 - 1 / inv, importance=1.0, steps=300, lr=5e-3, progress=False)


def test_trained_uniform_models_pack_efficiently(small_run):
    D = metrics.feature_dimensionality(small_run.W)
    np.testing.assert_allclose(D.sum(dim=1).numpy(), 4.0, atol=0.1)     # sum_i D_i ~ m
    assert float(metrics.dimensions_per_feature(small_run.W)[0]) == pytest.approx(1.0, abs=0.05)


def test_plots_return_figures(small_run):
    inv = (1 / small_run.density[:, 0]).numpy()
    fig = geometry.plot_dimensions_per_feature(inv, metrics.dimensions_per_feature(small_run.W))
    assert fig.axes[0].get_xscale() == "log"
    D = metrics.feature_dimensionality(small_run.W)
    fig = geometry.plot_feature_dimensionality(inv, D, metrics.represented(small_run.W))
    assert fig.axes[0].get_ylabel() == "$D_i$"
    lines = {**geometry.FRACTIONS, **geometry.NOTEBOOK_FRACTIONS}
    fig = geometry.plot_feature_dimensionality(inv, D, fractions=lines)
    assert any("heptagon" in t.get_text() for t in fig.axes[0].texts)
    with pytest.raises(ValueError, match="fractions"):
        geometry.plot_feature_dimensionality(inv, D, fractions={2.0: "too big"})
    with pytest.raises(ValueError, match="represented"):
        geometry.plot_feature_dimensionality(inv, D, np.ones((1, 2), bool))
    with pytest.raises(ValueError, match="same length"):
        geometry.plot_dimensions_per_feature(inv[:2], metrics.dimensions_per_feature(small_run.W))
    D_star = metrics.dimensions_per_feature(small_run.W)
    fig = geometry.plot_dimensions_per_feature(inv, torch.stack([D_star, D_star]), labels=["a", "b"],
                                               compressed_sensing=True)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[:2] == ["a", "b"] and "ln" in legend[2]
    with pytest.raises(ValueError, match="labels"):
        geometry.plot_dimensions_per_feature(inv, torch.stack([D_star, D_star]), labels=["a"])
    fig = geometry.plot_polytope_gallery()
    assert len(fig.axes) == 5 and "3/8" in fig.axes[4].get_title()
    fig = geometry.plot_instance_geometry(small_run.W[1], title="t")
    assert len(fig.axes) == 3
    fig = geometry.plot_instance_geometry(torch.zeros(4, 6))       # nothing represented: no crash
    assert "0 of 6" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="names"):
        geometry.plot_polytope_gallery(["cube"])


def test_widget_callbacks_change_outputs(small_run):
    panel = build_geometry_explorer(small_run)
    image, text = panel.image.value, panel.readout.value
    assert "1/(1-S) = 1.00" in text and "sum_i D_i" in text
    panel.controls["instance"].value = 2                # the sparsest instance (extreme value)
    assert panel.image.value != image and panel.readout.value != text
    assert "1/(1-S) = 5.00" in panel.readout.value
    panel.controls["instance"].value = 0                # back to the densest one
    assert panel.readout.value == text
    assert repr(panel) == "<Feature geometry explorer: interactive widget>"
    with pytest.raises(ValueError, match="run"):
        build_geometry_explorer("not a run")
    with pytest.raises(ValueError, match="cos_threshold"):
        build_geometry_explorer(small_run, cos_threshold=1.5)


def test_check_feature_dimensionality():
    assert report(checks.check_feature_dimensionality, metrics.feature_dimensionality).startswith("✅ Correct")
    # forgetting to normalise W_i in the denominator
    wrong = lambda W: torch.nan_to_num(W.norm(dim=0) ** 2 / ((W.T @ W) ** 2).sum(1))
    assert report(checks.check_feature_dimensionality, wrong).startswith("❌")
    # leaving out the j = i term
    def no_self(W):
        U = W / W.norm(dim=0).clamp_min(1e-6)
        sq = (U.T @ W) ** 2
        return W.norm(dim=0) ** 2 / (sq.sum(1) - sq.diagonal()).clamp_min(1e-12)
    assert report(checks.check_feature_dimensionality, no_self).startswith("❌")


def test_check_dimensions_per_feature():
    assert report(checks.check_dimensions_per_feature, metrics.dimensions_per_feature).startswith("✅ Correct")
    inverted = lambda W: (W**2).sum() / W.shape[0]             # features per dimension, 1/D*
    assert report(checks.check_dimensions_per_feature, inverted).startswith("❌")
    per_feature = lambda W: W.shape[0] / (W**2).sum(0)         # not a single number
    assert report(checks.check_dimensions_per_feature, per_feature).startswith("❌")


def test_check_kgon():
    ref = lambda k: metrics.feature_dimensionality(geometry.regular_polygon(k))
    assert report(checks.check_kgon_dimensionality, ref).startswith("✅ Correct")
    assert report(checks.check_kgon_dimensionality, lambda k: torch.full((k,), 1 / k)).startswith("❌")
    # a common slip: angles 2 pi j / (k + 1) (not closed), so not a regular k-gon
    def open_polygon(k):
        a = 2 * np.pi * np.arange(k) / (k + 1)
        return metrics.feature_dimensionality(torch.tensor(np.stack([np.cos(a), np.sin(a)])))
    assert report(checks.check_kgon_dimensionality, open_polygon).startswith("❌")


def test_polytope_clusters_count_only_named_polytopes():
    bipyramid = geometry.tegum(geometry.polytope("triangle"), geometry.polytope("digon"))
    assert geometry.polytope_clusters(bipyramid) == {"triangle": 3, "digon": 2}
    assert geometry.polytope_clusters(geometry.polytope("tetrahedron")) == {"tetrahedron": 4}
    # a 5-point uniform frame in 3-D (D_i = 3/5) is no named polytope, although it is a tight frame
    frame = geometry.simplex(6)[:, :5]
    assert geometry.polytope_clusters(frame) == {}
    # a squashed triangle (size 3, rank 2, mean D_i off 2/3) is not counted either
    squashed = torch.tensor([[1.0, -1.0, 0.0], [0.0, 0.05, 1.0]], dtype=torch.float64)
    assert "triangle" not in geometry.polytope_clusters(squashed)
    with pytest.raises(ValueError, match="tol"):
        geometry.polytope_clusters(bipyramid, tol=-1)


def test_compressed_sensing_dimensions():
    p = np.array([1.0, 0.5, 0.1, 0.0])
    got = geometry.compressed_sensing_dimensions(p)
    np.testing.assert_allclose(got, [0.0, 0.5 * np.log(2), 0.1 * np.log(10), 0.0])
    assert not np.signbit(got[0])
    # m = k ln(n/k) with k = p n  <=>  m / n = p ln(1/p)
    n, pk = 1000.0, 0.05
    assert geometry.compressed_sensing_dimensions(pk) * n == pytest.approx(pk * n * np.log(n / (pk * n)))
    with pytest.raises(ValueError, match="density"):
        geometry.compressed_sensing_dimensions([1.5])
