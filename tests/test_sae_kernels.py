"""The compiled SAE trainer (tmslab.sae_kernels): gradients against autograd for every family,
Adam against torch.optim.Adam, recovery of planted dictionaries, and the same bits across
instruction sets, compile caches, thread counts and batch neighbours."""
from __future__ import annotations

import textwrap

import numba
import numpy as np
import pytest
import torch

from tmslab import sae
from tmslab import sae_kernels as K
from tmslab import sae_variants as V

from cpu_builds import cpu_builds, output, spawn

FAMILY_CASES = [  # (kind, lam, k, prefixes, aux_k)
    ("l1", 0.1, 0, None, 0),
    ("l1_decoder_norm", 0.2, 0, None, 0),
    ("topk", 0.0, 3, None, 0),
    ("topk", 0.0, 3, None, 2),
    ("jumprelu", 0.3, 0, None, 0),
    ("l1", 0.1, 0, (4, 8, 12), 0),
    ("topk", 0.0, 4, (3, 12), 0),
    ("jumprelu", 0.3, 0, (2, 12), 0),
]


def _random_params(d, m, seed, unit=True):
    rng = np.random.default_rng(seed)
    We = (0.5 * rng.standard_normal((d, m))).astype(np.float32)
    be = (0.1 * rng.standard_normal(d)).astype(np.float32)
    Wd = rng.standard_normal((m, d)).astype(np.float32)
    if unit:
        Wd /= np.linalg.norm(Wd, axis=0)
    bd = (0.1 * rng.standard_normal(m)).astype(np.float32)
    th = (0.3 * rng.random(d)).astype(np.float32)
    return We, be, Wd, bd, th


def _flat(We, be, Wd, bd, th):
    return np.concatenate([We.ravel(), be, Wd.T.ravel(), bd, th]).astype(np.float32)


@pytest.mark.parametrize("kind, lam, k, prefixes, aux_k", FAMILY_CASES)
def test_kernel_gradients_match_autograd(kind, lam, k, prefixes, aux_k):
    d, m, B = 12, 5, 32
    rng = np.random.default_rng(1)
    H = rng.random((B, m)).astype(np.float32)
    params = _random_params(d, m, seed=hash(kind) % 1000 + 7 * k, unit=kind != "l1_decoder_norm")
    P = _flat(*params)[None].copy()
    grads = np.zeros_like(P)
    dead = np.zeros((1, d), bool)
    dead[0, [1, 5, 7, 9]] = True
    ends = np.array(prefixes or (d,), np.int64)
    losses = np.zeros((1, 3))
    bandwidth = 0.2
    K.gradients(H, np.arange(B), P, grads, d, m, K.KINDS[kind], np.array([lam], np.float32),
                np.array([k], np.int64), ends, bandwidth, dead, aux_k, 1 / 32, losses)
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in params]
    out = V.loss(torch.tensor(H, dtype=torch.float64), *leaves[:4], kind=kind, lam=lam, k=k, theta=leaves[4],
                 bandwidth=bandwidth, prefixes=prefixes, dead=torch.tensor(dead[0]), aux_k=aux_k,
                 aux_coeff=1 / 32)
    out["total"].backward()
    g_theta = leaves[4].grad.numpy() if (kind == "jumprelu" and leaves[4].grad is not None) else np.zeros(d)
    ref = _flat(leaves[0].grad.numpy(), leaves[1].grad.numpy(), leaves[2].grad.numpy(), leaves[3].grad.numpy(),
                g_theta)
    np.testing.assert_allclose(grads[0], ref, rtol=1e-4, atol=1e-5 * np.abs(ref).max())
    np.testing.assert_allclose(losses[0], [out["rec"].item(), out["penalty"].item(), out["aux"].item()],
                               rtol=1e-5)
    if kind == "jumprelu":
        assert np.count_nonzero(g_theta) >= 3          # the pseudo-gradient window was exercised
    if aux_k:
        assert out["aux"].item() > 0


def test_oracle_families_match_their_definitions():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(6, 10, generator=g)
    c = V.topk_relu(z, 3)
    assert ((c > 0).sum(-1) <= 3).all()
    top = z.topk(3, dim=-1)
    assert torch.equal(c.gather(-1, top.indices), torch.relu(top.values))
    theta = torch.full((10,), 0.3)
    jc = V.JumpReLU.apply(z, theta, 0.1)
    assert torch.equal(jc, torch.where(z > 0.3, z, torch.zeros(())))
    assert jc[jc > 0].min() > 0.3                       # the jump: no code between 0 and theta
    with pytest.raises(ValueError, match="kind"):
        V.encode(z[:, :4], torch.eye(4), torch.zeros(4), torch.zeros(4), kind="gated")


def test_training_matches_torch_adam_for_three_steps():
    """train_sae's first steps = the oracle's gradients fed to torch.optim.Adam (+ unit columns)."""
    rng = np.random.default_rng(2)
    H = torch.from_numpy((rng.random((500, 6)) * (rng.random((500, 6)) < 0.4)).astype(np.float32))
    for kind, extra in (("l1", {"l1_coeffs": [0.1]}), ("topk", {"ks": [2]}),
                        ("jumprelu", {"l1_coeffs": [0.05], "threshold_init": 0.05, "bandwidth": 0.1})):
        cfg = sae.SAEConfig(n_latents=9, steps=3, batch_size=64, lr=1e-2, seed=5, kind=kind, **extra)
        trained = sae.train_sae(H, cfg)
        init = sae.init_sae(H, 9, 1, seed=5)
        leaves = {"W_enc": init.W_enc[0].clone(), "b_enc": init.b_enc[0].clone(), "W_dec": init.W_dec[0].clone(),
                  "b_dec": init.b_dec[0].clone(), "theta": torch.full((9,), cfg.threshold_init)}
        leaves = {n: t.double().requires_grad_(True) for n, t in leaves.items()}
        opt = torch.optim.Adam(leaves.values(), lr=1e-2)
        rows = np.zeros(64, np.int64)
        for step in range(1, 4):
            K.batch_rows(5, step, H.shape[0], rows)
            out = V.loss(H[rows].double(), leaves["W_enc"], leaves["b_enc"], leaves["W_dec"], leaves["b_dec"],
                         kind=kind, lam=cfg.l1_coeffs[0], k=cfg.ks[0] if cfg.ks else None,
                         theta=leaves["theta"], bandwidth=cfg.bandwidth)
            opt.zero_grad()
            out["total"].backward()
            opt.step()
            with torch.no_grad():
                leaves["W_dec"] /= leaves["W_dec"].norm(dim=0, keepdim=True)
                leaves["theta"].clamp_(min=0.0)
        for name in ("W_enc", "b_enc", "W_dec", "b_dec"):
            torch.testing.assert_close(getattr(trained, name)[0].double(), leaves[name].detach(),
                                       rtol=1e-4, atol=1e-5, msg=f"{kind} {name}")
        if kind == "jumprelu":
            torch.testing.assert_close(trained.theta[0].double(), leaves["theta"].detach(), rtol=1e-4, atol=1e-5)


def test_batch_rows_are_uniform_and_keyed():
    rows = np.zeros(200_000, np.int64)
    K.batch_rows(3, 1, 10, rows)
    counts = np.bincount(rows, minlength=10)
    assert rows.min() >= 0 and rows.max() <= 9
    assert np.abs(counts / len(rows) - 0.1).max() < 0.005
    other = np.zeros(200_000, np.int64)
    K.batch_rows(3, 2, 10, other)
    assert (rows != other).mean() > 0.85
    K.batch_rows(4, 1, 10, other)
    assert (rows != other).mean() > 0.85


def _planted(m=8, n=16, density=0.08, N=20_000, seed=3):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((m, n))
    D /= np.linalg.norm(D, axis=0)
    a = rng.random((N, n)) * (rng.random((N, n)) < density)
    return torch.from_numpy(D.astype(np.float32)), torch.from_numpy((a @ D.T).astype(np.float32))


@pytest.mark.parametrize("kind, extra", [
    ("l1_decoder_norm", {"l1_coeffs": [0.1, 0.3]}),
    ("topk", {"ks": [1, 2, 3]}),
    ("jumprelu", {"l1_coeffs": [0.05, 0.1], "threshold_init": 0.1, "bandwidth": 0.1, "lr": 1e-2}),
    ("topk", {"ks": [1, 2], "prefixes": (16, 32)}),
    ("topk", {"ks": [2], "aux_k": 8, "dead_steps": 50}),
])
def test_every_family_recovers_a_planted_dictionary(kind, extra):
    D, h = _planted()
    cfg = sae.SAEConfig(**{"n_latents": 32, "steps": 1500, "batch_size": 256, "kind": kind, **extra})
    model = sae.train_sae(h, cfg)
    assert sae.recovered_fraction(D, model.W_dec, 0.9).max() >= 0.9, sae.max_cosines(D, model.W_dec)
    stats = model.evaluate(h)
    if kind == "topk":
        assert (stats["l0"] <= model.ks.float() + 1e-6).all()
    assert (stats["fvu"] < 0.3).all()


def test_topk_auxk_revives_latents():
    """Latents that never make the top k stay dead without AuxK; AuxK gives them gradient."""
    D, h = _planted()
    init = sae.init_sae(h, 32, 1, seed=0)
    init.W_enc[0, :8] *= 0.05                                         # 8 latents too weak to be picked
    runs = {}
    for aux_k in (0, 8):
        cfg = sae.SAEConfig(n_latents=32, steps=800, batch_size=256, kind="topk", ks=[2], aux_k=aux_k,
                            dead_steps=20)
        runs[aux_k] = sae.train_sae(h, cfg, init=init).evaluate(h)["fires"][0, :8]
    assert (runs[0] == 0).all()
    assert (runs[8] > 0).sum() >= 1, runs[8]


def test_instances_do_not_depend_on_their_neighbours():
    D, h = _planted(N=4000)
    cases = [("l1", "l1_coeffs", [0.01, 0.1, 0.3], 1), ("topk", "ks", [1, 2, 5], 2),
             ("jumprelu", "l1_coeffs", [0.001, 0.01, 0.03], 0)]
    for kind, key, values, pick in cases:
        base = dict(n_latents=20, steps=120, batch_size=64, kind=kind, log_every=40)
        batch = sae.train_sae(h, sae.SAEConfig(**base, **{key: values}))
        alone = sae.train_sae(h, sae.SAEConfig(**base, **{key: [values[pick]]}))
        picked = batch.select([pick])
        names = ("W_enc", "b_enc", "W_dec", "b_dec", "loss_history") + (("theta",) if kind == "jumprelu" else ())
        for name in names:
            assert torch.equal(getattr(picked, name), getattr(alone, name)), (kind, name)
        assert not torch.equal(batch.W_dec[0], batch.W_dec[2])


def test_results_do_not_depend_on_the_thread_count():
    D, h = _planted(N=4000)
    cfg = sae.SAEConfig(n_latents=20, ks=[1, 2, 3], kind="topk", steps=100, batch_size=64)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = sae.train_sae(h, cfg)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = sae.train_sae(h, cfg)
    finally:
        numba.set_num_threads(before)
    assert torch.equal(one.W_enc, two.W_enc) and torch.equal(one.W_dec, two.W_dec)
    assert torch.equal(one.evaluate(h)["mse"], two.evaluate(h)["mse"])


def test_encode_and_reconstruct_match_the_oracle():
    D, h = _planted(N=600)
    for kind, key, values in (("l1", "l1_coeffs", [0.05, 0.2]), ("topk", "ks", [2, 3]),
                              ("jumprelu", "l1_coeffs", [0.01, 0.03])):
        model = sae.train_sae(h, sae.SAEConfig(n_latents=20, steps=200, batch_size=128, kind=kind,
                                               prefixes=(5, 20), **{key: values}))
        codes, recon = model.encode(h), model.reconstruct(h)
        stats = model.evaluate(h)
        for i in range(2):
            c = V.encode(h, model.W_enc[i], model.b_enc[i], model.b_dec[i], kind,
                         k=None if model.ks is None else int(model.ks[i]),
                         theta=None if model.theta is None else model.theta[i], bandwidth=0.1)
            torch.testing.assert_close(codes[:, i], c, rtol=1e-5, atol=1e-5)
            h_hat = c @ model.W_dec[i].T + model.b_dec[i]
            torch.testing.assert_close(recon[:, i], h_hat, rtol=1e-5, atol=1e-5)
            mse = ((h - h_hat) ** 2).sum(-1).mean()
            assert stats["mse"][i].item() == pytest.approx(mse.item(), rel=1e-4)
            first = ((h - c[:, :5] @ model.W_dec[i][:, :5].T - model.b_dec[i]) ** 2).sum(-1).mean()
            assert stats["mse_prefixes"][i, 0].item() == pytest.approx(first.item(), rel=1e-4)
            assert stats["l0"][i].item() == pytest.approx((c > 0).sum(-1).float().mean().item(), rel=1e-6)


def test_toy_activations_and_init_do_not_use_torch_kernels():
    W = torch.randn(3, 5)
    x = torch.rand(50, 5) * (torch.rand(50, 5) < 0.5)
    h = sae.activations_of(W, x)
    exact = (x.double() @ W.double().T).float()
    assert torch.equal(h, exact)                                       # float64 sums, rounded once
    a, b = sae.init_sae(h, 7, 2, seed=3), sae.init_sae(h, 7, 2, seed=3)
    assert torch.equal(a.W_dec, b.W_dec) and torch.equal(a.W_enc[0], a.W_dec[0].T)
    assert torch.allclose(a.W_dec.norm(dim=1), torch.ones(2, 7), atol=1e-6)
    with pytest.raises(ValueError, match="x must have shape"):
        sae.activations_of(W, torch.rand(4, 3))


@pytest.mark.parametrize("kwargs, word", [
    ({"kind": "gated"}, "kind"),
    ({"kind": "topk"}, "ks"),
    ({"kind": "topk", "ks": [0]}, "ks"),
    ({"kind": "topk", "ks": [41]}, "ks"),
    ({"kind": "topk", "ks": [2], "l1_coeffs": [0.1]}, "l1_coeffs"),
    ({"ks": [2]}, "ks"),
    ({"prefixes": (10, 20)}, "prefixes"),
    ({"prefixes": (20, 10, 40)}, "prefixes"),
    ({"aux_k": 4}, "aux_k"),
    ({"kind": "topk", "ks": [2], "aux_k": -1}, "aux_k"),
    ({"bandwidth": 0.0}, "bandwidth"),
    ({"threshold_init": -0.1}, "threshold_init"),
    ({"dead_steps": 0}, "dead_steps"),
    ({"normalise_decoder": "yes"}, "normalise_decoder"),
])
def test_config_validation_names_the_field(kwargs, word):
    with pytest.raises(ValueError, match=word):
        sae.SAEConfig(n_latents=40, **kwargs)


def test_config_defaults_per_family():
    assert sae.SAEConfig().l1_coeffs == (0.01,) and sae.SAEConfig().normalises
    top = sae.SAEConfig(kind="topk", ks=(2, 4))
    assert top.n_instances == 2 and top.l1_coeffs == (0.0, 0.0)
    assert not sae.SAEConfig(kind="l1_decoder_norm").normalises
    assert sae.SAEConfig(kind="l1_decoder_norm", normalise_decoder=True).normalises


def test_decoder_norm_family_keeps_free_column_norms():
    D, h = _planted(N=4000)
    model = sae.train_sae(h, sae.SAEConfig(n_latents=20, kind="l1_decoder_norm", l1_coeffs=[0.2], steps=300,
                                           batch_size=128))
    norms = model.W_dec.norm(dim=1)
    assert (norms - 1).abs().max() > 0.05                              # not renormalised
    sel = model.select([0])
    assert sel.kind == "l1_decoder_norm" and sel.n_instances == 1
    with pytest.raises(ValueError, match="kind"):
        sae.concat([model, sae.init_sae(h, 20, 1)])


# --------------------------------------------------------------------------- same bits everywhere
FINGERPRINT = textwrap.dedent('''
    import hashlib, numpy as np, torch
    from tmslab import sae
    def digest(*arrays):
        h = hashlib.sha256()
        for a in arrays:
            h.update(np.ascontiguousarray(a.detach().numpy() if isinstance(a, torch.Tensor) else a).tobytes())
        return h.hexdigest()[:16]
    rng = np.random.default_rng(0)
    W = torch.from_numpy(rng.standard_normal((8, 20)).astype(np.float32))
    h, x = sae.toy_activations(W, 0.9, 4000, seed=1)
    print("activations", digest(h, x))
    cases = [dict(kind="l1", l1_coeffs=[0.03, 0.3]), dict(kind="l1_decoder_norm", l1_coeffs=[0.1]),
             dict(kind="topk", ks=[2, 4], aux_k=4, dead_steps=10), dict(kind="jumprelu", l1_coeffs=[0.01]),
             dict(kind="topk", ks=[3], prefixes=(5, 30))]
    for case in cases:
        model = sae.train_sae(h, sae.SAEConfig(n_latents=30, steps=300, batch_size=128, lr=1e-2, **case))
        stats = model.evaluate(h)
        print(case["kind"], digest(model.W_enc, model.b_enc, model.W_dec, model.b_dec, model.loss_history,
                                   model.encode(h[:500]), *[stats[k] for k in sorted(stats)],
                                   sae.max_cosines(W, model.W_dec), sae.mmcs(W, model.W_dec)))
    new, n = sae.resample_dead(model, h, seed=0)
    print("resample", digest(new.W_enc, new.W_dec, n))
''')

@pytest.mark.slow
def test_same_bits_on_every_instruction_set_fresh_and_cached(tmp_path):
    script = tmp_path / "fingerprint.py"
    script.write_text(FINGERPRINT)
    builds = cpu_builds(tmp_path)
    fresh = {}
    for name, env in builds.items():          # one at a time: each compiles every kernel
        fresh[name] = output(spawn(script, env))
    cached = output(spawn(script, builds["host"]))
    assert any((tmp_path / "cache-host").rglob("*sae_kernels*.nbi")), "no compile cache was written"
    assert len(fresh["host"].splitlines()) == 7
    for name, out in fresh.items():
        assert out == fresh["host"], f"build {name!r} differs from the host build:\n{out}\nvs\n{fresh['host']}"
    assert cached == fresh["host"], "kernels loaded from the compile cache gave different results"
