import math

import numpy as np
import pytest
import torch

from tmslab import metrics


def pentagon(radius=1.0):
    a = torch.arange(5, dtype=torch.float64) * 2 * math.pi / 5
    return radius * torch.stack([torch.cos(a), torch.sin(a)])


def test_orthogonal_features_have_dimensionality_one():
    W = torch.eye(3, dtype=torch.float64)
    np.testing.assert_allclose(metrics.feature_dimensionality(W), [1, 1, 1])
    np.testing.assert_allclose(metrics.superposition(W), [0, 0, 0])
    assert float(metrics.dimensions_per_feature(W)) == pytest.approx(1.0)


def test_antipodal_pair_has_half():
    W = torch.tensor([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(metrics.feature_dimensionality(W), [0.5, 0.5, 1.0], atol=1e-6)
    np.testing.assert_allclose(metrics.superposition(W), [1.0, 1.0, 0.0], atol=1e-6)


def test_pentagon_has_two_fifths_and_72_degree_gaps():
    W = pentagon(1.1)
    np.testing.assert_allclose(metrics.feature_dimensionality(W), [0.4] * 5, atol=1e-9)
    np.testing.assert_allclose(metrics.angular_gaps(W), [72.0] * 5, atol=1e-6)
    assert float(metrics.feature_dimensionality(W).sum()) == pytest.approx(2.0)


def test_unlearned_feature_has_zero_dimensionality_and_norm():
    W = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(metrics.feature_dimensionality(W), [1.0, 0.0])
    np.testing.assert_allclose(metrics.feature_norms(W), [1.0, 0.0])
    assert int(metrics.n_represented(W)) == 1


def test_batched_shapes():
    W = torch.randn(4, 3, 7)
    assert metrics.superposition(W).shape == (4, 7)
    assert metrics.interference_matrix(W).shape == (4, 7, 7)
    assert metrics.dimensions_per_feature(W).shape == (4,)
    assert metrics.n_superposed(W).shape == (4,)


def test_interference_matrix_is_wtw():
    W = torch.randn(2, 5)
    torch.testing.assert_close(metrics.interference_matrix(W), W.T @ W)


@pytest.mark.parametrize("bad", [torch.zeros(3), torch.tensor([[1.0, float("nan")]]), "W"])
def test_bad_weights_are_rejected(bad):
    with pytest.raises(ValueError, match="W"):
        metrics.superposition(bad)


def test_angles_need_two_rows():
    with pytest.raises(ValueError, match="m = 2"):
        metrics.angles_2d(torch.eye(3))


def test_johnson_lindenstrauss_counts_exceed_dimension():
    assert metrics.johnson_lindenstrauss_count(20, 0.5, n_candidates=500) > 20
    with pytest.raises(ValueError, match="epsilon"):
        metrics.johnson_lindenstrauss_count(5, 0.0)
