"""Lessons 03-04: sweep widgets, 2-D geometry names, sweep summaries and the exercise checks."""
import math

import pytest
import torch

import tmslab
from tmslab import geometry2d, sweeps
from tmslab.checks import report
from tmslab.checks.sweeps import check_count_represented, check_superposition
from tmslab.widgets.sweeps import build_model_panel, build_restart_panel, build_sweep_panel


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def runs_20_5():
    kw = dict(importance=0.7, sparsity=[0.0, 0.9, 0.999], steps=300, progress=False)
    return {"linear": tmslab.train(20, 5, model="linear", **kw),
            "relu_output": tmslab.train(20, 5, model="relu_output", **kw)}


@pytest.fixture(scope="module")
def run_5_2():
    return tmslab.train(5, 2, sparsity=[0.0, 0.9], importance=0.9, n_seeds=3, steps=300, progress=False)


def polygon(k, radius=1.0, offset=0.0):
    a = offset + torch.arange(k, dtype=torch.float64) * 2 * math.pi / k
    return radius * torch.stack([torch.cos(a), torch.sin(a)])


# ----------------------------------------------------------------------------- widgets

def test_model_panel_redraws_on_every_control(runs_20_5):
    panel = build_model_panel(runs_20_5)
    assert "linear model, 1-S = 1" in panel.readout.value
    image, readout = panel.image.value, panel.readout.value
    panel.controls["model"].value = "relu_output"
    assert panel.image.value != image and panel.readout.value != readout
    assert "ReLU output model" in panel.readout.value
    for setting in (2, 0, 1):                      # extreme values of the slider both ways
        image = panel.image.value
        panel.controls["setting"].value = setting
        assert panel.image.value != image
    assert panel.redraws == 5
    assert "interactive widget" in repr(panel)


def test_model_panel_rejects_bad_runs(runs_20_5):
    with pytest.raises(ValueError, match="runs"):
        build_model_panel({})
    with pytest.raises(ValueError, match="Run"):
        build_model_panel({"linear": "not a run"})
    other = tmslab.train(20, 5, model="linear", sparsity=[0.0, 0.5, 0.9], importance=0.7, steps=5,
                         progress=False)
    with pytest.raises(ValueError, match="same sparsities"):
        build_model_panel({"linear": other, "relu_output": runs_20_5["relu_output"]})
    several = tmslab.train(20, 5, sparsity=0.0, n_seeds=2, steps=5, progress=False)
    with pytest.raises(ValueError, match="best"):
        build_model_panel({"relu_output": several})


def test_sweep_panel_slider_extremes(runs_20_5):
    panel = build_sweep_panel(runs_20_5["relu_output"])
    assert "1-S = 1</b>" in panel.readout.value
    options = [value for _, value in panel.controls["setting"].options]
    assert options == [0, 1, 2]
    panel.controls["setting"].value = options[-1]
    assert "1-S = 0.001" in panel.readout.value
    image = panel.image.value
    panel.controls["setting"].value = options[0]
    assert panel.image.value != image
    assert "features represented" in panel.readout.value


def test_sweep_panel_needs_one_instance_per_setting(run_5_2):
    with pytest.raises(ValueError, match="best"):
        build_sweep_panel(run_5_2)
    build_sweep_panel(run_5_2.best())


def test_restart_panel_browses_every_restart(run_5_2):
    panel = build_restart_panel(run_5_2)
    assert "restart 0" in panel.readout.value and "rank" in panel.readout.value
    seen = set()
    for setting in (0, 1):
        panel.controls["setting"].value = setting
        for r in (2, 0, 1):
            panel.controls["restart"].value = r
            seen.add(panel.image.value)
            assert f"restart {r}:" in panel.readout.value
    assert len(seen) >= 4
    losses = run_5_2.restart_losses()[1]
    panel.controls["restart"].value = int(losses.argmin())
    assert "best-of-K winner" in panel.readout.value


def test_restart_panel_needs_two_dimensions(runs_20_5):
    with pytest.raises(ValueError, match="n_hidden = 2"):
        build_restart_panel(runs_20_5["linear"])


# ----------------------------------------------------------------------------- geometry2d

def test_classify_the_three_paper_geometries():
    ortho = torch.tensor([[1.0, 0.0, 0.01, 0.0, 0.0], [0.0, 1.0, 0.0, 0.02, 0.0]])
    g = geometry2d.classify_2d(ortho)
    assert g.matches("orthogonal", (0, 1)) and g.label() == "orthogonal {0,1}"
    pairs = torch.tensor([[1.0, 0.0, 0.0, -1.0, 0.0], [0.0, 1.0, -1.0, 0.0, 0.01]])
    g = geometry2d.classify_2d(pairs)
    assert g.kind == "antipodal pairs" and g.pairs == ((0, 3), (1, 2))
    assert g.matches(*geometry2d.PAPER_GEOMETRY[0.8])
    assert g.label() == "antipodal pairs (0,3)(1,2)"
    g = geometry2d.classify_2d(polygon(5, 1.1, 0.3))
    assert g.matches(*geometry2d.PAPER_GEOMETRY[0.9])


def test_classify_rejects_near_misses():
    # two features at 60 degrees are not orthogonal
    assert geometry2d.classify_2d(polygon(6)[:, :2]).kind == "other"
    # a square: four features but the pairs are (0,2),(1,3) at right angles -> antipodal pairs
    assert geometry2d.classify_2d(polygon(4)).kind == "antipodal pairs"
    # four features in a pentagon-like fan are not pairs
    assert geometry2d.classify_2d(polygon(5)[:, :4]).kind == "other"
    # a hexagon of five features (one gap of 120 degrees) is not a pentagon
    assert geometry2d.classify_2d(polygon(6)[:, :5]).kind == "other"
    # pairs that are not orthogonal to each other
    skew = torch.tensor([[1.0, -1.0, 0.8, -0.8], [0.0, 0.0, 0.6, -0.6]])
    assert geometry2d.classify_2d(skew).kind == "other"
    # the wrong four features: antipodal pairs but not the paper's embedded set
    wrong = torch.tensor([[1.0, 0.0, 0.0, 0.0, -1.0], [0.0, 1.0, -1.0, 0.0, 0.0]])
    g = geometry2d.classify_2d(wrong)
    assert g.kind == "other" or not g.matches(*geometry2d.PAPER_GEOMETRY[0.8])


def test_classify_many_and_restart_outcomes():
    W = torch.stack([polygon(5).float(), torch.tensor([[1.0, 0, 0, -1, 0], [0, 1.0, -1, 0, 0]]),
                     polygon(5).float()])
    assert [g.kind for g in geometry2d.classify_many(W)] == ["pentagon", "antipodal pairs", "pentagon"]
    rows = geometry2d.restart_outcomes(W, [0.3, 0.1, 0.2])
    assert rows[0] == ("antipodal pairs (0,3)(1,2)", 1, pytest.approx(0.1))
    assert rows[1][:2] == ("pentagon {0,1,2,3,4}", 2) and rows[1][2] == pytest.approx(0.2)


@pytest.mark.parametrize("call", [
    lambda: geometry2d.classify_2d(torch.randn(3, 5)),
    lambda: geometry2d.classify_2d(torch.randn(2, 2, 5)),
    lambda: geometry2d.classify_2d(torch.randn(2, 5), norm_threshold=0),
    lambda: geometry2d.classify_2d(torch.randn(2, 5), antipodal_cos=0.0),
    lambda: geometry2d.classify_2d(torch.randn(2, 5), gap_tol_deg=100),
    lambda: geometry2d.classify_many(torch.randn(2, 5)),
    lambda: geometry2d.restart_outcomes(torch.randn(3, 2, 5), [0.1, 0.2]),
    lambda: geometry2d.restart_outcomes(torch.randn(2, 2, 5), [0.1, float("nan")]),
])
def test_geometry_rejects_bad_input(call):
    with pytest.raises(ValueError):
        call()


# ----------------------------------------------------------------------------- sweeps

def test_linear_checks_pass_for_the_ideal_solution_and_fail_otherwise():
    W = torch.zeros(5, 20)
    W[:, :5] = torch.linalg.qr(torch.randn(5, 5))[0]
    b = torch.full((20,), 0.15)
    b[:5] = 0.0
    c = sweeps.linear_checks(W, b, density=0.3)
    assert all(c["passed"].values()) and c["identity"] < 1e-5
    c = sweeps.linear_checks(W, b, density=1.0)           # bias should be 0.5 there
    assert not c["passed"]["bias_other"] and c["bias_other"] == pytest.approx(0.35)
    W2 = W.clone()
    W2[:, 7] = W[:, 0]                                     # a sixth feature sharing a direction
    c = sweeps.linear_checks(W2, b, density=0.3)
    assert not c["passed"]["other_norm"]


def test_solution_gap_ignores_rotations():
    W = torch.randn(5, 20, dtype=torch.float64)
    R = torch.linalg.qr(torch.randn(5, 5, dtype=torch.float64))[0]
    b = torch.randn(20, dtype=torch.float64)
    gap_W, gap_b = sweeps.solution_gap(R @ W, b, W, b)
    assert gap_W < 1e-9 and gap_b == 0.0
    with pytest.raises(ValueError, match="same number of features"):
        sweeps.solution_gap(W, b, W[:, :3], b[:3])


def test_instance_summary_counts():
    W = torch.tensor([[1.0, -1.0, 0.0, 0.1], [0.0, 0.0, 1.2, 0.0]])
    b = torch.tensor([0.0, 0.0, -0.2, 0.05])
    info = sweeps.instance_summary(W, b, density=0.1)
    assert info["n_represented"] == 3 and info["n_superposed"] == 2
    assert info["max_norm"] == pytest.approx(1.2)
    assert info["mean_bias_represented"] == pytest.approx(-0.2 / 3)
    assert info["max_bias_gap_unlearned"] == pytest.approx(0.0)
    assert math.isnan(sweeps.instance_summary(W[:, :3], b[:3], 0.1)["max_bias_gap_unlearned"])


@pytest.mark.parametrize("call", [
    lambda: sweeps.linear_checks(torch.randn(5, 20), torch.zeros(19), 0.5),
    lambda: sweeps.linear_checks(torch.randn(5, 20), torch.zeros(20), 1.5),
    lambda: sweeps.linear_checks(torch.randn(5, 20), torch.zeros(20), 0.5, n_top=0),
    lambda: sweeps.instance_summary(torch.randn(2, 5, 20), torch.zeros(20), 0.5),
    lambda: sweeps.instance_summary(torch.randn(5, 20), torch.full((20,), float("nan")), 0.5),
])
def test_sweeps_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_reference_tables_cover_the_sweep():
    assert tuple(sweeps.REFERENCE_E2_RELU) == sweeps.DENSITIES
    assert set(sweeps.REFERENCE_E1) == set(geometry2d.PAPER_GEOMETRY)


# ----------------------------------------------------------------------------- exercise checks

def reference_superposition(W):
    unit = W / W.norm(dim=0, keepdim=True).clamp_min(1e-6)
    sq = (unit.T @ W) ** 2
    return sq.sum(1) - sq.diagonal()


def test_superposition_check_accepts_reference():
    assert report(check_superposition, reference_superposition).startswith("✅ Correct")


def _unit(W):
    return W / W.norm(dim=0, keepdim=True).clamp_min(1e-6)


@pytest.mark.parametrize("wrong, phrase", [
    (lambda W: ((_unit(W).T @ W) ** 2).sum(1), "j = i"),
    (lambda W: ((W.T @ W) ** 2).sum(1) - W.norm(dim=0) ** 4, "did not normalise"),
    (lambda W: ((_unit(W).T @ _unit(W)) ** 2).sum(1) - (W.norm(dim=0) > 1e-6).float(), "normalised W_j"),
    (lambda W: (_unit(W).T @ W).sum(1) - W.norm(dim=0), "square"),
    (lambda W: torch.sqrt(reference_superposition(W)), "square root"),
    (lambda W: reference_superposition(W.T.contiguous()), "hidden dimension"),
    (lambda W: reference_superposition(W) * 2, "for feature"),
    (lambda W: (((W / W.norm(dim=1, keepdim=True)).T @ W) ** 2 * (1 - torch.eye(W.shape[1]))).sum(1),
     "rows of W"),
])
def test_superposition_check_names_the_mistake(wrong, phrase):
    message = report(check_superposition, wrong)
    assert message.startswith("❌ Not yet"), message
    assert phrase in message, message


def test_superposition_check_catches_nan_for_unlearned_feature():
    def no_guard(W):
        unit = W / W.norm(dim=0, keepdim=True)
        sq = (unit.T @ W) ** 2
        return sq.sum(1) - sq.diagonal()
    assert "NaN" in report(check_superposition, no_guard)


def test_count_check_accepts_reference():
    ok = lambda W, threshold=0.5: int((W.norm(dim=0) > threshold).sum())
    assert report(check_count_represented, ok).startswith("✅ Correct")


@pytest.mark.parametrize("wrong, phrase", [
    (lambda W, threshold=0.5: int((W.norm(dim=1) > threshold).sum()), "rows"),
    (lambda W, threshold=0.5: int((W.norm(dim=0) ** 2 > threshold).sum()), "||W_i||^2"),
    (lambda W, threshold=0.5: round(float((W**2).sum())), "||W||_F^2"),
    (lambda W, threshold=0.5: int((W.norm(dim=0) > 0.5).sum()), "threshold argument"),
    (lambda W, threshold=0.5: W.norm(dim=0) > threshold, "one number"),
    (lambda W, threshold=0.5: int((W.norm(dim=0) > threshold).sum()) + 1, "the answer is"),
    (lambda W, threshold=0.5: int((W.abs().amax(dim=0) > threshold).sum()), "largest entry"),
    (lambda W, threshold=0.5: int((W.norm(dim=0) <= threshold).sum()), "NOT represented"),
])
def test_count_check_names_the_mistake(wrong, phrase):
    message = report(check_count_represented, wrong)
    assert message.startswith("❌ Not yet"), message
    assert phrase in message, message
