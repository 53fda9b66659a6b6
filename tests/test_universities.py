"""Lesson 02 (three universities): the talk's numbers, the measurement helpers, widget and checks."""
import numpy as np
import pytest
import torch

from tmslab import theory
from tmslab import universities as uni
from tmslab.checks import report
from tmslab.checks.universities import check_de_embed, check_interference_matrix, check_relu_readout
from tmslab.widgets.universities import build_universities_panel, plot_readout, readout_table, readouts

W = theory.three_universities_W()


# --- the talk's numbers -------------------------------------------------------------------------

def test_talk_numbers():
    clemson, duke, nc_state = W.T
    np.testing.assert_allclose(clemson, [np.sqrt(3) / 2, 0.5], atol=1e-12)
    np.testing.assert_allclose(duke, [-np.sqrt(3) / 2, 0.5], atol=1e-12)
    np.testing.assert_allclose(nc_state, [0.0, -1.0], atol=1e-12)
    assert theory.projection_coefficient(duke, clemson) == pytest.approx(-0.5)
    h = theory.embed(W, [0.9, 0.9, 0.0])
    np.testing.assert_allclose(h, [0.0, 0.9], atol=1e-12)
    assert float(h @ nc_state) == pytest.approx(-0.9)
    np.testing.assert_allclose(theory.recover(W, h), [0.45, 0.45, -0.9], atol=1e-12)
    expected = np.full((3, 3), -0.5) + 1.5 * np.eye(3)
    np.testing.assert_allclose(W.T @ W, expected, atol=1e-12)


def test_readouts_match_talk_and_relu_filters_lone_feature():
    r = readouts([0.9, 0.9, 0.0], 0.0)
    np.testing.assert_allclose(r["h"], [0.0, 0.9], atol=1e-12)
    np.testing.assert_allclose(r["linear"], [0.45, 0.45, -0.9], atol=1e-12)
    np.testing.assert_allclose(r["relu"], [0.45, 0.45, 0.0], atol=1e-12)
    lone = readouts([0.0, 0.7, 0.0], 0.0)
    np.testing.assert_allclose(lone["linear"], [-0.35, 0.7, -0.35], atol=1e-12)
    np.testing.assert_allclose(lone["relu"], [0.0, 0.7, 0.0], atol=1e-12)
    np.testing.assert_allclose(readouts([0.0, 0.7, 0.0], -0.1)["relu"], [0.0, 0.6, 0.0], atol=1e-12)


# --- measurement helpers ------------------------------------------------------------------------

def test_null_space_is_all_ones_direction():
    z = uni.null_space(W)
    assert z.shape == (3, 1)
    np.testing.assert_allclose(z[:, 0], np.ones(3) / np.sqrt(3), atol=1e-12)
    np.testing.assert_allclose(theory.embed(W, [0.9, 0.9, 0.0]), theory.embed(W, [1.0, 1.0, 0.1]), atol=1e-12)
    assert uni.null_space(torch.eye(2)).shape == (2, 0)


def test_sample_k_active_counts():
    gen = torch.Generator().manual_seed(0)
    x = uni.sample_k_active(5000, 3, 2, generator=gen)
    assert x.shape == (5000, 3)
    assert torch.all((x > 0).sum(dim=1) == 2)
    assert float(x.max()) <= 1.0
    # each feature active 2/3 of the time
    np.testing.assert_allclose((x > 0).float().mean(0), [2 / 3] * 3, atol=0.03)


def test_error_by_active_count_matches_closed_forms():
    lin = uni.error_by_active_count(W, 0.0, ks=(1,), readout="linear", n_samples=100_000)
    relu = uni.error_by_active_count(W, 0.0, ks=(1, 2), n_samples=100_000)
    assert lin[0] == pytest.approx(1 / 18, rel=0.03)
    assert relu[0] == pytest.approx(0.0, abs=1e-12)
    assert relu[1] == pytest.approx(1 / 24, rel=0.03)


def test_error_vs_sparsity_relu_shrinks_and_dedicated_matches_theory():
    S = np.array([0.0, 0.5, 0.9, 0.98])
    relu = uni.error_vs_sparsity(W, 0.0, S, n_samples=100_000) / uni.zero_readout_error(S)
    lin = uni.error_vs_sparsity(W, 0.0, S, readout="linear", n_samples=100_000) / uni.zero_readout_error(S)
    assert np.all(np.diff(relu) < 0)
    assert relu[-1] < 0.05 * relu[0]
    assert lin.min() > 0.45
    W_ded, _ = uni.dedicated_solution(3, 2, 0.0)
    b_ded = np.stack([uni.dedicated_solution(3, 2, s)[1].numpy() for s in S])
    ded = uni.error_vs_sparsity(W_ded, b_ded, S, n_samples=100_000)
    closed = theory.phase_losses_2_in_1(1.0, 1 - S)["dedicated"] / 3
    np.testing.assert_allclose(ded, closed, rtol=0.06)


def test_same_seed_same_samples():
    a = uni.error_vs_sparsity(W, 0.0, [0.7], n_samples=2000, seed=5)
    b = uni.error_vs_sparsity(W, 0.0, [0.7], n_samples=2000, seed=5)
    assert a[0] == b[0]


def test_antipodal_beats_triangle_when_sparse():
    tri = uni.error_vs_sparsity(W, 0.0, [0.9], n_samples=200_000)[0]
    anti = uni.error_vs_sparsity(uni.antipodal_pair_solution(), 0.0, [0.9], n_samples=200_000)[0]
    assert anti < tri
    assert anti == pytest.approx(0.1**2 / 9, rel=0.1)


def test_dedicated_solution_layout():
    Wd, bd = uni.dedicated_solution(5, 2, 0.8)
    np.testing.assert_allclose(Wd, [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]])
    np.testing.assert_allclose(bd, [0, 0, 0.1, 0.1, 0.1])


@pytest.mark.parametrize("call, match", [
    (lambda: uni.null_space(torch.zeros(2, 2, 3)), "single"),
    (lambda: uni.sample_k_active(10, 3, 4), "k must"),
    (lambda: uni.sample_k_active(0, 3, 1), "n_samples"),
    (lambda: uni.reconstruction_error(W, torch.rand(4, 2)), "x must have shape"),
    (lambda: uni.reconstruction_error(W, -torch.rand(4, 3)), "x must lie"),
    (lambda: uni.reconstruction_error(W, torch.rand(4, 3), readout="abs"), "readout"),
    (lambda: uni.reconstruction_error(W, torch.rand(4, 3), b=[0.0, 0.0]), "b must"),
    (lambda: uni.error_vs_sparsity(W, 0.0, [1.5]), "sparsities"),
    (lambda: uni.error_vs_sparsity(W, np.zeros((2, 3)), [0.1, 0.2, 0.3]), "b must"),
    (lambda: uni.error_by_active_count(W, 0.0, ks=(4,)), "ks entry"),
    (lambda: uni.dedicated_solution(2, 3, 0.5), "n_hidden"),
    (lambda: uni.plot_error_vs_density([0.5, 0.1], {}), "curves"),
    (lambda: uni.plot_error_vs_density([0.5, 0.1], {"a": [1.0]}), "shape"),
    (lambda: readouts([0.5, 0.5], 0.0), "3 activations"),
    (lambda: readouts([0.5, 0.5, 1.5], 0.0), "x must lie"),
    (lambda: readouts([0.5, 0.5, 0.5], 0.9), "b must"),
    (lambda: build_universities_panel(clemson=2.0), "clemson"),
    (lambda: build_universities_panel(bias=-2.0), "bias"),
])
def test_inputs_are_validated(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_plot_error_vs_density_returns_figure():
    import matplotlib.pyplot as plt
    fig = uni.plot_error_vs_density([1.0, 0.1], {"a": [0.5, 0.1], "b": [0.3, 0.3]})
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)


# --- widget -------------------------------------------------------------------------------------

def test_plot_readout_has_titles():
    import matplotlib.pyplot as plt
    fig = plot_readout([0.9, 0.9, 0.0], 0.0)
    for ax in fig.axes:
        assert ax.get_title() and ax.get_ylabel()
    plt.close(fig)


def test_readout_table_shows_talk_numbers():
    html = readout_table([0.9, 0.9, 0.0], 0.0)
    assert "(+0.000, +0.900)" in html
    assert "+0.450" in html and "-0.900" in html
    for name in theory.UNIVERSITIES:
        assert name in html


@pytest.mark.parametrize("name, values", [
    ("clemson", [0.0, 1.0, 0.35]),
    ("duke", [0.0, 1.0]),
    ("nc_state", [1.0, 0.0]),
    ("bias", [-1.0, 0.5, -0.1]),
])
def test_widget_callbacks_update_image_and_readout(name, values):
    panel = build_universities_panel()
    assert repr(panel) == "<Three universities in two neurons: interactive widget>"
    for value in values:
        image, readout, redraws = panel.image.value, panel.readout.value, panel.redraws
        panel.controls[name].value = value
        assert panel.redraws == redraws + 1
        assert panel.readout.value != readout
        assert panel.image.value != image
        assert len(panel.image.value) > 1000


def test_widget_extreme_values_do_not_crash():
    panel = build_universities_panel(clemson=0.0, duke=0.0, nc_state=0.0, bias=-1.0)
    assert "(+0.000, +0.000)" in panel.readout.value
    for name in ("clemson", "duke", "nc_state"):
        panel.controls[name].value = 1.0
    panel.controls["bias"].value = 0.5
    # all three at 1: h = 0, every read-out is ReLU(0 + 0.5) = 0.5
    assert "(+0.000, +0.000)" in panel.readout.value
    assert panel.readout.value.count("<td>+0.000</td><td>0.500</td><td>0.500</td>") == 3
    assert panel.controls["bias"].min == -1.0 and panel.controls["bias"].max == 0.5
    assert panel.controls["clemson"].min == 0.0 and panel.controls["clemson"].max == 1.0


# --- exercise checks ----------------------------------------------------------------------------

def _ok(message):
    return message.startswith(("Correct", "✅"))


def test_check_interference_matrix():
    assert _ok(report(check_interference_matrix, lambda W: W.T @ W))
    assert "W W^T (2x2), expected W^T W (3x3)" in report(check_interference_matrix, lambda W: W @ W.T)

    def cosines(W):
        U = W / W.norm(dim=0, keepdim=True)
        return U.T @ U
    assert "normalised" in report(check_interference_matrix, cosines)
    assert "identity" in report(check_interference_matrix, lambda W: W.T @ W - torch.eye(W.shape[1]))
    assert "element-wise" in report(check_interference_matrix, lambda W: W * W)
    assert "Not yet" in report(check_interference_matrix, lambda W: None)
    assert "itself" in report(check_interference_matrix, W.T @ W)


def test_check_de_embed():
    assert _ok(report(check_de_embed, lambda W, h: W.T @ h))
    assert _ok(report(check_de_embed, lambda W, h: h @ W))
    assert _ok(report(check_de_embed, lambda W, h: (W.numpy().T @ h.numpy()).tolist()))
    assert "forgot the transpose" in report(check_de_embed, lambda W, h: W @ h)
    assert "forgot the transpose" in report(check_de_embed, lambda W, h: np.dot(W.numpy(), h.numpy()))
    assert "pseudo-inverse" in report(check_de_embed, lambda W, h: torch.linalg.pinv(W) @ h)
    assert "ReLU" in report(check_de_embed, lambda W, h: torch.relu(W.T @ h))


def test_check_de_embed_catches_transpose_on_square_W():
    # a learner who transposes only when W is wide still fails on the square case
    sneaky = lambda W, h: (W.T @ h) if W.shape[0] != W.shape[1] else (W @ h)
    assert "forgot the transpose" in report(check_de_embed, sneaky)


def test_check_relu_readout():
    assert _ok(report(check_relu_readout, lambda W, h, b: torch.relu(W.T @ h + b)))
    assert "forgot the ReLU" in report(check_relu_readout, lambda W, h, b: W.T @ h + b)
    assert "wrong sign of the bias" in report(check_relu_readout, lambda W, h, b: torch.relu(W.T @ h - b))
    assert "inside the ReLU" in report(check_relu_readout, lambda W, h, b: torch.relu(W.T @ h) + b)
    assert "add the bias" in report(check_relu_readout, lambda W, h, b: torch.relu(W.T @ h))


def test_checks_do_not_let_learner_mutate_cases():
    def mutating(W, h):
        out = W.T @ h
        W.zero_()
        return out
    assert _ok(report(check_de_embed, mutating))
    assert _ok(report(check_de_embed, lambda W, h: W.T @ h))
