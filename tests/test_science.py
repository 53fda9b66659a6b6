"""The paper's robust outcomes, reproduced with small budgets (docs/references.md, E1 and E2)."""
import numpy as np
import torch

from tmslab import metrics, train

SWEEP = dict(n_features=20, n_hidden=5, importance=0.7, progress=False, eval_samples=4096)


def test_linear_model_learns_exactly_the_top_five_features():
    sparsity = np.array([0.0, 0.9, 0.99])
    run = train(**SWEEP, model="linear", sparsity=sparsity, steps=10_000)
    norms = metrics.feature_norms(run.W)
    assert ((norms[:, :5] - 1).abs() < 0.05).all(), norms[:, :5]
    assert (norms[:, 5:] < 0.05).all()
    top = metrics.interference_matrix(run.W)[:, :5, :5]
    assert ((top - torch.eye(5)).abs() < 0.05).all()
    expected_bias = torch.tensor((1 - sparsity) / 2, dtype=torch.float32)[:, None]
    assert ((run.b[:, 5:] - expected_bias).abs() < 0.02).all()
    assert (run.b[:, :5].abs() < 0.02).all()


def test_relu_output_model_at_zero_sparsity_equals_the_linear_solution():
    relu = train(**SWEEP, model="relu_output", sparsity=0.0, steps=10_000)
    linear = train(**SWEEP, model="linear", sparsity=0.0, steps=10_000)
    torch.testing.assert_close(metrics.feature_norms(relu.W), metrics.feature_norms(linear.W), atol=0.03, rtol=0)
    assert abs(float(relu.final_loss[0] - linear.final_loss[0])) < 0.05 * float(linear.final_loss[0])


def test_relu_output_model_represents_more_features_as_sparsity_grows():
    density = np.array([1.0, 0.3, 0.03])
    run = train(**SWEEP, model="relu_output", sparsity=1 - density, steps=10_000, n_seeds=3).best()
    counts = metrics.n_represented(run.W).tolist()
    assert counts[0] == 5 and counts[1] >= 7 and counts[2] >= 10, counts
    sup = metrics.superposition(run.W[1])
    assert (sup[:2] < 0.05).all() and (sup > 0.5).sum() >= 2


def test_five_features_in_two_dimensions_dense_gives_two_orthogonal_features():
    run = train(n_features=5, n_hidden=2, model="relu_output", sparsity=0.0, importance=0.9,
                n_seeds=4, steps=10_000, progress=False, eval_samples=4096)
    for W, b in zip(run.W, run.b):
        norms = metrics.feature_norms(W)
        assert ((norms[:2] - 1).abs() < 0.05).all() and (norms[2:] < 0.1).all()
        assert abs(float(metrics.cosine_similarity(W)[0, 1])) < 0.1
        assert ((b[2:] - 0.5).abs() < 0.06).all()


def test_pentagon_at_high_sparsity_with_best_of_k():
    run = train(n_features=5, n_hidden=2, model="relu_output", sparsity=0.9, importance=0.9,
                n_seeds=10, steps=10_000, progress=False, eval_samples=32_768).best()
    W, b = run.W[0], run.b[0]
    norms = metrics.feature_norms(W)
    assert ((norms > 0.95) & (norms < 1.2)).all(), norms
    assert ((metrics.angular_gaps(W) - 72).abs() < 10).all()
    assert (b < 0).all()
