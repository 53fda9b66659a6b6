"""The compiled kernels against PyTorch as the oracle (micrograd-style)."""
import numpy as np
import pytest
import torch

from tmslab import kernels
from tmslab.data import FeatureGroups
from tmslab.models import MODELS, forward, target, weighted_mse


def _scratch(m, n, B):
    f = lambda *s: np.zeros(s, np.float32)
    L = kernels.padded_length(B)
    return dict(gW=f(m, n), gV=f(m, n), gb=f(n), H=f(m, L), Hpre=f(m, L), DH=f(m, L), G=f(n, L), P=f(L))


@pytest.mark.parametrize("model", list(MODELS))
def test_loss_and_grads_match_autograd(model):
    spec = MODELS[model]
    rng = np.random.default_rng(0)
    m, n, B, n_zero = 3, 7, 50, 5
    W = rng.standard_normal((m, n)).astype(np.float32)
    V = W if spec.tied else rng.standard_normal((m, n)).astype(np.float32)
    b = (0.3 * rng.standard_normal(n)).astype(np.float32)
    imp = (0.8 ** np.arange(n)).astype(np.float32)
    low = -1.0 if spec.signed_inputs else 0.0
    X = rng.uniform(low, 1.0, (n, B)).astype(np.float32) * (rng.random((n, B)) < 0.5)
    X[:, 0] = X[:, 0] + 0.5  # make sure no column is all zero
    X[0, :] = np.where(X[0, :] == 0, 0.25, X[0, :])
    s = _scratch(m, n, B)
    Xc = np.pad(X, ((0, 0), (0, kernels.padded_length(B) - B)))  # zero-padded columns, as the trainer keeps them
    loss = kernels.loss_and_grads(W, V, b, imp, Xc, B, n_zero, spec.hidden_relu, spec.output_relu,
                                  spec.signed_inputs, spec.tied, **s)

    tW = torch.tensor(W[None], requires_grad=True)
    tV = None if spec.tied else torch.tensor(V.T[None].copy(), requires_grad=True)
    tb = torch.tensor(b[None], requires_grad=True)
    x = torch.tensor(np.concatenate([X.T, np.zeros((n_zero, n), np.float32)]))[:, None, :]
    out = forward(model, x, tW, tb, tV)
    ref = weighted_mse(out, target(model, x), torch.tensor(imp[None]))[0]
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-4)
    np.testing.assert_allclose(s["gb"], tb.grad[0].numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(s["gW"], tW.grad[0].numpy(), rtol=1e-4, atol=1e-6)
    if not spec.tied:
        np.testing.assert_allclose(s["gV"], tV.grad[0].numpy().T, rtol=1e-4, atol=1e-6)


def test_adamw_update_matches_torch():
    rng = np.random.default_rng(1)
    p0 = rng.standard_normal(11).astype(np.float32)
    grads = [rng.standard_normal(11).astype(np.float32) for _ in range(5)]
    p, m1, m2 = p0.copy(), np.zeros(11, np.float32), np.zeros(11, np.float32)
    tp = torch.nn.Parameter(torch.tensor(p0))
    opt = torch.optim.AdamW([tp], lr=1e-2, weight_decay=0.01)
    for step, g in enumerate(grads, start=1):
        kernels.adamw_update(p, g, m1, m2, step, 1e-2, 0.01, 0.9, 0.999, 1e-8)
        tp.grad = torch.tensor(g)
        opt.step()
    np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-5, atol=1e-6)


def _draw(groups, density, signed=False, B=200_000, key=7, counter=1):
    X = np.zeros((groups.n_features, B), np.float32)
    nonzero = np.zeros(B, np.bool_)
    density = np.asarray(density, np.float64)
    gaps = np.zeros((len(density), kernels.GAP + 1))
    kernels.gap_tables(density, gaps)
    kernels.sample_features(X, density, gaps, groups.starts, groups.anti, signed, key, counter, nonzero,
                            np.zeros(X.size + 1, np.int64))
    assert np.array_equal(nonzero, (X != 0).any(0))
    return X


def test_sampler_density_and_mean():
    X = _draw(FeatureGroups.independent(3), [1.0, 0.3, 0.01])
    active = X != 0
    np.testing.assert_allclose(active.mean(1), [1.0, 0.3, 0.01], atol=0.004)
    np.testing.assert_allclose(X.mean(1), [0.5, 0.15, 0.005], atol=0.004)
    # values of active features are U[0,1]: mean 1/2, variance 1/12
    v = X[1][active[1]]
    assert v.min() >= 0 and v.max() < 1
    assert v.mean() == pytest.approx(0.5, abs=0.01) and v.var() == pytest.approx(1 / 12, abs=0.003)


def test_sampler_signed_values():
    X = _draw(FeatureGroups.independent(1), [0.5], signed=True)
    v = X[0][X[0] != 0]
    assert v.min() >= -1 and v.max() < 1 and abs(v.mean()) < 0.01


def test_sampler_groups():
    groups = FeatureGroups.correlated(1, 2) + FeatureGroups.anticorrelated(1, 3)
    X = _draw(groups, [0.2, 0.4]) != 0
    assert np.array_equal(X[0], X[1]) and X[0].mean() == pytest.approx(0.2, abs=0.005)
    anti = X[2:5]
    assert anti.sum(0).max() == 1
    assert anti.any(0).mean() == pytest.approx(0.4, abs=0.005)
    np.testing.assert_allclose(anti.mean(1), [0.4 / 3] * 3, atol=0.005)


def test_sampler_streams_differ_by_step_and_key():
    g = FeatureGroups.independent(4)
    a, b, c = _draw(g, [0.5] * 4, B=64), _draw(g, [0.5] * 4, B=64, counter=2), _draw(g, [0.5] * 4, B=64, key=8)
    assert not np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(a, _draw(g, [0.5] * 4, B=64))


def test_balanced_schedule_covers_each_instance_once():
    table = kernels.balanced_schedule(np.array([5.0, 1, 1, 1, 1, 1]), 2)
    flat = sorted(int(i) for i in table.ravel() if i >= 0)
    assert flat == list(range(6))
    assert list(table[0][table[0] >= 0]) == [0]  # the heavy one alone on a thread


def test_sampler_clears_only_what_it_wrote():
    """A batch drawn over the previous one (touched entries cleared) equals one drawn into zeros."""
    groups = FeatureGroups.independent(3) + FeatureGroups.correlated(1, 2) + FeatureGroups.anticorrelated(1, 3)
    density = np.array([1.0, 0.3, 0.01, 0.005, 0.2])
    gaps = np.zeros((5, kernels.GAP + 1))
    kernels.gap_tables(density, gaps)
    args = (density, gaps, groups.starts, groups.anti, False, 7)

    def draw(X, touched, counter):
        nonzero = np.zeros(500, np.bool_)
        kernels.sample_features(X, *args, counter, nonzero, touched)
        return X.copy(), nonzero

    X, touched = np.zeros((8, 512), np.float32), np.zeros(8 * 512 + 1, np.int64)
    draw(X, touched, 1)
    reused, flags = draw(X, touched, 2)
    fresh, fresh_flags = draw(np.zeros((8, 512), np.float32), np.zeros(8 * 512 + 1, np.int64), 2)
    assert np.array_equal(reused, fresh) and np.array_equal(flags, fresh_flags)
    assert np.all(fresh[:, 500:] == 0)


def test_compaction_keeps_the_nonempty_samples_in_order():
    rng = np.random.default_rng(3)
    for B, p in [(1000, 0.5), (37, 0.1), (64, 0.0), (64, 1.0)]:
        X = np.zeros((3, kernels.padded_length(B)), np.float32)
        nonzero = rng.random(B) < p
        X[:, :B][:, nonzero] = rng.random((3, int(nonzero.sum()))) + 0.5
        Xc = np.full_like(X, np.nan)
        kept = kernels.compact_nonzero_samples(X, Xc, nonzero, np.zeros(B, np.int64))
        assert kept == nonzero.sum()
        assert np.array_equal(Xc[:, :kept], X[:, :B][:, nonzero])
        assert np.all(Xc[:, kept:kernels.padded_length(kept)] == 0)


def test_step_cost_model_keeps_the_fixed_work_of_sparse_instances():
    """Sparse instances still pay for sampling, the per-step overhead and the m x n batch sums.

    The model balances the threads' loads: the earlier one priced the sweep's sparsest instance at a
    seventh of its densest (timed: a fifth) but the n = 2 phase job's at a twenty-fifth (timed: half).
    """
    d = np.array([1.0, 0.1, 0.01, 0.001])
    sweep = kernels.step_cost_ns(np.repeat(d[:, None], 20, axis=1), np.ones(20), 5, 1024)
    tiny = kernels.step_cost_ns(np.repeat(d[:, None], 2, axis=1), np.ones(2), 1, 1024)
    assert sweep.shape == (4,) and np.all(np.diff(sweep) <= 0)
    assert 0.1 < sweep[-1] / sweep[0] < 0.3
    assert 0.3 < tiny[-1] / tiny[0] < 0.7
    untied = kernels.step_cost_ns(np.repeat(d[:, None], 20, axis=1), np.ones(20), 5, 1024, tied=False)
    assert np.all(untied > sweep)
    both = np.r_[sweep, sweep]
    loads = [both[row[row >= 0]].sum() for row in kernels.balanced_schedule(both, 2)]
    assert max(loads) / min(loads) < 1.1


@pytest.mark.parametrize("args, word", [
    ((np.full((1, 2), 2.0), np.ones(2), 1, 1024), "density"),
    ((np.full((1, 2), np.nan), np.ones(2), 1, 1024), "density"),
    ((np.ones(2), np.ones(2), 1, 1024), "density"),
    ((np.ones((2, 3)), np.ones(4), 1, 1024), "sizes"),
    ((np.ones((1, 2)), np.zeros(2), 1, 1024), "sizes"),
    ((np.ones((1, 2)), np.ones(2), 0, 1024), "n_hidden"),
    ((np.ones((1, 2)), np.ones(2), 1, 0), "batch_size"),
])
def test_step_cost_model_refuses_bad_input(args, word):
    with pytest.raises(ValueError, match=word):
        kernels.step_cost_ns(*args)
