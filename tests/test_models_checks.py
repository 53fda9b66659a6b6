"""Lesson 03: exercise checks (forward pass, weighted loss) and the linear loss decomposition."""
import numpy as np
import pytest
import torch

import tmslab
from tmslab import linear_loss, models
from tmslab.checks import report
from tmslab.checks.models import check_forward, check_weighted_loss


def reference_forward(x, W, b, relu):
    out = x @ W.T @ W + b
    return torch.relu(out) if relu else out


def test_forward_check_accepts_reference():
    assert report(check_forward, reference_forward).startswith("✅ Correct")


@pytest.mark.parametrize("wrong, phrase", [
    (lambda x, W, b, relu: x @ W.T @ W + b, "forgot the ReLU"),
    (lambda x, W, b, relu: torch.relu(x @ W.T @ W + b), "applied a ReLU in the linear model"),
    (lambda x, W, b, relu: torch.relu(x @ W.T @ W) if relu else x @ W.T @ W, "forgot the bias"),
    (lambda x, W, b, relu: x @ W.T @ W, "forgot the bias"),
    (lambda x, W, b, relu: torch.relu(x @ W.T @ W) + b if relu else x @ W.T @ W + b,
     "before adding the bias"),
    (lambda x, W, b, relu: W.T @ W @ x + b, "shape error"),
    (lambda x, W, b, relu: x @ W @ W.T + b, "shape error"),
    (lambda x, W, b, relu: reference_forward(x, W, b, relu).T, "transposed"),
    (lambda x, W, b, relu: (torch.relu(torch.relu(x @ W.T) @ W + b) if relu
                            else torch.relu(x @ W.T) @ W + b), "hidden layer"),
    (lambda x, W, b, relu: reference_forward(x, W, b, relu) * 1.1, "wrong"),
    (lambda x, W, b, relu: None, "None"),
])
def test_forward_check_names_the_mistake(wrong, phrase):
    message = report(check_forward, wrong)
    assert message.startswith("❌ Not yet"), message
    assert phrase in message, message


def test_forward_reference_is_tmslab_forward():
    x = torch.rand(5, 4)
    W, b = torch.randn(2, 4), torch.randn(4)
    for relu, model in ((False, "linear"), (True, "relu_output")):
        expected = models.forward(model, x[:, None], W[None], b[None])[:, 0]
        torch.testing.assert_close(reference_forward(x, W, b, relu), expected)


def reference_loss(x_hat, x, importance):
    return (importance * (x - x_hat) ** 2).mean()


def test_loss_check_accepts_reference():
    assert report(check_weighted_loss, reference_loss).startswith("✅ Correct")


@pytest.mark.parametrize("wrong, phrase", [
    (lambda xh, x, I: ((x - xh) ** 2).mean(), "importance"),
    (lambda xh, x, I: (I * (x - xh) ** 2).sum(1).mean(), "summed over the features"),
    (lambda xh, x, I: (I * (x - xh) ** 2).sum(0).mean(), "summed over the batch"),
    (lambda xh, x, I: (I * (x - xh) ** 2).sum(), "summed over batch and features"),
    (lambda xh, x, I: ((I * (x - xh)) ** 2).mean(), "squared the importance"),
    (lambda xh, x, I: (I * (x - xh).abs()).mean(), "|x_i - x'_i|"),
    (lambda xh, x, I: (I * (x - xh) ** 2).mean(0), "one number"),
    (lambda xh, x, I: torch.sqrt((I * (x - xh) ** 2).mean()), "square root"),
    (lambda xh, x, I: 2 * (I * (x - xh) ** 2).mean(), "wrong"),
])
def test_loss_check_names_the_mistake(wrong, phrase):
    message = report(check_weighted_loss, wrong)
    assert message.startswith("❌ Not yet"), message
    assert phrase in message, message


def test_linear_loss_terms_on_known_matrices():
    importance = torch.tensor([1.0, 0.5, 0.25])
    # two dedicated features, third dropped: benefit = I_2, no interference
    W = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    benefit, interference = linear_loss.linear_loss_terms(W, importance)
    assert float(benefit) == pytest.approx(0.25)
    assert float(interference) == pytest.approx(0.0)
    # antipodal pair 0/1: (W_0.W_1)^2 = 1 weighted by I_0 + I_1
    W = torch.tensor([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]])
    benefit, interference = linear_loss.linear_loss_terms(W, importance)
    assert float(benefit) == pytest.approx(0.0)
    assert float(interference) == pytest.approx(1.5)


def test_linear_loss_batched_shapes():
    W = torch.randn(4, 3, 6)
    benefit, interference = linear_loss.linear_loss_terms(W, np.ones(6))
    assert benefit.shape == interference.shape == (4,)
    assert linear_loss.linear_expected_loss(W, np.ones(6), 0.9).shape == (4,)
    assert linear_loss.optimal_linear_bias(W, 0.5).shape == (4, 6)


def test_expected_loss_matches_monte_carlo_and_decomposition():
    g = torch.Generator().manual_seed(0)
    W = torch.randn(3, 6, generator=g, dtype=torch.float64) * 0.5
    importance = 0.8 ** torch.arange(6, dtype=torch.float64)
    S = 0.6
    b = linear_loss.optimal_linear_bias(W, S)
    x = tmslab.sample_features(400_000, np.full(6, S), generator=g).double()
    mc = float((importance * (x - (x @ W.T @ W + b)) ** 2).sum(1).mean())
    exact = float(linear_loss.linear_expected_loss(W, importance, S))
    assert mc == pytest.approx(exact, rel=0.02)
    mean, var = linear_loss.feature_moments(S)
    benefit, interference = linear_loss.linear_loss_terms(W, importance)
    assert exact == pytest.approx(float(var) * float(benefit + interference), rel=1e-9)


def test_optimal_bias_of_dropped_feature_is_its_mean():
    W = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(linear_loss.optimal_linear_bias(W, 0.7), [0.0, 0.15], atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda: linear_loss.linear_loss_terms(torch.randn(2, 3), [1.0, 1.0]),
    lambda: linear_loss.linear_loss_terms(torch.randn(2, 3), [1.0, -1.0, 1.0]),
    lambda: linear_loss.linear_expected_loss(torch.randn(2, 3), 1.0, 1.5),
    lambda: linear_loss.linear_expected_loss(torch.randn(2, 3), 1.0, [0.1, 0.2]),
    lambda: linear_loss.optimal_linear_bias("W", 0.5),
    lambda: linear_loss.feature_moments(-0.1),
])
def test_linear_loss_rejects_bad_input(call):
    with pytest.raises(ValueError):
        call()
