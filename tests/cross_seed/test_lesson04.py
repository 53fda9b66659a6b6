"""Cross-seed science tests of lesson 04: five features in two dimensions, and the n = 20, m = 5 sweep.

Seeds and the fixture decorator in seeding.py (the lesson itself uses seed 0).
"""

import numpy as np
import pytest

import tmslab
from tmslab import geometry2d, metrics, sweeps

from seeding import seeded

pytestmark = pytest.mark.slow


SPARSITIES_2D = (0.0, 0.8, 0.9)


@seeded
def intro(request):
    """Lesson 04 cell 3: n=5, m=2, I_i = 0.9^i, S in {0, 0.8, 0.9}, K = 12 restarts, 10k steps."""
    return tmslab.train(5, 2, model="relu_output", sparsity=list(SPARSITIES_2D), importance=0.9, n_seeds=12,
                        seed=request.param, progress=False)


def test_04_best_of_12_shows_orthogonal_pair_antipodal_pairs_and_pentagon(intro):
    best = intro.best()
    for s, S in enumerate(SPARSITIES_2D):
        kind, features = geometry2d.PAPER_GEOMETRY[S]
        g = geometry2d.classify_2d(best.W[s])
        assert g.matches(kind, features), f"S = {S}: best restart is {g.label()}, not {kind} {features}"
    W0, W8, W9 = best.W
    assert abs(float(metrics.cosine_similarity(W0)[0, 1])) < 0.1
    assert ((best.b[0][2:] - 0.5).abs() < 0.06).all(), best.b[0]             # E[x_i] = 0.5 for dropped features
    cos8 = metrics.cosine_similarity(W8)
    pairs = geometry2d.classify_2d(W8).pairs
    assert all(float(cos8[i, j]) < -0.95 for i, j in pairs)
    assert float(metrics.feature_norms(W8)[4]) < 0.1                          # the least important one is dropped
    assert ((metrics.angular_gaps(W9) - 72).abs() < 10).all()


def test_04_pentagon_has_norms_above_one_negative_biases_and_exact_lone_reconstruction(intro):
    """Lesson 04 cell 5: norms above 1, negative biases, ||W_i||^2 + b_i ~ 1 (answer 3: b ~ -0.2)."""
    best = intro.best()
    norms, b = metrics.feature_norms(best.W[2]), best.b[2]
    assert (norms > 1.0).all(), norms
    assert (b < 0).all() and (b > -0.3).all(), b
    assert ((norms**2 + b - 1).abs() < 0.06).all(), norms**2 + b


def test_04_restarts_agree_when_dense_and_get_stuck_in_higher_loss_geometries_when_sparse(intro):
    """Lesson 04 cells 7-8: S = 0 has one basin; at S = 0.8 and 0.9 some restarts miss the paper's geometry,
    each with a higher loss than the best restart that shows it; at 0.9 pentagon < antipodal pairs < other."""
    for s, S in enumerate(SPARSITIES_2D):
        kind, features = geometry2d.PAPER_GEOMETRY[S]
        restarts = intro.select(intro.setting == s)
        found = np.array([g.matches(kind, features) for g in geometry2d.classify_many(restarts.W)])
        losses = restarts.final_loss.numpy()
        if S == 0.0:
            assert found.all(), found
            continue
        assert 1 <= found.sum() <= len(found) - 1, f"S = {S}: {found.sum()}/12 restarts show {kind}"
        assert losses[~found].min() > losses[found].min(), f"S = {S}: a restart without {kind} wins"
    sparse = intro.select(intro.setting == 2)
    lowest = {}
    for g, loss in zip(geometry2d.classify_many(sparse.W), sparse.final_loss.tolist()):
        lowest[g.kind] = min(loss, lowest.get(g.kind, np.inf))
    ranked = [k for k in ("pentagon", "antipodal pairs", "other") if k in lowest]
    assert "antipodal pairs" in lowest and set(lowest) <= set(ranked), lowest
    assert [lowest[k] for k in ranked] == sorted(lowest[k] for k in ranked), lowest


@seeded
def sweep(request):
    """Lesson 04 cell 16: n=20, m=5, I_i = 0.7^i, 7 densities, best of 10 restarts, 10k steps. (Best of 3
    keeps a model up to 14% worse, with a count one or two off, at some densities on seeds 0/101/202/303.)"""
    run = tmslab.train(20, 5, model="relu_output", sparsity=[1 - d for d in sweeps.DENSITIES], importance=0.7,
                       n_seeds=10, seed=request.param, progress=False)
    return run.best()


def test_04_sweep_dense_model_is_the_linear_solution(sweep):
    """Lesson 04 cell 17: at 1-S = 1 five dedicated features, the rest dropped with bias 0.5."""
    checks = sweeps.linear_checks(sweep.W[0], sweep.b[0], 1.0)
    assert all(checks["passed"].values()), checks


def test_04_sweep_represented_count_grows_with_sparsity(sweep):
    """Lesson 04 cells 18-19: down to 1-S = 0.003 counts never drop by more than 1; they reach the reference
    floors (5, >=7, >=8, >=10, >=11) and end well over twice m = 5. At 1-S = 0.001 the count can dip by 2
    (seed 303: 14 -> 12; each feature is seen about 10,000 times in training, question 5), as the lesson says."""
    counts = metrics.n_represented(sweep.W).tolist()
    assert all(b >= a - 1 for a, b in zip(counts[:5], counts[1:6], strict=True)), counts
    floors = {d: v[3] for d, v in sweeps.REFERENCE_E2_RELU.items() if v[3]}
    for d, floor in floors.items():
        assert counts[sweeps.DENSITIES.index(d)] >= floor, (d, counts)
    assert counts[-1] > 2 * 5, counts


def test_04_superposition_starts_with_the_less_important_features(sweep):
    """Lesson 04 cell 17: several dedicated features at 1-S = 0.3, one or two at 0.1, none at <= 0.03;
    at 0.3 features 0-1 untouched and >= 2 represented partners with measure > 0.5."""
    sup, rep = metrics.superposition(sweep.W), metrics.represented(sweep.W)
    dedicated = [int((rep[k] & (sup[k] < 0.05)).sum()) for k in range(7)]
    assert dedicated[0] == 5 and dedicated[1] >= 2 and 1 <= dedicated[2] <= 2, dedicated
    assert all(d == 0 for d in dedicated[3:]), dedicated
    assert all(bool((sup[k][rep[k]] > 0.1).all()) for k in range(3, 7))   # every represented one superposed
    assert (sup[1, :2] < 0.05).all(), sup[1, :2]
    assert int(((sup[1] > 0.5) & rep[1]).sum()) >= 2


def test_04_biases_turn_negative_and_norms_grow_at_high_sparsity(sweep):
    """Lesson 04 cells 19-20. The reference's "|b_i| < 0.02 for represented features at 1-S >= 0.1" fails
    at 1-S = 0.3 on every seed (also with best of 10): what holds is |b_i| < 0.02 at 1-S = 1 and 0.1, and
    small positive biases (below 0.1) at 0.3. At 1-S <= 0.01 the mean bias of represented features is
    <= -0.09 and the largest ||W_i|| > 1.1."""
    rep = metrics.represented(sweep.W)
    for k in (0, 2):
        assert float(sweep.b[k][rep[k]].abs().max()) < 0.02, (sweeps.DENSITIES[k], sweep.b[k][rep[k]])
    assert float(sweep.b[1][rep[1]].abs().max()) < 0.1, sweep.b[1][rep[1]]
    for k in (4, 5, 6):
        assert float(sweep.b[k][rep[k]].mean()) <= -0.09, (sweeps.DENSITIES[k], sweep.b[k][rep[k]])
        assert float(metrics.feature_norms(sweep.W[k]).max()) > 1.1
