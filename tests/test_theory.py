import numpy as np
import pytest
import torch

from tmslab import theory


def test_three_universities_numbers_from_the_talk():
    W = theory.three_universities_W()
    clemson, duke, nc_state = W.T
    assert theory.projection_coefficient(duke, clemson) == pytest.approx(-0.5)
    h = theory.embed(W, [0.9, 0.9, 0.0])
    np.testing.assert_allclose(h, [0.0, 0.9], atol=1e-12)
    assert float(h @ nc_state) == pytest.approx(-0.9)
    np.testing.assert_allclose(theory.recover(W, h), [0.45, 0.45, -0.9], atol=1e-12)
    np.testing.assert_allclose(theory.recover(W, h, b=[-0.5] * 3, relu=True), [0, 0, 0], atol=1e-12)


def test_phase_losses_match_monte_carlo():
    """Closed forms against a direct simulation of the three candidate solutions."""
    r, p = 2.0, 0.3
    gen = torch.Generator().manual_seed(0)
    n = 400_000
    x = torch.rand(n, 2, generator=gen, dtype=torch.float64) * (torch.rand(n, 2, generator=gen, dtype=torch.float64) < p)
    imp = torch.tensor([1.0, r], dtype=torch.float64)
    def loss(W, b):
        W = torch.tensor(W, dtype=torch.float64)[None]
        out = torch.relu(x @ W.T @ W + torch.tensor(b, dtype=torch.float64))
        return float((imp * (x - out) ** 2).sum(1).mean())
    closed = theory.phase_losses_2_in_1(r, p)
    assert loss([1.0, 0.0], [0, p / 2]) == pytest.approx(float(closed["not learned"]), rel=0.02)
    assert loss([0.0, 1.0], [p / 2, 0]) == pytest.approx(float(closed["dedicated"]), rel=0.02)
    assert loss([1.0, -1.0], [0, 0]) == pytest.approx(float(closed["superposition"]), rel=0.02)


def test_phase_labels_and_boundary():
    assert theory.phase(0.1, 1.0) == "not learned"
    assert theory.phase(10.0, 1.0) == "dedicated"
    assert theory.phase(1.0, 0.01) == "superposition"
    r, p = theory.TRIPLE_POINT
    assert float(theory.superposition_boundary(r)) == pytest.approx(p)
    grid = theory.phase(np.array([[0.1, 10.0]]), np.array([[0.01], [1.0]]))
    assert grid.shape == (2, 2)
    assert theory.phase(3.0, 1.0, n_features=3) == "dedicated"
    with pytest.raises(ValueError, match="n_features"):
        theory.phase(1.0, 0.5, n_features=4)
    with pytest.raises(ValueError, match="p"):
        theory.phase(1.0, 1.5)
