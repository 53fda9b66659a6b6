"""Lesson 07: non-uniform superposition and learning dynamics (library, widget, checks)."""
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import tmslab
from tmslab import checks, dynamics, nonuniform
from tmslab.checks import nonuniform as ck
from tmslab.widgets import nonuniform as wd


def polar(angles, norms=None):
    a = torch.deg2rad(torch.tensor(angles, dtype=torch.float64))
    r = torch.ones(len(angles), dtype=torch.float64) if norms is None else torch.tensor(norms, dtype=torch.float64)
    return torch.stack([r * torch.cos(a), r * torch.sin(a)])


PENTAGON = polar([0, 72, 144, 216, 288])
DIGONS = polar([0, 20, 200, 110, 290], [0.0, 1, 1, 1, 1])


# ---------------------------------------------------------------- nonuniform
def test_perturbed_sparsity_changes_one_feature_only():
    S = nonuniform.perturbed_sparsity(5, 0.05, [0.5, 1.0, 2.0], feature=0)
    np.testing.assert_allclose(S[:, 0], [0.975, 0.95, 0.90])
    np.testing.assert_allclose(S[:, 1:], 0.95)
    with pytest.raises(ValueError, match="factors"):
        nonuniform.perturbed_sparsity(5, 0.5, [3.0])
    with pytest.raises(ValueError, match="feature"):
        nonuniform.perturbed_sparsity(5, 0.05, [1.0], feature=5)
    with pytest.raises(ValueError, match="density"):
        nonuniform.perturbed_sparsity(5, 0.0, [1.0])


def test_classify_pentagon_and_digons():
    assert nonuniform.classify_pentagon(PENTAGON) == "pentagon"
    assert nonuniform.classify_pentagon(polar([0, 66, 142, 218, 294])) == "pentagon"   # deformed
    assert nonuniform.classify_pentagon(DIGONS) == "two digons"
    assert nonuniform.classify_pentagon(polar([0, 10, 20, 30, 40])) == "other"
    with pytest.raises(ValueError, match="shape"):
        nonuniform.classify_pentagon(torch.zeros(2, 4))


def test_antipodal_pairs_ignore_unrepresented_features():
    W = polar([0, 180, 90, 270, 181], [1, 1, 1, 1, 0.2])
    assert nonuniform.antipodal_pairs(W) == [(0, 1), (2, 3)]
    assert nonuniform.antipodal_pairs(PENTAGON) == []
    with pytest.raises(ValueError, match="cos_threshold"):
        nonuniform.antipodal_pairs(W, cos_threshold=0.5)


def test_gaps_next_to_the_varied_feature():
    W = polar([0, 60, 144, 216, 300])
    before, after = nonuniform.gaps_next_to(W, 0)
    assert before == pytest.approx(60.0) and after == pytest.approx(60.0)
    before, after = nonuniform.gaps_next_to(W, 2)
    assert before == pytest.approx(84.0) and after == pytest.approx(72.0)
    assert all(math.isnan(g) for g in nonuniform.gaps_next_to(DIGONS, 0))
    with pytest.raises(ValueError, match="feature"):
        nonuniform.gaps_next_to(W, 7)


def test_crossover_interpolates_the_sign_change():
    f = [0.2, 0.3, 0.4]
    assert nonuniform.crossover(f, [2.0, 1.0, 1.0], [1.0, 2.0, 3.0]) == pytest.approx(0.25)
    assert nonuniform.crossover(f, [2.0, np.nan, 1.0], [1.0, 2.0, 3.0]) == pytest.approx(0.2 + 0.2 / 3)
    assert math.isnan(nonuniform.crossover(f, [1, 1, 1], [2, 2, 2]))
    with pytest.raises(ValueError, match="increasing"):
        nonuniform.crossover([0.3, 0.2, 0.4], [1, 2, 3], [3, 2, 1])


def test_pair_cosines_and_group_pairs():
    groups = tmslab.FeatureGroups.correlated(2, 2)
    assert nonuniform.group_pairs(groups) == [(0, 1), (2, 3)]
    W = polar([0, 90, 45, 225])
    np.testing.assert_allclose(nonuniform.pair_cosines(W, [(0, 1), (2, 3)]), [0.0, -1.0], atol=1e-12)


def test_cross_set_octahedron():
    groups = tmslab.FeatureGroups.correlated(2, 3)
    e = torch.eye(3)
    W = torch.stack([e[0], e[1], e[2], -e[0], -e[1], -e[2]], dim=1)     # pairs (0,3), (1,4), (2,5)
    assert nonuniform.is_cross_set_octahedron(W, groups)
    same_set = torch.stack([e[0], -e[0], e[1], -e[1], e[2], -e[2]], dim=1)   # pair (0,1) inside set 0
    assert not nonuniform.is_cross_set_octahedron(same_set, groups)
    tilted = W.clone()
    tilted[:, 1] = torch.tensor([0.5, 0.866, 0.0])                     # pair (1,4) no longer antipodal
    assert not nonuniform.is_cross_set_octahedron(tilted, groups)
    leaning = W.clone()
    leaning[:, 2] = (e[0] + e[2]) / 2 ** 0.5              # pair (2,5) still antipodal, at 45 deg to (0,3)
    leaning[:, 5] = -leaning[:, 2]
    assert not nonuniform.is_cross_set_octahedron(leaning, groups)
    with pytest.raises(ValueError, match="shape"):
        nonuniform.is_cross_set_octahedron(W[:2], groups)


def test_collapsed_pairs_need_one_shared_direction():
    # pair (0, 1) along one direction, pair (2, 3) orthogonal, pair (4, 5) parallel but feature 5 too short
    W = torch.tensor([[1.0, 0.9, 1.0, 0.0, 0.0, 0.0],
                      [0.0, 0.1, 0.0, 1.0, 1.0, 0.3]])
    pairs = [(0, 1), (2, 3), (4, 5)]
    assert nonuniform.collapsed_pairs(W, pairs) == [(0, 1)]
    assert nonuniform.collapsed_pairs(W, pairs, norm_threshold=0.2) == [(0, 1), (4, 5)]
    assert nonuniform.collapsed_pairs(-W, pairs) == [(0, 1)]      # a shared sign flip: still one direction
    W2 = W.clone()
    W2[:, 1] = -W2[:, 1]                                               # antipodal is not collapsed
    assert nonuniform.collapsed_pairs(W2, pairs) == []
    with pytest.raises(ValueError, match="single"):
        nonuniform.collapsed_pairs(W.expand(2, 2, 6), pairs)


def test_best_loss_by_geometry_on_a_small_run():
    S = nonuniform.perturbed_sparsity(5, 0.05, [0.2, 1.0])
    run = tmslab.train(5, 2, sparsity=S, importance=1.0, n_seeds=2, steps=200)
    out = nonuniform.best_loss_by_geometry(run)
    assert set(out) >= {"pentagon", "two digons", "count_pentagon", "count_two digons"}
    total = sum(v for k, v in out.items() if k.startswith("count_"))
    np.testing.assert_array_equal(total, [2, 2])


# ---------------------------------------------------------------- dynamics
def step_trajectory():
    steps = np.arange(0, 2001, 20)
    d = np.where(steps < 1000, 0.3, 0.5) + 0.001 * np.sin(steps)
    return steps, d


def test_plateaus_and_jumps_on_a_step():
    steps, d = step_trajectory()
    plateaus = dynamics.find_plateaus(d, steps, tol=0.01, min_length=200)
    assert len(plateaus) == 2
    assert plateaus[0].level == pytest.approx(0.3, abs=0.002)
    assert plateaus[1].level == pytest.approx(0.5, abs=0.002)
    D = np.stack([d, np.full_like(d, 0.5)], axis=1)
    jumps = dynamics.detect_jumps(D, steps, min_change=0.1, tol=0.01)
    assert len(jumps) == 1 and jumps[0].feature == 0
    assert jumps[0].start == 980 and jumps[0].end == 1000
    assert jumps[0].size == pytest.approx(0.2, abs=0.004)
    assert dynamics.detect_jumps(D, steps, min_change=0.3) == []
    with pytest.raises(ValueError, match="min_change"):
        dynamics.detect_jumps(D, steps, min_change=0)


def test_smooth_drift_has_no_plateau_jump():
    steps = np.arange(0, 2001, 20)
    d = np.linspace(0.0, 0.5, len(steps))
    assert dynamics.detect_jumps(d[:, None], steps, min_change=0.1, tol=0.01) == []


def test_largest_change_and_loss_drops():
    steps, d = step_trajectory()
    step, change = dynamics.largest_change(d, steps, 1)
    assert step == 980 and change == pytest.approx(0.2, abs=0.003)
    step, change = dynamics.largest_change(-d, steps, 5)
    assert change == pytest.approx(-0.2, abs=0.003)
    loss = np.where(steps < 1000, 1.0, 0.5)
    assert dynamics.loss_drop(loss, steps, 900, 1100) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="window"):
        dynamics.largest_change(d, steps, len(d))


def test_quiet_drop_leaves_out_jumps_and_the_transient():
    steps = np.arange(0, 3001, 20)
    # fast early decay (transient), a slow drift, and one step of 0.1 at step 2000 (the jump)
    loss = 1.0 + np.exp(-steps / 50.0) - 1e-5 * steps - 0.1 * (steps >= 2000)
    jump = dynamics.Jump(feature=0, start=1960, end=2040, before=0.3, after=0.5)
    drop = dynamics.loss_drop(loss, steps, jump.start, jump.end)
    assert drop == pytest.approx(0.1 + 1e-5 * 80, abs=1e-6)
    quiet = dynamics.quiet_drop(loss, steps, 80, [jump], after=1000, q=90)
    assert quiet == pytest.approx(1e-5 * 80, abs=1e-6)        # only the drift is left
    assert drop > quiet
    # without leaving the jump out, its windows set the 90th percentile: the jump barely beats it
    assert dynamics.quiet_drop(loss, steps, 80, [], after=1000, q=100) == pytest.approx(drop, abs=1e-9)
    # without leaving the transient out, the early decay dominates the percentile and beats the jump
    assert dynamics.quiet_drop(loss, steps, 80, [(jump.start, jump.end)], after=0, q=100) > drop
    assert np.isnan(dynamics.quiet_drop(loss, steps, 80, [(0, 3000)]))
    with pytest.raises(ValueError, match="q"):
        dynamics.quiet_drop(loss, steps, 80, q=101)
    with pytest.raises(ValueError, match="same length"):
        dynamics.quiet_drop(loss[:-1], steps, 80)
    with pytest.raises(ValueError, match="longer"):
        dynamics.quiet_drop(loss, steps, 4000)


@pytest.fixture(scope="module")
def history_run():
    return tmslab.train(6, 2, sparsity=2 / 3, importance=1.0, n_seeds=2, steps=300, history_every=50)


def test_dimensionality_history_and_snapshot_losses(history_run):
    D = dynamics.dimensionality_history(history_run, 1)
    assert D.shape == (7, 6)
    L = dynamics.snapshot_losses(history_run, n_samples=512)
    assert L.shape == (7, 2) and torch.isfinite(L).all()
    assert float(L[-1].mean()) < float(L[0].mean())      # training lowers the loss
    plain = tmslab.train(6, 2, sparsity=0.5, steps=10)
    with pytest.raises(ValueError, match="history_every"):
        dynamics.dimensionality_history(plain)
    with pytest.raises(ValueError, match="instance"):
        dynamics.dimensionality_history(history_run, 2)


# ---------------------------------------------------------------- widgets
def test_training_explorer_redraws_on_every_step(history_run):
    panel = wd.build_training_explorer(history_run, instance=1)
    image, readout = panel.image.value, panel.readout.value
    assert "step 300" in readout
    panel.controls["step"].value = 0                      # extreme: the initial weights
    assert panel.image.value != image and "step 0" in panel.readout.value
    panel.controls["step"].value = 150
    assert "step 150" in panel.readout.value
    assert panel.redraws == 3
    with pytest.raises(ValueError, match="instance"):
        wd.build_training_explorer(history_run, instance=5)
    with pytest.raises(ValueError, match="loss"):
        wd.build_training_explorer(history_run, loss=np.zeros(3))


def test_training_explorer_handles_more_than_two_dimensions():
    run = tmslab.train(6, 3, sparsity=0.5, steps=100, history_every=50)
    panel = wd.build_training_explorer(run, jumps=[dynamics.Jump(0, 0, 50, 0.1, 0.5)])
    panel.controls["step"].value = 50
    assert "step 50" in panel.readout.value


def test_pentagon_explorer_reports_geometry():
    S = nonuniform.perturbed_sparsity(5, 0.05, [0.2, 1.0, 2.0])
    best = tmslab.train(5, 2, sparsity=S, importance=1.0, steps=200).best()
    losses = nonuniform.best_loss_by_geometry(best)
    panel = wd.build_pentagon_explorer(best, [0.2, 1.0, 2.0], geometry_losses=losses)
    assert "f = 1" in panel.readout.value
    image = panel.image.value
    panel.controls["f"].value = 0                         # extreme: the sparsest varied feature
    assert "f = 0.2" in panel.readout.value and panel.image.value != image
    panel.controls["f"].value = 2
    assert "f = 2" in panel.readout.value
    with pytest.raises(ValueError, match="factors"):
        wd.build_pentagon_explorer(best, [1.0])


# ---------------------------------------------------------------- checks
def reference_gaps(W):
    return tmslab.metrics.angular_gaps(W)


def no_wraparound(W):
    return tmslab.metrics.angular_gaps(W)[:-1]


def all_features(W):
    angles = torch.sort(tmslab.metrics.angles_2d(W)).values
    return torch.diff(torch.cat([angles, angles[:1] + 360]))


def test_check_angular_gaps():
    assert checks.report(ck.check_angular_gaps, reference_gaps).startswith("✅ Correct")
    assert "wrap-around" in checks.report(ck.check_angular_gaps, no_wraparound)
    assert "represented" in checks.report(ck.check_angular_gaps, all_features)
    assert "NotImplementedError" in checks.report(ck.check_angular_gaps, lambda W: (_ for _ in ()).throw(NotImplementedError()))


def test_check_antipodal_pairs():
    assert checks.report(ck.check_antipodal_pairs, nonuniform.antipodal_pairs).startswith("✅ Correct")

    def with_short_features(W):
        C = tmslab.metrics.cosine_similarity(W)
        n = W.shape[1]
        return [(i, j) for i in range(n) for j in range(i + 1, n) if C[i, j] < -0.95]

    def loose(W):
        return nonuniform.antipodal_pairs(W, cos_threshold=-0.9)

    def parallel_too(W):                 # |cos| > 0.95: also accepts features pointing the same way
        C = tmslab.metrics.cosine_similarity(W)
        norms = tmslab.metrics.feature_norms(W)
        n = W.shape[1]
        return [(i, j) for i in range(n) for j in range(i + 1, n)
                if norms[i] > 0.5 and norms[j] > 0.5 and abs(float(C[i, j])) > 0.95]

    assert "not represented" in checks.report(ck.check_antipodal_pairs, with_short_features)
    assert checks.report(ck.check_antipodal_pairs, loose).startswith("❌ Not yet")
    report = checks.report(ck.check_antipodal_pairs, parallel_too)
    assert report.startswith("❌ Not yet") and "parallel" in report and "cos < -0.95" in report


def test_check_largest_change():
    assert checks.report(ck.check_largest_change, dynamics.largest_change).startswith("✅ Correct")

    def unsigned(d, steps, window):
        step, change = dynamics.largest_change(d, steps, window)
        return step, abs(change)

    def max_not_abs(d, steps, window):
        change = d[window:] - d[:-window]
        t = int(np.argmax(change))
        return int(steps[t]), float(change[t])

    assert "sign" in checks.report(ck.check_largest_change, unsigned)
    assert checks.report(ck.check_largest_change, max_not_abs).startswith("❌ Not yet")


def test_run_arguments_are_validated():
    with pytest.raises(ValueError, match="Run"):
        dynamics.snapshot_losses("not a run")
    with pytest.raises(ValueError, match="Run"):
        nonuniform.best_loss_by_geometry(None)


def test_plot_dimensionality_and_loss_draws_both_panels_and_validates():
    steps = np.arange(0, 1001, 100)
    D = np.tile(np.linspace(0.0, 0.5, len(steps))[:, None], (1, 3))
    loss = np.linspace(1.0, 0.1, len(steps))
    jump = dynamics.Jump(feature=0, start=300, end=500, before=0.1, after=0.3)
    fig = dynamics.plot_dimensionality_and_loss(steps, D, loss, [jump], labels=["a", "b", "c"], title="t")
    top, bottom = fig.axes[:2]
    assert top.get_title() == "t" and top.get_ylabel() == "$D_i$" and bottom.get_yscale() == "log"
    assert [t.get_text() for t in top.get_legend().get_texts()] == ["a", "b", "c"]
    assert len(top.patches) == len(bottom.patches) == 1                # the jump, shaded in both
    with pytest.raises(ValueError, match="labels"):
        dynamics.plot_dimensionality_and_loss(steps, D, loss, labels=["a"])
    with pytest.raises(ValueError, match=r"D must be \(H, n\)"):
        dynamics.plot_dimensionality_and_loss(steps, D[:-1], loss)
    plt.close("all")
