"""Lesson 08, adversarial examples: analytic attack, vulnerability, Spearman, widget, check."""
import numpy as np
import pytest
import torch

import tmslab
from tmslab import adversarial, checks
from tmslab.checks import neurons as ck
from tmslab.widgets import neurons as wd


def test_attack_directions_by_hand():
    W = torch.eye(2, 3)
    D = adversarial.attack_directions(W)
    np.testing.assert_allclose(D, [[1, 0, 0], [0, 1, 0], [0, 0, 0]])      # feature 2: nothing to attack
    pair = torch.tensor([[1.0, -1.0]])
    np.testing.assert_allclose(adversarial.attack_directions(pair),
                               np.array([[1, -1], [-1, 1]]) / np.sqrt(2), atol=1e-7)
    with pytest.raises(ValueError, match="W"):
        adversarial.attack_directions(torch.zeros(2, 2, 2))


def test_attack_strength_is_a_fraction_of_the_mean_norm():
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0]])
    assert adversarial.attack_strength(x, 0.1) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="fraction"):
        adversarial.attack_strength(x, -0.1)


def test_orthonormal_baseline_loses_exactly_lambda_squared_over_n():
    W, b = adversarial.orthonormal_baseline(4, 2)
    x = torch.tensor([[0.5, 0.2, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    inc = adversarial.attack_loss_increases(W, b, x, torch.ones(4), 0.3)
    np.testing.assert_allclose(inc, [[0.09 / 4, 0.09 / 4, 0.0, 0.0]] * 2, atol=1e-7)
    for reduce in ("per_example", "universal"):
        v = adversarial.vulnerability(W, b, x, torch.ones(4), 0.1, reduce=reduce)
        assert v["clean_loss"] == pytest.approx(0.0)
        assert v["increase"] == pytest.approx(v["lam"] ** 2 / 4, rel=1e-5)
    with pytest.raises(ValueError, match="n_hidden"):
        adversarial.orthonormal_baseline(2, 3)
    with pytest.raises(ValueError, match="reduce"):
        adversarial.vulnerability(W, b, x, torch.ones(4), reduce="mean")


def test_per_example_attack_picks_each_inputs_worst_feature():
    # two dedicated features plus an antipodal pair (features 2, 3) sharing a third dimension
    W = torch.tensor([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, -1.0]])
    b = torch.zeros(4)
    x = torch.tensor([[1.0, 0, 0, 0], [0, 0, 1.0, 0]])
    inc = adversarial.attack_loss_increases(W, b, x, torch.ones(4), 0.1)
    # the pair's attack adds sqrt2 * 0.1 to an active member: error 0.02 over 4 features
    assert float(inc[1, 2]) == pytest.approx(0.02 / 4, rel=1e-4)
    per = adversarial.vulnerability(W, b, x, torch.ones(4), 0.1, reduce="per_example")
    uni = adversarial.vulnerability(W, b, x, torch.ones(4), 0.1, reduce="universal")
    assert per["increase"] >= uni["increase"] > 0


def test_antipodal_pair_is_twice_as_vulnerable_as_dedicated_dimensions():
    # lone features at 1: output i gets +sqrt2 lambda in the pair, +lambda with a dedicated dimension
    pair, b = torch.tensor([[1.0, -1.0]]), torch.zeros(2)
    own, b0 = adversarial.orthonormal_baseline(2, 2)
    x = torch.tensor([[1.0, 0.0]])
    v = adversarial.vulnerability(pair, b, x, torch.ones(2), 0.1)
    v0 = adversarial.vulnerability(own, b0, x, torch.ones(2), 0.1)
    assert v["increase"] / v0["increase"] == pytest.approx(2.0, rel=1e-5)
    with pytest.raises(ValueError, match="tied"):
        adversarial.attack_loss_increases(pair, b, x, torch.ones(2), 0.1, model="abs")
    with pytest.raises(ValueError, match="importance"):
        adversarial.attack_loss_increases(pair, b, x, torch.ones(3), 0.1)


def test_spearman():
    assert adversarial.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert adversarial.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert adversarial.spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486833, rel=1e-6)
    with pytest.raises(ValueError, match="length"):
        adversarial.spearman([1, 2], [1, 2])
    with pytest.raises(ValueError, match="constant"):
        adversarial.spearman([1, 1, 1], [1, 2, 3])


@pytest.fixture(scope="module")
def sweep():
    return tmslab.train(8, 2, sparsity=[0.0, 0.7, 0.9], importance=1.0, steps=300)


def test_relative_vulnerability_of_a_run(sweep):
    out = adversarial.relative_vulnerability(sweep, n_samples=512)
    assert set(out) == {"relative", "increase", "baseline", "lam", "feature", "features_per_dimension"}
    assert out["relative"].shape == (3,) and np.all(out["relative"] > 0)
    assert np.all(np.diff(out["lam"]) < 0)        # sparser data: smaller inputs, smaller lambda
    uni = adversarial.relative_vulnerability(sweep, n_samples=512, reduce="universal")
    np.testing.assert_allclose(uni["lam"], out["lam"])


def test_attack_explorer_redraws(sweep):
    panel = wd.build_attack_explorer(sweep, n_samples=256)
    image = panel.image.value
    assert "lambda = 0.10" in panel.readout.value
    panel.controls["fraction"].value = 0.8             # extreme: the paper's 80% of the input norm
    assert "lambda = 0.80" in panel.readout.value and panel.image.value != image
    panel.controls["fraction"].value = 0.01
    assert "lambda = 0.01" in panel.readout.value


def test_check_attack_direction():
    def reference(W, i, lam):
        return lam * adversarial.attack_directions(W)[i]

    def unnormalised(W, i, lam):
        return lam * (W.T @ W)[i]

    def feature_direction(W, i, lam):
        return lam * W[:, i] / W[:, i].norm()

    assert checks.report(ck.check_attack_direction, reference).startswith("✅ Correct")
    assert "divided by its L2 norm" in checks.report(ck.check_attack_direction, unnormalised)
    assert checks.report(ck.check_attack_direction, feature_direction).startswith("❌ Not yet")


def test_relative_vulnerability_validates_its_run():
    with pytest.raises(ValueError, match="Run"):
        adversarial.relative_vulnerability(torch.zeros(2, 3))
