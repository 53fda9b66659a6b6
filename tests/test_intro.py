"""Lessons 00 and 01: rotation helpers, JL helpers, widgets and exercise checks."""
import time

import numpy as np
import pytest
import torch

import tmslab
from tmslab import basis, jl
from tmslab.checks import ExerciseError, report
from tmslab.checks import intro as checks
from tmslab.widgets import intro as widgets


# ---------------------------------------------------------------- tmslab.basis

def test_random_rotation_is_a_deterministic_proper_rotation():
    for m in (1, 2, 5, 20):
        R = basis.random_rotation(m, seed=3)
        torch.testing.assert_close(R.T @ R, torch.eye(m, dtype=torch.float64))
        assert float(torch.linalg.det(R)) == pytest.approx(1.0)
        torch.testing.assert_close(R, basis.random_rotation(m, seed=3))
    assert not torch.allclose(basis.random_rotation(4, 0), basis.random_rotation(4, 1))


@pytest.mark.parametrize("kwargs", [{"m": 0}, {"m": 2.5}, {"m": 3, "seed": -1}])
def test_random_rotation_rejects_bad_input(kwargs):
    with pytest.raises(ValueError, match="m|seed"):
        basis.random_rotation(**kwargs)


def test_rotate_hidden_is_R_times_W_and_validates_R():
    W = torch.randn(4, 3, 7, dtype=torch.float64)
    R = basis.random_rotation(3, 0)
    torch.testing.assert_close(basis.rotate_hidden(W, R), R @ W)
    with pytest.raises(ValueError, match="R must be a single"):
        basis.rotate_hidden(W, torch.eye(4))
    with pytest.raises(ValueError, match="orthogonal"):
        basis.rotate_hidden(W, 2 * torch.eye(3))


def test_neuron_purity_and_monosemantic_count():
    W = torch.tensor([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(basis.neuron_purity(W), [1.0, 0.64, 1 / 3, 0.0], atol=1e-6)
    assert int(basis.n_monosemantic(W)) == 1
    assert int(basis.n_monosemantic(W, threshold=0.5)) == 2
    assert basis.neuron_purity(torch.randn(2, 5, 6)).shape == (2, 5)
    with pytest.raises(ValueError, match="threshold"):
        basis.n_monosemantic(W, threshold=0.0)


@pytest.fixture(scope="module")
def tiny_runs():
    kw = dict(n_features=6, n_hidden=3, sparsity=0.5, importance=0.8, steps=300, eval_samples=1024,
              progress=False)
    return {model: tmslab.train(model=model, n_seeds=2, **kw)
            for model in ("linear", "relu_output", "relu_hidden", "abs")}


def test_rotation_leaves_linear_and_relu_output_models_unchanged(tiny_runs):
    for model in ("linear", "relu_output"):
        res = basis.rotation_experiment(tiny_runs[model], seed=1, n_samples=2048)
        torch.testing.assert_close(res.loss_after, res.loss_before, rtol=1e-4, atol=1e-7)
        assert float(res.max_output_change.max()) < 1e-5
        assert res.W_after.shape == tiny_runs[model].W.shape


def test_rotation_changes_models_with_a_hidden_relu(tiny_runs):
    for model in ("relu_hidden", "abs"):
        res = basis.rotation_experiment(tiny_runs[model], seed=1, n_samples=2048)
        assert float(res.max_output_change.min()) > 1e-2
        assert not torch.allclose(res.loss_after, res.loss_before)
    rows = basis.rotation_experiment(tiny_runs["relu_hidden"], seed=1, n_samples=256).rows()
    assert len(rows) == 2 and rows[0]["model"] == "relu_hidden"


def test_rotation_experiment_accepts_an_explicit_R_and_rejects_bad_input(tiny_runs):
    run = tiny_runs["relu_hidden"]
    identity = basis.rotation_experiment(run, R=torch.eye(3), n_samples=512)
    assert float(identity.max_output_change.max()) == 0.0
    with pytest.raises(ValueError, match="run must be"):
        basis.rotation_experiment(run.W)
    with pytest.raises(ValueError, match="R must be"):
        basis.rotation_experiment(run, R=torch.eye(2))
    with pytest.raises(ValueError, match="n_samples"):
        basis.rotation_experiment(run, n_samples=0)


# ---------------------------------------------------------------- tmslab.jl

def test_random_directions_are_unit_rows():
    V = jl.random_directions(50, 8, seed=2)
    assert V.shape == (50, 8)
    torch.testing.assert_close(V.norm(dim=1), torch.ones(50, dtype=torch.float64))
    with pytest.raises(ValueError, match="k"):
        jl.random_directions(0, 8)


def test_pairwise_and_max_abs_cosine():
    assert jl.max_abs_cosine(torch.eye(4)) == pytest.approx(0.0)
    V = torch.tensor([[1.0, 0.0], [0.0, 2.0], [-3.0, -3.0]])
    cos = jl.pairwise_cosines(V)
    assert cos.shape == (3,)
    np.testing.assert_allclose(cos, [0.0, -2**-0.5, -2**-0.5], atol=1e-12)
    assert jl.max_abs_cosine(V) == pytest.approx(2**-0.5)
    assert jl.max_abs_cosine(np.array([[1.0, 1.0], [-2.0, -2.0]])) == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [torch.ones(1, 3), torch.ones(3), torch.tensor([[1.0, 0.0], [0.0, 0.0]]),
                                 torch.tensor([[1.0, float("nan")], [0.0, 1.0]]), "V"])
def test_cosines_reject_bad_input(bad):
    with pytest.raises(ValueError, match="V"):
        jl.pairwise_cosines(bad)


def test_random_directions_get_more_orthogonal_in_higher_dimensions():
    spread = [float(jl.pairwise_cosines(jl.random_directions(100, m)).std()) for m in (4, 64)]
    assert spread[0] > 2 * spread[1]


# ---------------------------------------------------------------- widgets

@pytest.fixture(autouse=True)
def lesson_setup():
    """What every lesson's first cell does: seeds, one torch thread, the course style."""
    tmslab.setup_lesson(seed=0)


def _cpu_seconds_to_set(panel, name, value):
    start = time.process_time()
    panel.controls[name].value = value
    return time.process_time() - start


def test_binomial_pmf():
    np.testing.assert_allclose(widgets.binomial_pmf(3, 0.5), [0.125, 0.375, 0.375, 0.125])
    assert widgets.binomial_pmf(10, 0.2).sum() == pytest.approx(1.0)


def test_sparse_data_explorer_redraws_at_every_extreme():
    panel = widgets.build_sparse_data_explorer()
    assert "Sparse feature explorer" in repr(panel)
    assert panel.readout.value.startswith("S = 0.80")
    for name, value in [("sparsity", widgets.SPARSITY_RANGE[0]), ("n_features", widgets.N_FEATURES_RANGE[1]),
                        ("sparsity", widgets.SPARSITY_RANGE[1]), ("n_features", widgets.N_FEATURES_RANGE[0])]:
        image, readout = panel.image.value, panel.readout.value
        assert _cpu_seconds_to_set(panel, name, value) < 2.0
        assert panel.image.value != image and panel.readout.value != readout
        assert panel.image.value[:4] == b"\x89PNG"
    assert "1 &minus; S = 0.01" in panel.readout.value and "of the 2 features" in panel.readout.value


def test_sparse_data_explorer_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_show"):
        widgets.build_sparse_data_explorer(n_show=0)


def test_jl_explorer_redraws_fast_at_every_extreme():
    panel = widgets.build_jl_explorer()
    assert panel.readout.value.startswith("m = 100, &epsilon; = 0.30")
    seconds = []
    for name, value in [("m", widgets.M_RANGE[1]), ("epsilon", widgets.EPSILON_RANGE[1]),
                        ("m", widgets.M_RANGE[0]), ("epsilon", widgets.EPSILON_RANGE[0]),
                        ("m", widgets.M_RANGE[1])]:
        image, readout = panel.image.value, panel.readout.value
        seconds.append(_cpu_seconds_to_set(panel, name, value))
        assert panel.image.value != image and panel.readout.value != readout
    # CPU time, not wall time, so that other jobs on the machine do not make this flaky
    assert max(seconds) < 1.0, seconds
    assert "Fewer than m" in panel.readout.value          # m = 200, epsilon = 0.05


def test_jl_explorer_reports_a_saturated_count():
    panel = widgets.build_jl_explorer(n_candidates=50)
    panel.controls["m"].value = 200
    panel.controls["epsilon"].value = 0.5
    assert "All 50 candidates were kept" in panel.readout.value


@pytest.mark.parametrize("kwargs", [{"n_candidates": 5}, {"n_candidates": 10**6}, {"n_histogram": 1}])
def test_jl_explorer_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        widgets.build_jl_explorer(**kwargs)


# ---------------------------------------------------------------- checks

def _stub(*args):
    raise NotImplementedError("your code here")


def _unit(V):
    return V / V.norm(dim=1, keepdim=True)


CASES = {
    checks.check_embed: (lambda W, x: W @ x,
                         [(lambda W, x: W * x, "elementwise"),
                          (lambda W, x: W.T @ (W @ x), "reconstruction"),
                          (lambda W, x: x, "shape"),
                          (lambda W, x: 2 * (W @ x), "wrong"),
                          (lambda W, x: W.T @ x, r"W\.T @ x would need")]),
    checks.check_density: (lambda S: 1 - S,
                           [(lambda S: S, "sparsity itself"),
                            (lambda S: 100 * (1 - S), "percentage"),
                            (lambda S: 1 / max(S, 1e-3), "wrong"),
                            (lambda S: S / (1 - S), "odds"),
                            (lambda S: 1 / (1 - S), r"x-axis")]),
    checks.check_rotate: (lambda W, R: R @ W,
                          [(lambda W, R: R.T @ W, "inverse rotation"),
                           (lambda W, R: (R @ W).T, "shape"),
                           (lambda W, R: W, "unchanged"),
                           (lambda W, R: W.copy_(R @ W), "in place"),
                           (lambda W, R: None, "None")]),
    checks.check_relu_hidden_forward: (
        lambda W, b, x: torch.relu(torch.relu(x @ W.T) @ W + b),
        [(lambda W, b, x: torch.relu(x @ W.T @ W + b), "hidden layer"),
         (lambda W, b, x: torch.relu(x @ W.T) @ W + b, "ReLU on the output"),
         (lambda W, b, x: torch.relu(torch.relu(x @ W.T) @ W), "bias"),
         (lambda W, b, x: torch.relu(torch.relu(x @ W.T) @ W) + b, "inside the output ReLU"),
         (lambda W, b, x: torch.relu(W @ x.T), "shape")]),
    checks.check_max_abs_cosine: (
        lambda V: max(abs(float(_unit(V)[a] @ _unit(V)[b]))
                      for a in range(len(V)) for b in range(len(V)) if a != b),
        [(lambda V: float((_unit(V) @ _unit(V).T).abs().max()), "diagonal"),
         (lambda V: float((_unit(V) @ _unit(V).T).fill_diagonal_(-2).max()), "absolute value"),
         (lambda V: float((V @ V.T).fill_diagonal_(0).abs().max()), "divide by the norms"),
         (lambda V: (_unit(V) @ _unit(V).T).abs(), "single number")]),
}


@pytest.mark.parametrize("check", list(CASES), ids=lambda c: c.__name__)
def test_checks_accept_the_reference(check):
    reference, _ = CASES[check]
    assert check(reference).startswith("✅ Correct")
    assert report(check, reference).startswith(("✅", "Correct"))


@pytest.mark.parametrize("check", list(CASES), ids=lambda c: c.__name__)
def test_checks_reject_the_stub_and_plausible_mistakes(check):
    _, wrong_answers = CASES[check]
    assert report(check, _stub).startswith("❌ Not yet: the function still raises NotImplementedError")
    for wrong, hint in wrong_answers:
        with pytest.raises(ExerciseError, match=hint):
            check(wrong)
        assert report(check, wrong).startswith("❌ Not yet")


def test_checks_reject_something_that_is_not_a_function():
    with pytest.raises(ExerciseError, match="function"):
        checks.check_rotate(torch.eye(2))
    with pytest.raises(ExerciseError, match="function"):
        checks.check_embed(3.0)


def test_plot_neuron_weights_draws_one_heatmap_per_matrix_and_validates():
    import matplotlib.pyplot as plt
    Ws = [torch.eye(3, 6), basis.random_rotation(3, 0).float() @ torch.eye(3, 6)]
    fig = basis.plot_neuron_weights(Ws, ["W", "R W"], suptitle="rotation")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:2] == ["W", "R W"] and len(fig.axes) == 3          # two heatmaps + colorbar
    assert fig.axes[0].get_ylabel() == "neuron j" and fig.axes[0].get_xlabel() == "feature i"
    plt.close(fig)
    with pytest.raises(ValueError, match="titles"):
        basis.plot_neuron_weights(Ws, ["only one"])
    with pytest.raises(ValueError, match="single matrices"):
        basis.plot_neuron_weights([torch.zeros(2, 3, 4)], ["batched"])
