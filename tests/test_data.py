import numpy as np
import pytest
import torch

from tmslab.data import (FeatureGroups, check_importance, check_sparsity, expected_feature_value,
                         sample_features)


def test_sample_features_density_and_mean():
    gen = torch.Generator().manual_seed(0)
    x = sample_features(100_000, [0.0, 0.7, 0.99], generator=gen)
    assert x.shape == (100_000, 3)
    np.testing.assert_allclose((x != 0).float().mean(0).numpy(), [1.0, 0.3, 0.01], atol=0.005)
    np.testing.assert_allclose(x.mean(0).numpy(), expected_feature_value([0.0, 0.7, 0.99]), atol=0.005)


def test_sample_features_instances_and_signed():
    x = sample_features(50_000, np.full((4, 2), 0.5), signed=True, generator=torch.Generator().manual_seed(1))
    assert x.shape == (50_000, 4, 2)
    assert x.min() >= -1 and x.max() <= 1 and abs(float(x.mean())) < 0.01


def test_sample_features_groups():
    groups = FeatureGroups.correlated(1, 2) + FeatureGroups.anticorrelated(1, 3) + FeatureGroups.independent(1)
    x = sample_features(60_000, [0.8, 0.8, 0.6, 0.6, 0.6, 0.5], groups, generator=torch.Generator().manual_seed(2))
    on = x != 0
    assert torch.equal(on[:, 0], on[:, 1])
    assert on[:, 2:5].sum(1).max() == 1
    assert float(on[:, 2:5].any(1).float().mean()) == pytest.approx(0.4, abs=0.01)
    assert float(on[:, 5].float().mean()) == pytest.approx(0.5, abs=0.01)


def test_group_sparsity_must_match():
    with pytest.raises(ValueError, match="equal within a feature group"):
        sample_features(10, [0.1, 0.2], FeatureGroups.correlated(1, 2))


@pytest.mark.parametrize("bad", [[-0.1, 0.5], [0.5, 1.5], [float("nan"), 0.1]])
def test_bad_sparsity_is_rejected(bad):
    with pytest.raises(ValueError, match="sparsity"):
        sample_features(10, bad)


def test_check_sparsity_shapes():
    assert check_sparsity(0.5, 3).shape == (1, 3)
    assert check_sparsity([0.1, 0.2], 3).shape == (2, 3)
    with pytest.raises(ValueError, match="sparsity"):
        check_sparsity(np.zeros((2, 4)), 3)


def test_check_importance():
    np.testing.assert_allclose(check_importance(0.5, 3), [[1, 0.5, 0.25]])
    with pytest.raises(ValueError, match="importance"):
        check_importance([1.0, 2.0], 3)
    with pytest.raises(ValueError, match="importance"):
        check_importance(0.0, 3)
    with pytest.raises(ValueError, match="importance"):
        check_importance([1.0, -1.0, 1.0], 3)


def test_feature_groups_validation():
    with pytest.raises(ValueError):
        FeatureGroups((2,), ("independent",))
    with pytest.raises(ValueError, match="group kind"):
        FeatureGroups((2,), ("sometimes",))
    g = FeatureGroups.correlated(2, 3)
    assert g.n_features == 6 and list(g.starts) == [0, 3, 6]
