"""Cross-seed science tests of lesson 03: linear vs ReLU output models, and the engine the learner builds.

Seeds and the fixture decorator in seeding.py (the lesson itself uses seed 0).
"""
import pytest
import torch

import tmslab
from tmslab import metrics
from tmslab.checks import engine
from tmslab.geometry2d import classify_2d
from tmslab.solutions import lesson03

from seeding import seeded

pytestmark = pytest.mark.slow

SPARSITIES = [0.0, 0.7, 0.9, 0.99]


@seeded
def models(request):
    """Lesson 03 cell 14: n=20, m=5, I_i = 0.7^i, S in {0, 0.7, 0.9, 0.99}, one run per model, 10k steps."""
    common = dict(sparsity=SPARSITIES, importance=0.7, seed=request.param, progress=False)
    return tmslab.train(20, 5, model="linear", **common), tmslab.train(20, 5, model="relu_output", **common)


def test_03_linear_model_learns_exactly_the_top_five_features_at_every_sparsity(models):
    linear, _ = models
    norms = metrics.feature_norms(linear.W)
    assert ((norms[:, :5] - 1).abs() < 0.02).all() and (norms[:, 5:] < 0.05).all(), norms
    for k, S in enumerate(SPARSITIES):
        assert ((linear.b[k][5:] - (1 - S) / 2).abs() < 0.01).all(), (S, linear.b[k][5:])


def test_03_relu_output_model_equals_the_linear_one_when_dense_and_superposes_when_sparse(models):
    linear, relu = models
    counts = metrics.n_represented(relu.W).tolist()
    # cell 27 / the text after it: "the sparse ReLU models represent more than five features in five dimensions"
    assert counts[0] == 5 and all(c > 5 for c in counts[1:]), counts
    assert all(b >= a for a, b in zip(counts, counts[1:], strict=False)), counts
    assert abs(float(relu.final_loss[0] - linear.final_loss[0])) < 0.02 * float(linear.final_loss[0])
    assert float(relu.final_loss[-1]) < 0.5 * float(linear.final_loss[-1])


@seeded
def engines(request):
    """Lesson 03 section 7: the plain PyTorch loop (the reference solutions) and tmslab.train on the
    engine setting (n=5, m=2, S=0.9, I_i = 0.9^i, 6 restarts, 2,000 steps), each seeded by the test seed."""
    s = engine.ENGINE_SETTING
    n, m, K, steps = s["n"], s["m"], s["restarts"], s["steps"]
    torch.manual_seed(request.param)
    W0 = torch.randn(K, m, n) * (2 / (m + n)) ** 0.5
    W, b, _ = lesson03.train_model(W0, torch.zeros(K, n), torch.full((K, n), s["sparsity"]),
                                   (s["rate"] ** torch.arange(n, dtype=torch.float32)).expand(K, n), steps)
    run = tmslab.train(n, m, sparsity=s["sparsity"], importance=s["rate"], n_seeds=K, steps=steps,
                       seed=request.param, progress=False)
    return W, b, run


def test_03_the_learners_engine_finds_the_same_minimum_as_tmslab(engines, capsys):
    W, b, run = engines
    result = engine.compare_with_tmslab(W, b, run)
    assert result.same, capsys.readouterr().out
    assert classify_2d(W[result.best_loop]).kind == classify_2d(run.W[result.best_tmslab]).kind == "pentagon"
