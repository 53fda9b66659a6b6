"""Lesson 10 library: census and absorption metrics, the toy hierarchy, experiment helpers,
figures, the SAE-zoo widget and the exercise checks."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from tmslab import modern_sae_plots as plots
from tmslab import modern_saes as M
from tmslab import sae, sae_metrics
from tmslab.checks import report
from tmslab.checks import saes as checks
from tmslab.hierarchy import Hierarchy, directions
from tmslab.solutions import lesson10 as ref
from tmslab.widgets.saes import build_sae_zoo


# --------------------------------------------------------------------------- metrics
def test_census_counts_a_hand_built_dictionary():
    F = torch.eye(3)
    D = torch.tensor([[1.0, 0.9, 0.0, 0.7, 0.0], [0.0, 0.1, 1.0, 0.7, 0.0], [0.0, 0.0, 0.0, 0.0, -1.0]])
    fires = torch.tensor([5, 3, 0, 2, 4])
    c = sae_metrics.census(F, D, fires)
    # f0: latents 0 and 1 (duplicated); f1: only the dead latent 2; f2: only -f2 (does not count)
    assert {k: int(v) for k, v in c.items()} == {"recovered": 1, "duplicated": 1, "dead": 1, "unmatched": 2,
                                                 "blended": 1}
    batched = sae_metrics.census(F, torch.stack([D, D]), torch.stack([fires, torch.ones(5, dtype=torch.long)]))
    assert batched["recovered"].tolist() == [1, 2] and batched["dead"].tolist() == [1, 0]
    with pytest.raises(ValueError, match="fires"):
        sae_metrics.census(F, D, torch.ones(4))
    with pytest.raises(ValueError, match="fires"):
        sae_metrics.census(F, D, -torch.ones(5))
    with pytest.raises(ValueError, match="threshold"):
        sae_metrics.census(F, D, fires, threshold=2.0)


def test_absorption_metric_on_constructed_codes():
    x = torch.zeros(6, 4)
    x[:, 0] = 1.0                                     # parent always on
    x[3:, 1] = 1.0                                    # child 1 on in the last three samples
    codes = torch.zeros(6, 2)
    codes[:3, 0] = 1.0                                # the parent latent fires only without the child
    codes[5, 0] = 0.5                                 # ... and on one of the three child samples
    out = sae_metrics.absorption(codes, x, parent=0, children=[1, 2], latent=0)
    assert out["fires_alone"] == 1.0 and out["fires_with_child"] == pytest.approx(1 / 3)
    assert out["absorbed"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="parent and children"):
        sae_metrics.absorption(codes, x, parent=0, children=[0, 1], latent=0)
    with pytest.raises(ValueError, match="latent"):
        sae_metrics.absorption(codes, x, parent=0, children=[1], latent=5)
    with pytest.raises(ValueError, match="alone and with a child"):
        sae_metrics.absorption(codes[3:], x[3:], parent=0, children=[1], latent=0)


# --------------------------------------------------------------------------- hierarchy
def test_hierarchy_samples_follow_the_tree():
    H = Hierarchy(n_parents=2, n_children=3, n_independent=2, parent_density=0.3, child_given_parent=0.6,
                  independent_density=0.2)
    assert H.n_features == 10 and H.children(1) == [5, 6, 7] and H.independent == [8, 9]
    x = H.sample(40_000, seed=1)
    assert torch.equal(x, H.sample(40_000, seed=1)) and not torch.equal(x, H.sample(40_000, seed=2))
    on = x > 0
    for p in H.parents:
        kids = on[:, H.children(p)]
        assert (kids.sum(1) <= 1).all()                                  # at most one child at a time
        assert not (kids.any(1) & ~on[:, p]).any()                       # a child implies its parent
        assert on[:, p].float().mean().item() == pytest.approx(0.3, abs=0.01)
        assert kids.any(1).float().mean().item() == pytest.approx(0.3 * 0.6, abs=0.01)
    assert on[:, H.independent].float().mean().item() == pytest.approx(0.2, abs=0.01)
    assert set(torch.unique(x).tolist()) == {0.0, 1.0}
    xu = Hierarchy(magnitude="uniform").sample(1000, seed=0)
    assert 0.4 < xu[xu > 0].mean().item() < 0.6
    assert H.mean_active() == pytest.approx(on.sum(1).float().mean().item(), abs=0.03)
    F = directions(H, 12)
    assert F.shape == (12, 10) and torch.equal(F.T @ F, torch.eye(10))
    for kwargs, word in (({"child_given_parent": 1.0}, "child_given_parent"), ({"magnitude": "gauss"}, "magnitude"),
                         ({"n_parents": 0}, "n_parents"), ({"parent_density": 0.0}, "parent_density")):
        with pytest.raises(ValueError, match=word):
            Hierarchy(**kwargs)
    with pytest.raises(ValueError, match="n_hidden"):
        directions(H, 8)
    with pytest.raises(ValueError, match="parent"):
        H.children(2)


# --------------------------------------------------------------------------- experiment helpers
@pytest.fixture(scope="module")
def small():
    g = torch.Generator().manual_seed(0)
    W = torch.randn(6, 12, generator=g)
    W = W / W.norm(dim=0)
    h, x = sae.toy_activations(W, 0.85, 6000, seed=1)
    grid = M.train_grid(h, families=("l1", "topk", "jumprelu"), sizes=(8, 24), steps=300)
    return W, h, x, grid


def test_family_config_and_grid(small):
    W, h, x, grid = small
    cfg = M.family_config("topk", 16, [3, 1])
    assert cfg.ks == (3, 1) and cfg.kind == "topk"
    cfg = M.family_config("jumprelu", 16, 0.1)
    assert cfg.l1_coeffs == (0.1,) and cfg.lr == 1e-2 and cfg.bandwidth == 0.1
    assert set(grid) == {(k, d) for k in ("l1", "topk", "jumprelu") for d in (8, 24)}
    assert grid[("topk", 24)].ks.tolist() == list(M.GRID_VALUES["topk"])
    assert M.setting_labels(grid[("topk", 8)])[0] == "k = 6"
    assert M.setting_labels(grid[("l1", 8)])[2] == "λ = 0.27"
    with pytest.raises(ValueError, match="kind"):
        M.family_config("gated", 8, [1])


def test_summarise_and_size_table(small):
    W, h, x, grid = small
    s = M.summarise(W, grid[("l1", 24)], h)
    for key in ("l0", "fvu", "mse", "mmcs", "recovered", "recovered_count", "duplicated", "dead", "unmatched",
                "blended"):
        assert s[key].shape == (5,), key
    assert s["fires"].shape == (5, 24)
    assert np.allclose(s["recovered"], s["recovered_count"] / 12)
    assert np.allclose(s["mmcs"], sae.mmcs(W, grid[("l1", 24)].W_dec).numpy())
    summaries = {k: M.summarise(W, m, h) for k, m in grid.items()}
    t = M.size_table(summaries, "topk", 2, (8, 24))
    assert set(t) == {"recovered", "duplicated", "dead", "unmatched", "blended"} and len(t["dead"]) == 2
    with pytest.raises(ValueError, match="no entry"):
        M.size_table(summaries, "topk", 2, (8, 40))
    with pytest.raises(ValueError, match="features"):
        M.summarise(torch.randn(5, 12), grid[("l1", 8)], h)


def test_fvu_at_l0_interpolates_inside_the_sweep():
    assert M.fvu_at_l0([1.0, 3.0, 2.0], [0.4, 0.1, 0.2], 2.5) == pytest.approx(0.15)
    assert M.fvu_at_l0([1.0, 3.0], [0.4, 0.1], 1.0) == pytest.approx(0.4)
    assert np.isnan(M.fvu_at_l0([1.0, 3.0], [0.4, 0.1], 3.5))
    with pytest.raises(ValueError, match="equal length"):
        M.fvu_at_l0([1.0, 2.0], [0.3], 1.5)


def test_merged_pairs_and_absorption_summary():
    F = torch.eye(4)
    D = torch.tensor([[1.0, 0.7], [0.0, 0.7], [0.0, 0.0], [0.0, 0.0]])
    assert M.merged_pairs(F, D, [(0, 1), (2, 3)], fires=torch.tensor([1, 1])) == 1
    assert M.merged_pairs(F, D, [(0, 1)], fires=torch.tensor([1, 0])) == 0
    H = Hierarchy(n_parents=1, n_children=2, n_independent=1)
    Fh = directions(H, 4)
    x = H.sample(4000, seed=0)
    h = sae.activations_of(Fh, x)
    model = M.train_family(h, "l1", 6, [0.1, 0.3], steps=400)
    a = M.absorption_summary(H, Fh, model, h, x)
    assert set(a) == {"fires_alone", "fires_with_child", "absorbed", "child_cos", "fvu", "l0"}
    assert a["absorbed"].shape == (2,)
    assert np.allclose(a["absorbed"], a["fires_alone"] - a["fires_with_child"])
    with pytest.raises(ValueError, match="hierarchy"):
        M.absorption_summary("tree", Fh, model, h, x)


def test_toy_setup_variants():
    toy = M.toy_setup(n_features=6, n_hidden=3, sparsity=0.8, steps=50, n_train=500, n_eval=400)
    assert toy.h_train.shape == (500, 3) and toy.x_eval.shape == (400, 6) and torch.equal(toy.features, toy.W)
    assert torch.allclose(toy.h_eval, toy.x_eval @ toy.W.T, atol=1e-5)
    assert 0.8 < toy.true_l0 < 1.6
    rel = M.toy_setup(n_features=6, n_hidden=3, sparsity=0.8, model="relu_hidden", steps=50, n_train=300,
                      n_eval=300)
    assert (rel.h_eval >= 0).all() and torch.equal(rel.features, torch.relu(rel.W))
    assert torch.allclose(rel.h_eval, torch.relu(rel.x_eval @ rel.W.T), atol=1e-5)
    with pytest.raises(ValueError, match="model"):
        M.toy_setup(model="abs")


def test_toy_activations_groups_and_hidden_relu():
    from tmslab.data import FeatureGroups
    W = torch.randn(3, 6)
    groups = FeatureGroups.correlated(2, 2) + FeatureGroups.independent(2)
    h, x = sae.toy_activations(W, 0.7, 2000, seed=0, groups=groups)
    assert torch.equal(x[:, 0] > 0, x[:, 1] > 0)                          # correlated pair: on together
    hr, xr = sae.toy_activations(W, 0.7, 2000, seed=0, groups=groups, hidden_relu=True)
    assert torch.equal(xr, x) and torch.equal(hr, torch.relu(h))
    with pytest.raises(ValueError, match="groups"):
        sae.toy_activations(W, 0.7, 10, groups=FeatureGroups.independent(5))
    with pytest.raises(ValueError, match="hidden_relu"):
        sae.toy_activations(W, 0.7, 10, hidden_relu=1)


# --------------------------------------------------------------------------- figures and widget
def test_figures_return_figures(small):
    W, h, x, grid = small
    summaries = {k: M.summarise(W, m, h) for k, m in grid.items()}
    table = {"L1": M.size_table(summaries, "l1", 2, (8, 24)), "TopK": M.size_table(summaries, "topk", 2, (8, 24))}
    fig = plots.plot_size_sweep([8, 24], table, n_features=12)
    assert len(fig.axes) == 2 and fig.axes[0].get_ylabel()
    plt.close(fig)
    s = summaries[("l1", 24)]
    fig = plots.plot_frontier({"L1": (s["l0"], s["fvu"], s["recovered"])}, true_l0=1.8)
    assert fig.axes[0].get_yscale() == "log"
    plt.close(fig)
    fig = plots.plot_recovery(W, grid[("topk", 24)].W_dec[0], summaries[("topk", 24)]["fires"][0])
    assert len(fig.axes) >= 2
    plt.close(fig)
    fig = plots.plot_absorption(["a", "b"], [1.0, 0.9], [0.2, 0.9], [0.6, 0.0], fvu=[0.01, 0.02])
    assert "FVU" in fig.axes[0].get_xticklabels()[0].get_text()
    plt.close(fig)
    with pytest.raises(ValueError, match="fires_with_child"):
        plots.plot_absorption(["a"], [1.0], [1.5], [0.0])
    with pytest.raises(ValueError, match="table"):
        plots.plot_size_sweep([8], {}, 12)
    with pytest.raises(ValueError, match="curves"):
        plots.plot_frontier({})


def test_sae_zoo_widget_callbacks(small):
    W, h, x, grid = small
    panel = build_sae_zoo(W, grid, h, true_l0=1.8)
    assert "SAE zoo" in repr(panel)
    image, readout = panel.image.value, panel.readout.value
    assert "L0" in readout and "dead latents" in readout and "recovered features" in readout
    c = panel.controls
    assert c["setting"].label == "λ = 0.27"
    c["family"].value = "topk"                                          # relabels, keeps the index
    assert c["setting"].value == 2 and c["setting"].label == "k = 3" and "TopK" in panel.readout.value
    assert panel.image.value != image
    before = panel.redraws
    c["setting"].value = 4                                              # extreme: sparsest
    assert panel.redraws == before + 1 and "k = 1" in panel.readout.value
    c["d"].value = 8                                                    # extreme: smallest d
    assert "d = 8" in panel.readout.value and "of 8" in panel.readout.value
    c["family"].value = "jumprelu"
    assert c["setting"].label == "λ = 0.3" and "JumpReLU" in panel.readout.value
    c["setting"].value = 0                                              # extreme: densest
    c["d"].value = 24
    assert "λ = 0.003" in panel.readout.value
    with pytest.raises(ValueError, match="grid"):
        build_sae_zoo(W, {}, h)
    with pytest.raises(ValueError, match="every"):
        build_sae_zoo(W, {k: v for k, v in grid.items() if k != ("topk", 8)}, h)
    with pytest.raises(ValueError, match="expected kind"):
        build_sae_zoo(W, {("l1", 8): grid[("topk", 8)]}, h)
    with pytest.raises(ValueError, match="activations"):
        build_sae_zoo(W, grid, torch.rand(10, 5))
    with pytest.raises(ValueError, match="threshold"):
        build_sae_zoo(W, grid, h, threshold=1.0)


# --------------------------------------------------------------------------- exercise checks
def _stub(*args):
    raise NotImplementedError("your code here")


@pytest.mark.parametrize("check, good, wrongs", [
    (checks.check_topk, ref.topk_activation, [
        lambda z, k: torch.zeros_like(z).scatter(-1, z.topk(k, -1).indices, z.topk(k, -1).values),  # no ReLU
        lambda z, k: torch.relu(z),                                                                # no top-k
        lambda z, k: z.topk(k, -1),                                                                # tuple
        lambda z, k: torch.zeros_like(z).scatter(-1, z.topk(k, -1, largest=False).indices,
                                                 torch.relu(z.topk(k, -1, largest=False).values))]),
    (checks.check_jumprelu, ref.jumprelu, [
        lambda z, t, e: ((z > t).double(), -(t / e) * ((z - t).abs() < e / 2)),                     # H, not z H
        lambda z, t, e: (torch.relu(z - t), -(t / e) * ((z - t).abs() < e / 2)),                   # shifted
        lambda z, t, e: (z * (z >= t), -(t / e) * ((z - t).abs() < e / 2)),                        # z = theta on
        lambda z, t, e: (z * (z > t), -(t / e) * ((z - t).abs() < e)),                             # wide window
        lambda z, t, e: (z * (z > t), (t / e) * ((z - t).abs() < e / 2)),                          # sign
        lambda z, t, e: (z * (z > t), -(1 / e) * ((z - t).abs() < e / 2))]),                       # H's derivative
    (checks.check_census, ref.count_census, [
        lambda cos, f, t: (int(((cos > t).sum(1) >= 2).sum()),
                           int(((f > 0) & (((cos > t) & (f > 0)[None]).sum(0) == 0)).sum())),       # dead counted
        lambda cos, f, t: (int((((cos > t) & (f > 0)[None]).sum(1) >= 2).sum()),
                           int(((cos > t).sum(0) == 0).sum())),                                    # dead unmatched
        lambda cos, f, t: (int((((cos > t) & (f > 0)[None]).sum(1) >= 2).sum()),
                           int(((f > 0) & ((cos.abs() > t).sum(0) == 0)).sum()))]),                # |cos|
])
def test_checks_accept_the_reference_and_name_mistakes(check, good, wrongs):
    assert report(check, good).startswith("✅ Correct")
    assert "NotImplementedError" in report(check, _stub)
    for wrong in wrongs:
        message = report(check, wrong)
        assert message.startswith("❌ Not yet"), message


def test_check_messages_name_the_mistake():
    no_relu = lambda z, k: torch.zeros_like(z).scatter(-1, z.topk(k, -1).indices, z.topk(k, -1).values)
    assert "ReLU" in report(checks.check_topk, no_relu)
    smallest = lambda z, k: torch.zeros_like(z).scatter(-1, z.topk(k, -1, largest=False).indices,
                                                        torch.relu(z.topk(k, -1, largest=False).values))
    assert "smallest" in report(checks.check_topk, smallest)
    assert "z > theta" in report(checks.check_jumprelu, lambda z, t, e: (z * (z >= t), -(t / e) * ((z - t).abs() < e / 2)))
    assert "eps / 2" in report(checks.check_jumprelu, lambda z, t, e: (z * (z > t), -(t / e) * ((z - t).abs() < e)))
    assert "dead latent" in report(checks.check_census, lambda cos, f, t: (
        int(((cos > t).sum(1) >= 2).sum()), int(((f > 0) & (((cos > t) & (f > 0)[None]).sum(0) == 0)).sum())))
