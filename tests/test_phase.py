"""tmslab.phase, its widget and its checks (lesson 05)."""
import numpy as np
import pytest
import torch

from tmslab import phase, theory
from tmslab.checks import ExerciseError, report
from tmslab.checks import phase as checks
from tmslab.widgets.phase import build_phase_explorer


def W(*cols):
    """A (1, n) W from the features' single coordinates."""
    return torch.tensor([list(cols)], dtype=torch.float32)


@pytest.mark.parametrize("w, label", [
    ((1.0, 0.0), "not learned"), ((-1.0, 0.3), "not learned"), ((0.2, 0.49), "not learned"),
    ((0.0, 1.0), "dedicated"), ((0.45, -0.9), "dedicated"),
    ((1.0, -1.0), "superposition"), ((-0.6, 0.8), "superposition"),
    ((0.7, 0.7), "same sign"), ((-0.8, -0.6), "same sign"),
])
def test_classify_2_in_1_follows_paper_rule(w, label):
    assert phase.classify(W(*w)) == label


def test_classify_3_in_2_geometry():
    tri = torch.tensor([[1.0, -0.5, -0.5], [0.0, 0.866, -0.866]])
    pair_extra_dedicated = torch.tensor([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]])
    extra_antipodal = torch.tensor([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    extra_ignored = torch.tensor([[1.0, 0.0, 0.1], [0.0, 1.0, 0.1]])
    confused = torch.tensor([[1.0, 0.0, 0.7], [0.0, 1.0, 0.0]])
    labels = phase.classify(torch.stack([tri, pair_extra_dedicated, extra_antipodal, extra_ignored,
                                         confused]))
    assert labels.tolist() == ["superposition", "dedicated", "superposition", "not learned", "same sign"]


def test_classify_rejects_bad_input():
    with pytest.raises(ValueError, match="n >= 2"):
        phase.classify(torch.ones(2, 1))
    with pytest.raises(ValueError, match="threshold"):
        phase.classify(W(1.0, 0.0), threshold=-1)
    with pytest.raises(ValueError, match="NaN"):
        phase.classify(W(float("nan"), 0.0))


def test_grid_layout_is_row_major_p_then_r():
    g = phase.make_grid(3, [0.1, 1.0, 10.0], [1.0, 0.1])
    assert g.shape == (2, 3) and g.n_settings == 6
    np.testing.assert_allclose(g.r, [0.1, 1, 10, 0.1, 1, 10])
    np.testing.assert_allclose(g.p, [1, 1, 1, 0.1, 0.1, 0.1])
    np.testing.assert_allclose(g.importance()[4], [1, 1, 1.0])
    np.testing.assert_allclose(g.importance()[5], [1, 1, 10.0])
    np.testing.assert_allclose(g.sparsity()[3], [0.9, 0.9, 0.9])
    assert g.reshape(np.arange(6))[1, 2] == 5
    with pytest.raises(ValueError, match="n_features"):
        phase.make_grid(4, [1.0], [0.5])
    with pytest.raises(ValueError, match="p_values"):
        phase.make_grid(2, [1.0], [0.0])
    with pytest.raises(ValueError, match="r_values"):
        phase.make_grid(2, [-1.0], [0.5])


def test_candidate_losses_and_ties():
    c = phase.candidate_losses(2.0, 0.5, 3)
    assert c["antipodal"] == pytest.approx(3 * 0.25 / 6)
    assert c["normal pair antipodal, extra dedicated"] == pytest.approx(0.25 / 3)
    # theory: r < 1 and p below 4r/(2+5r) is superposition, r = 1 ties
    assert phase.theory_labels(0.5, 0.1, 2) == "superposition"
    assert phase.optimal_phases(1.0, 1.0, 2).tolist() == [True, False, True]
    assert phase.optimal_phases(1.0, 0.1, 3).tolist() == [False, True, True]
    assert phase.agreement(np.array(["dedicated", "not learned", "same sign"]), 1.0, 1.0, 2).tolist() == \
        [True, True, False]
    with pytest.raises(ValueError, match="labels"):
        phase.agreement(np.array(["bogus"]), 1.0, 1.0)


def test_train_phase_grid_agrees_with_theory_far_from_boundaries():
    g = phase.make_grid(2, [0.1, 10.0], [1.0, 0.01])
    res = phase.train_phase_grid(g, n_seeds=3, steps=1000, lr=3e-3, seed=0, progress=False)
    assert res.labels.tolist() == [["not learned", "dedicated"], ["superposition", "superposition"]]
    assert res.n_agree == 4 and "4/4" in res.summary()
    assert res.restart_labels.shape == (2, 2, 3)
    assert 0.5 <= res.single_seed_agreement() <= 1.0
    # the trained losses are close to the theoretical optimum
    assert np.all(np.abs(res.loss_sum - res.theory_loss) < 0.2 * res.theory_loss + 1e-3)
    assert res.mismatches() == []
    sub = res.at(9.0, 0.011)                      # nearest grid point: r = 10, 1-S = 0.01
    assert sub.n_instances == 3
    assert float(sub.importance[0, -1]) == 10.0 and float(sub.density[0, 0]) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="p"):
        res.at(1.0, 0.0)


def test_exact_selection_keeps_the_lowest_exact_loss_restart():
    g = phase.make_grid(3, [0.3, 3.0], [0.5, 0.02])
    res = phase.train_phase_grid(g, n_seeds=3, steps=200, lr=5e-3, seed=0, progress=False)
    assert res.exact_loss.shape == (2, 2, 3)
    exact = phase.restart_expected_losses(res.run, g)
    np.testing.assert_allclose(exact.reshape(2, 2, 3), res.exact_loss)
    K = 3
    for k in range(g.n_settings):
        j = int(exact[k].argmin())
        assert torch.equal(res.best.W[k], res.run.W[k * K + j])
        one = phase.expected_loss(res.run.W[k * K + j][None], res.run.b[k * K + j][None], float(g.p[k]),
                                  g.importance()[k], resolution=16)
        assert one[0] == pytest.approx(exact[k, j])
    gaps = res.candidate_gaps()
    assert gaps.shape == (2, 2) and np.isfinite(gaps).all()
    sampled = phase.train_phase_grid(g, n_seeds=3, steps=200, lr=5e-3, seed=0, progress=False,
                                     select="sampled")
    assert sampled.exact_loss is None
    assert torch.equal(sampled.best.W, res.run.best().W)
    with pytest.raises(ValueError, match="select"):
        phase.train_phase_grid(g, n_seeds=1, steps=1, select="best")
    with pytest.raises(ValueError, match="same train_phase_grid"):
        phase.restart_expected_losses(res.run, phase.make_grid(2, [1.0], [0.5]))


def test_mismatch_reasons_use_exact_losses():
    g = phase.make_grid(2, [0.1], [0.1778])
    res = phase.train_phase_grid(g, n_seeds=1, steps=10, seed=0, progress=False)
    res.labels[...] = "superposition"
    res.agrees[...] = False

    def verdict(w, b):
        res.best.W[0] = torch.tensor([w])
        res.best.b[0] = torch.tensor(b)
        return res.mismatches()[0]

    assert verdict([1.0, -1.0], [0.0, 0.0])["why"] == "stuck"                 # symmetric antipodal: worse
    assert verdict([1.0, 0.0], [0.0, 0.0889])["why"] == "near tie"           # the theory's own optimum
    # an unequal antipodal pair a trained model found here: 1.4% below every candidate
    m = verdict([1.02, -0.69], [0.002, 0.056])
    assert m["why"] == "beats candidates" and -0.03 < m["gap"] < -0.01
    with pytest.raises(ValueError, match="PhaseGrid"):
        phase.train_phase_grid("grid")


def test_expected_loss_matches_closed_forms():
    for n in (2, 3):
        for r, p in [(0.3, 0.5), (2.0, 0.1), (0.5, 0.02)]:
            cands = phase.candidate_solutions(p, n)
            Ws = torch.stack([w for w, _ in cands.values()])
            bs = torch.stack([b for _, b in cands.values()])
            imp = np.ones(n)
            imp[-1] = r
            got = phase.expected_loss(Ws, bs, p, imp, resolution=48)
            want = [float(v) for v in phase.candidate_losses(r, p, n).values()]
            np.testing.assert_allclose(got, want, rtol=2e-3)
    with pytest.raises(ValueError, match="n = 4"):
        phase.expected_loss(torch.zeros(1, 2, 5), torch.zeros(1, 5), 0.5, np.ones(5))
    with pytest.raises(ValueError, match="b must"):
        phase.expected_loss(torch.zeros(1, 1, 2), torch.zeros(2), 0.5, np.ones(2))


def test_plots_return_figures():
    g = phase.make_grid(2, [0.1, 10.0], [1.0, 0.01])
    res = phase.train_phase_grid(g, n_seeds=1, steps=50, seed=0, progress=False)
    fig = phase.plot_phase_comparison(res, resolution=20)
    assert len(fig.axes) == 2 and fig.axes[0].get_title().startswith("Theory")
    fig = phase.plot_candidate_losses(1.0, 0.3, 3)
    assert len(fig.axes) == 2 and "superposition" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="p"):
        phase.plot_candidate_losses(1.0, 0.0)


def test_widget_callbacks_change_outputs():
    panel = build_phase_explorer()
    image, text = panel.image.value, panel.readout.value
    assert "superposition" in text  # r = 1, 1-S = 0.3 < 4/7
    panel.controls["density"].value = 1.0
    assert panel.image.value != image and panel.readout.value != text
    assert "'superposition'" not in panel.readout.value  # dense: no superposition at r = 1
    panel.controls["r"].value = 10.0
    assert "'dedicated'" in panel.readout.value
    panel.controls["r"].value = 0.1
    assert "'not learned'" in panel.readout.value
    panel.controls["density"].value = 0.01
    assert "'superposition'" in panel.readout.value
    before = panel.readout.value
    panel.controls["n_features"].value = 3
    assert panel.readout.value != before and "normal pair antipodal" in panel.readout.value
    assert repr(panel) == "<Phase change explorer: interactive widget>"
    with pytest.raises(ValueError, match="n_features"):
        build_phase_explorer(n_features=4)
    with pytest.raises(ValueError, match="density"):
        build_phase_explorer(density=0.001)


def _ref_losses(r, p):
    return theory.phase_losses_2_in_1(r, p)


def test_check_phase_losses_accepts_reference_rejects_missing_bias():
    assert report(checks.check_phase_losses, _ref_losses).startswith("✅ Correct")
    no_bias = lambda r, p: {"not learned": r * p / 3, "dedicated": p / 3 + 0 * r,
                            "superposition": (1 + r) * p**2 / 6}
    msg = report(checks.check_phase_losses, no_bias)
    assert msg.startswith("❌") and "bias" in msg
    wrong_min = lambda r, p: {**_ref_losses(r, p), "superposition": (1 + r) * p**2 / 3}
    assert report(checks.check_phase_losses, wrong_min).startswith("❌")
    assert "dict" in report(checks.check_phase_losses, lambda r, p: 1.0)
    with pytest.raises(ExerciseError):
        checks.check_phase_losses(lambda r, p: {"dedicated": p})


def _ref_classify(W):
    return str(phase.classify(W))


def test_check_classify_accepts_reference_rejects_sign_only_rule():
    assert report(checks.check_classify_phase, _ref_classify).startswith("✅ Correct")
    sign_only = lambda W: "superposition" if float(W[0, 0] * W[0, 1]) < 0 else "not learned"
    assert report(checks.check_classify_phase, sign_only).startswith("❌")
    wrong_order = lambda W: ("dedicated" if abs(float(W[0, 0])) < 0.5 else _ref_classify(W))
    assert report(checks.check_classify_phase, wrong_order).startswith("❌")
    assert "string" in report(checks.check_classify_phase, lambda W: 3)
