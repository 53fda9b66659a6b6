"""Sparse autoencoders (lesson 09): maths against autograd, recovery, dead latents, widget, checks."""
import matplotlib.pyplot as plt
import pytest
import torch

from tmslab import sae
from tmslab.checks import report
from tmslab.checks import sae as checks
from tmslab.sae_plots import latent_order, plot_cosine_matrix, plot_sae_sweep
from tmslab.widgets.sae import build_sae_explorer


def _params(L=3, d=6, m=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    W_dec = torch.randn(L, m, d, generator=g)
    return {"W_enc": torch.randn(L, d, m, generator=g), "b_enc": 0.3 * torch.randn(L, d, generator=g),
            "W_dec": W_dec / W_dec.norm(dim=1, keepdim=True), "b_dec": 0.2 * torch.randn(L, m, generator=g)}


def _sparse_data(directions, n_samples, density, seed):
    """Activations h = sum_i a_i D_i with a_i ~ U[0,1] on with probability `density`."""
    g = torch.Generator().manual_seed(seed)
    n = directions.shape[1]
    a = torch.rand(n_samples, n, generator=g) * (torch.rand(n_samples, n, generator=g) < density)
    return a @ directions.T


# --------------------------------------------------------------------------- maths
def test_gradients_and_loss_match_autograd():
    params = _params()
    h = torch.rand(32, 4, generator=torch.Generator().manual_seed(1))
    lam = torch.tensor([0.0, 0.1, 1.0])
    grads, total = sae.gradients(h, {k: v.clone() for k, v in params.items()}, lam)
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    c, h_hat = sae.forward(h, leaves["W_enc"], leaves["b_enc"], leaves["W_dec"], leaves["b_dec"])
    direct = ((h[:, None] - h_hat) ** 2).sum(-1).mean(0) + lam * c.abs().sum(-1).mean(0)
    assert torch.allclose(total, direct.detach(), atol=1e-6)
    assert torch.allclose(sae.sae_loss(h, h_hat, c, lam)["total"], direct, atol=1e-6)
    direct.sum().backward()
    for name, leaf in leaves.items():
        assert torch.allclose(grads[name], leaf.grad, atol=1e-5), name


def test_forward_is_the_stated_formula():
    p = _params(L=1)
    h = torch.rand(5, 4)
    c, h_hat = sae.forward(h, p["W_enc"], p["b_enc"], p["W_dec"], p["b_dec"])
    c0 = torch.relu((h - p["b_dec"][0]) @ p["W_enc"][0].T + p["b_enc"][0])
    assert torch.allclose(c[:, 0], c0, atol=1e-6)
    assert torch.allclose(h_hat[:, 0], c0 @ p["W_dec"][0].T + p["b_dec"][0], atol=1e-6)
    assert (c >= 0).all()


def test_training_is_deterministic_and_keeps_unit_decoder_columns():
    h = torch.rand(2000, 4, generator=torch.Generator().manual_seed(2))
    cfg = sae.SAEConfig(n_latents=8, l1_coeffs=[0.01, 0.1], steps=60, batch_size=64, log_every=20)
    a, b = sae.train_sae(h, cfg), sae.train_sae(h, cfg)
    for name in ("W_enc", "b_enc", "W_dec", "b_dec"):
        assert torch.equal(getattr(a, name), getattr(b, name))
    assert torch.allclose(a.W_dec.norm(dim=1), torch.ones(2, 8), atol=1e-5)
    assert a.loss_history.shape == (3, 2) and a.history_steps.tolist() == [20, 40, 60]
    # continuing from a trained SAE starts from its weights
    c = sae.train_sae(h, sae.SAEConfig(n_latents=8, l1_coeffs=[0.01, 0.1], steps=0), init=a)
    assert torch.equal(c.W_enc, a.W_enc)


def test_sae_recovers_orthogonal_and_overcomplete_directions():
    g = torch.Generator().manual_seed(3)
    ortho = torch.linalg.qr(torch.randn(6, 6, generator=g))[0]            # 6 orthonormal directions
    over = torch.randn(8, 16, generator=g)
    over = over / over.norm(dim=0)                  # 16 directions in 8 dims, pairwise cos up to 0.85
    for D, density, lams in ((ortho, 0.2, [0.05, 0.15]), (over, 0.08, [0.1, 0.5])):
        h = _sparse_data(D, 20_000, density, seed=4)
        cfg = sae.SAEConfig(n_latents=D.shape[1] * 2, l1_coeffs=lams, steps=1500, batch_size=256)
        model = sae.train_sae(h, cfg)
        mmcs = sae.mmcs(D, model.W_dec)
        assert mmcs.max() > 0.9, mmcs
        assert sae.recovered_fraction(D, model.W_dec, 0.9).max() >= 0.9
    # a random dictionary of the same size does much worse in 8 dimensions
    rand = torch.randn(8, 32, generator=g)
    assert sae.mmcs(over, rand) < 0.8


def test_toy_activations_are_W_x():
    W = torch.randn(3, 5)
    h, x = sae.toy_activations(W, 0.8, 100, seed=1)
    assert h.shape == (100, 3) and x.shape == (100, 5)
    assert torch.allclose(h, x @ W.T, atol=1e-6)
    h2, _ = sae.toy_activations(W, [0.8] * 5, 100, seed=1)
    assert torch.equal(h, h2)
    with pytest.raises(ValueError, match="sparsity"):
        sae.toy_activations(W, [0.5, 0.5], 10)
    with pytest.raises(ValueError, match="n_samples"):
        sae.toy_activations(W, 0.5, 0)


# --------------------------------------------------------------------------- metrics
def test_metrics_on_hand_built_cases():
    F = torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])                  # 3rd feature unlearned
    D = torch.tensor([[3.0, 0.0, 0.6], [0.0, -1.0, 0.8]])                # atom 2 = -W_1 direction
    best = sae.max_cosines(F, D)
    assert torch.allclose(best, torch.tensor([1.0, 0.8, 0.0]), atol=1e-6)  # signed: -W_1 does not count
    assert sae.mmcs(F, D, which=[True, True, False]).item() == pytest.approx(0.9, abs=1e-6)
    assert sae.recovered_fraction(F, D, 0.9).item() == pytest.approx(1 / 3)
    codes = torch.tensor([[0.0, 1.0, 0.0, 0.0], [0.0, 2.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]])
    assert sae.l0(codes).item() == pytest.approx(1.0)
    assert sae.dead_latents(codes).tolist() == [True, False, False, True]
    batched = torch.stack([codes, codes[:, [1, 0, 2, 3]]], dim=1)        # (N, L=2, d)
    assert sae.dead_latents(batched).tolist() == [[True, False, False, True], [False, True, False, True]]


def test_input_validation_names_the_argument():
    h = torch.rand(10, 3)
    with pytest.raises(ValueError, match="n_latents"):
        sae.SAEConfig(n_latents=0)
    with pytest.raises(ValueError, match="l1_coeffs"):
        sae.SAEConfig(l1_coeffs=[-0.1])
    with pytest.raises(ValueError, match="lr"):
        sae.SAEConfig(lr=0.0)
    with pytest.raises(ValueError, match="steps"):
        sae.SAEConfig(steps=-1)
    with pytest.raises(ValueError, match="activations"):
        sae.train_sae(torch.rand(10), sae.SAEConfig())
    with pytest.raises(ValueError, match="activations"):
        sae.train_sae(torch.tensor([[0.0, float("nan")]]), sae.SAEConfig())
    with pytest.raises(ValueError, match="config"):
        sae.train_sae(h, {"n_latents": 4})
    with pytest.raises(ValueError, match="init"):
        sae.train_sae(h, sae.SAEConfig(n_latents=4), init=sae.init_sae(h, 5, 1))
    with pytest.raises(ValueError, match="threshold"):
        sae.recovered_fraction(torch.eye(2), torch.eye(2), threshold=1.5)
    with pytest.raises(ValueError, match="same m-dimensional"):
        sae.mmcs(torch.eye(2), torch.eye(3))
    with pytest.raises(ValueError, match="codes"):
        sae.dead_latents(torch.zeros(4))
    p = _params(L=2, d=5, m=3)
    with pytest.raises(ValueError, match="b_dec"):
        sae.forward(h, p["W_enc"], p["b_enc"], p["W_dec"], p["b_dec"][:, :2])
    with pytest.raises(ValueError, match="activations"):
        sae.forward(torch.rand(10, 4), p["W_enc"], p["b_enc"], p["W_dec"], p["b_dec"])
    with pytest.raises(ValueError, match="l1_coeffs"):
        sae.gradients(h, p, torch.tensor([0.1]))
    with pytest.raises(ValueError, match="params"):
        sae.gradients(h, {"W_enc": p["W_enc"]}, torch.tensor([0.1, 0.1]))
    c, h_hat = sae.forward(h, p["W_enc"], p["b_enc"], p["W_dec"], p["b_dec"])
    with pytest.raises(ValueError, match="h_hat"):
        sae.sae_loss(h, h_hat[:5], c, [0.1, 0.1])
    with pytest.raises(ValueError, match="l1_coeffs"):
        sae.sae_loss(h, h_hat, c, [-0.1, 0.1])
    with pytest.raises(ValueError, match="encoder_scale"):
        sae.resample_dead(sae.init_sae(h, 4, 1), h, encoder_scale=0.0)


# --------------------------------------------------------------------------- dead latents
def test_resampling_revives_exactly_the_dead_latents():
    g = torch.Generator().manual_seed(5)
    D = torch.randn(5, 8, generator=g)
    h = _sparse_data(D / D.norm(dim=0), 4000, 0.2, seed=6)
    model = sae.init_sae(h, 10, 2, seed=1)
    model.b_enc[0, [1, 4]] = -100.0                                       # instance 0: two dead
    model.b_enc[1, 7] = -100.0                                            # instance 1: one dead
    before = sae.dead_latents(model.encode(h))
    assert before.sum(-1).tolist() == [2, 1]
    new, n_dead = sae.resample_dead(model, h, seed=0)
    assert n_dead.tolist() == [2, 1]
    assert sae.dead_latents(new.encode(h)).sum().item() == 0
    assert torch.allclose(new.W_dec.norm(dim=1), torch.ones(2, 10), atol=1e-5)
    alive = ~before
    assert torch.equal(new.W_enc[alive], model.W_enc[alive])             # alive latents untouched
    assert torch.equal(new.W_dec.transpose(1, 2)[alive], model.W_dec.transpose(1, 2)[alive])
    again, n_again = sae.resample_dead(new, h, seed=0)
    assert n_again.tolist() == [0, 0] and torch.equal(again.W_enc, new.W_enc)


def test_concat_and_select():
    h = torch.rand(50, 3)
    a, b = sae.init_sae(h, 4, 2, seed=0), sae.init_sae(h, 4, 1, seed=1)
    both = sae.concat([a, b])
    assert both.n_instances == 3 and torch.equal(both.select(2).W_dec, b.W_dec)
    with pytest.raises(ValueError, match="n_latents"):
        sae.concat([a, sae.init_sae(h, 5, 1)])


# --------------------------------------------------------------------------- plots and widget
@pytest.fixture(scope="module")
def small_sweep():
    g = torch.Generator().manual_seed(7)
    W = torch.randn(4, 8, generator=g)
    h, _ = sae.toy_activations(W, 0.85, 3000, seed=2)
    cfg = sae.SAEConfig(n_latents=8, l1_coeffs=[0.01, 0.1, 3.0], steps=100, batch_size=128)
    return W, h, sae.train_sae(h, cfg)


def test_plots_return_figures(small_sweep):
    W, h, model = small_sweep
    ev = model.evaluate(h)
    dead = sae.dead_latents(model.encode(h))
    fig = plot_cosine_matrix(W, model.W_dec[2], dead=dead[2])
    assert fig.axes[0].get_title() and fig.axes[0].get_xlabel()
    plt.close(fig)
    mm = sae.mmcs(W, model.W_dec)
    fig = plot_sae_sweep(model.l1_coeffs, ev["l0"], ev["fvu"], mm, sae.recovered_fraction(W, model.W_dec),
                         true_l0=1.2, baselines={"random": 0.5})
    assert len(fig.axes) >= 2
    plt.close(fig)
    order = latent_order(torch.tensor([[0.9, 0.1, 0.2], [0.0, 0.95, 0.99]]), dead=[False, False, True])
    assert order.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="recovered"):
        plot_sae_sweep([0.1], [1.0], [0.1], [0.5], [1.5])
    with pytest.raises(ValueError, match="dead"):
        latent_order(torch.zeros(2, 3), dead=[True])


def test_widget_callbacks(small_sweep):
    W, h, model = small_sweep
    panel = build_sae_explorer(W, model, h, true_l0=1.2)
    assert "SAE explorer" in repr(panel)
    image, readout = panel.image.value, panel.readout.value
    assert "MMCS" in readout and "dead latents" in readout
    panel.controls["l1"].value = 3.0                                       # extreme: largest lambda
    assert panel.image.value != image and panel.readout.value != readout
    assert "3" in panel.readout.value
    panel.controls["l1"].value = 0.01                                      # extreme: smallest lambda
    before = panel.readout.value
    panel.controls["threshold"].value = 0.99                                # extreme thresholds
    assert "0.99" in panel.readout.value and panel.readout.value != before
    panel.controls["threshold"].value = 0.5
    assert "0.50" in panel.readout.value
    with pytest.raises(ValueError, match="features"):
        build_sae_explorer(torch.randn(3, 8), model, h)
    with pytest.raises(ValueError, match="threshold"):
        build_sae_explorer(W, model, h, threshold=1.0)


# --------------------------------------------------------------------------- exercise checks
def _ref_forward(h, W_enc, b_enc, W_dec, b_dec, l1_coeff):
    c = torch.relu((h - b_dec) @ W_enc.T + b_enc)
    h_hat = c @ W_dec.T + b_dec
    loss = ((h - h_hat) ** 2).sum(-1).mean() + l1_coeff * c.sum(-1).mean()
    return c, h_hat, loss


def _no_b_dec(h, W_enc, b_enc, W_dec, b_dec, l1_coeff):
    c = torch.relu(h @ W_enc.T + b_enc)
    h_hat = c @ W_dec.T + b_dec
    return c, h_hat, ((h - h_hat) ** 2).sum(-1).mean() + l1_coeff * c.sum(-1).mean()


def _mean_not_sum(h, W_enc, b_enc, W_dec, b_dec, l1_coeff):
    c, h_hat, _ = _ref_forward(h, W_enc, b_enc, W_dec, b_dec, l1_coeff)
    return c, h_hat, ((h - h_hat) ** 2).mean() + l1_coeff * c.mean()


def _stub(*args):
    raise NotImplementedError("your code here")


def test_check_sae_forward():
    assert report(checks.check_sae_forward, _ref_forward).startswith("✅ Correct")
    for wrong in (_no_b_dec, _mean_not_sum):
        assert report(checks.check_sae_forward, wrong).startswith("❌")
    assert "NotImplementedError" in report(checks.check_sae_forward, _stub)


def _ref_recovery(features, dictionary, threshold):
    F = features / features.norm(dim=0, keepdim=True)
    D = dictionary / dictionary.norm(dim=0, keepdim=True)
    best = (F.T @ D).max(dim=1).values
    return best.mean().item(), (best > threshold).float().mean().item()


def _abs_recovery(features, dictionary, threshold):
    F = features / features.norm(dim=0, keepdim=True)
    D = dictionary / dictionary.norm(dim=0, keepdim=True)
    best = (F.T @ D).abs().max(dim=1).values
    return best.mean().item(), (best > threshold).float().mean().item()


def _unnormalised_recovery(features, dictionary, threshold):
    F = features / features.norm(dim=0, keepdim=True)
    best = (F.T @ dictionary).max(dim=1).values
    return best.mean().item(), (best > threshold).float().mean().item()


def test_check_recovery():
    assert report(checks.check_recovery, _ref_recovery).startswith("✅ Correct")
    for wrong in (_abs_recovery, _unnormalised_recovery):
        assert report(checks.check_recovery, wrong).startswith("❌")


def test_check_find_dead():
    assert report(checks.check_find_dead, lambda codes: (codes > 0).sum(0) == 0).startswith("✅ Correct")
    assert report(checks.check_find_dead, lambda codes: codes.mean(0) < 1e-3).startswith("❌")
    assert report(checks.check_find_dead, lambda codes: (codes > 0).sum(1) == 0).startswith("❌")
