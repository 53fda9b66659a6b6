"""Cross-seed science tests of lesson 05: phase diagrams, theory vs best-of-K.

Seeds and the fixture decorator in seeding.py (the lesson itself uses seed 0).
"""

import numpy as np
import pytest
import torch
from seeding import seeded

import tmslab
from tmslab import phase

pytestmark = pytest.mark.slow


R_VALUES = np.logspace(-1, 1, 9)
P_VALUES = np.logspace(0, -2, 9)


@seeded
def phase2(request):
    """Lesson 05 section 3: n=2, m=1, 9x9 grid, best of 10 by exact expected loss, 600 steps at lr 5e-3."""
    grid = phase.make_grid(2, R_VALUES, P_VALUES)
    return phase.train_phase_grid(grid, n_seeds=10, steps=600, lr=5e-3, seed=request.param, progress=False)


@seeded
def phase3(request):
    """Lesson 05 section 4: n=3, m=2, best of 12 by exact expected loss, 600 steps at lr 5e-3. With K = 6,
    seed 101 agrees at only 70/81 points (10 sparse points stuck in the wrong pairing, also under exact-loss
    selection, because all 6 initialisations favour it); K = 12 gives 79/81 on seeds 0, 101, 202, 303."""
    grid = phase.make_grid(3, R_VALUES, P_VALUES)
    return phase.train_phase_grid(grid, n_seeds=12, steps=600, lr=5e-3, seed=request.param, progress=False)


def _check_phase_grid(result):
    assert result.n_agree >= 0.95 * result.n_points, result.summary()
    # every disagreement is a tie or a solution outside the theory's list, never a stuck restart
    stuck = [m for m in result.mismatches() if m["why"] == "stuck"]
    assert not stuck, stuck
    assert result.single_seed_agreement() < result.n_agree / result.n_points


def test_05_best_of_10_reproduces_the_two_feature_phase_diagram(phase2):
    _check_phase_grid(phase2)


def test_05_two_feature_best_restarts_reach_the_theory_minimum(phase2):
    """Lesson 05 section 3: the short recipe reaches the candidates' losses (or beats them) at every point."""
    gap = phase2.candidate_gaps()
    assert (gap <= 0.015).all(), np.round(100 * gap, 1)


def test_05_best_of_12_reproduces_the_three_feature_phase_diagram(phase3):
    _check_phase_grid(phase3)


def test_05_trained_models_beat_the_candidates_next_to_the_boundary(phase2):
    """Lesson 05 cell 11: at 1-S = 0.178 (just above the crossing at 0.16) for r = 0.1 and r = 10 the model
    superposes with unequal lengths and a loss below every candidate's."""
    for r in (0.1, 10.0):
        k = int(np.argmin(np.abs(phase2.grid.r - r) + np.abs(phase2.grid.p - P_VALUES[3])))
        W, b = phase2.best.W[k], phase2.best.b[k]
        assert phase.classify(W[None])[0] == "superposition"
        cands = phase.candidate_solutions(float(phase2.grid.p[k]))
        losses = phase.expected_loss(torch.stack([W] + [w for w, _ in cands.values()]),
                                     torch.stack([b] + [c for _, c in cands.values()]),
                                     float(phase2.grid.p[k]), phase2.grid.importance()[k])
        assert losses[0] < losses[1:].min(), (r, losses)


@seeded
def dense_equal(request):
    """Lesson 05's dense point (n=2, r=1, 1-S=1, 10 restarts), trained as the lesson does with the paper's 10k
    steps at lr 1e-3. With 600 steps at lr 5e-3 one restart is unfinished on 4 of seeds 101-505 (spread
    9%-250%); with 10k steps the spread is <= 0.21% on all five."""
    return tmslab.train(2, 1, model="relu_output", sparsity=[[0.0, 0.0]], importance=[[1.0, 1.0]], n_seeds=10,
                        steps=10_000, lr=1e-3, seed=request.param, progress=False)


def test_05_dense_equal_importance_restarts_tie_at_different_angles(dense_equal):
    exact = phase.expected_loss(dense_equal.W, dense_equal.b, 1.0, importance=[1.0, 1.0])
    assert (np.abs(exact - 1 / 12) < 0.01 / 12).all(), exact            # all at the 'ignore one' loss 1/12
    labels = phase.classify(dense_equal.W)
    assert len(set(labels)) >= 2, labels                                  # ... at different angles
