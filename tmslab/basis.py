"""Privileged and non-privileged bases: rotate the hidden space and see what changes.

A rotation of the hidden space is an orthogonal m x m matrix R (R^T R = 1,
det R = +1). It moves every feature direction, W -> R W, and every hidden
activation, h -> R h.

* Linear model and ReLU-output model: the hidden layer is only ever used
  through W^T W, and (R W)^T (R W) = W^T R^T R W = W^T W, so
  x' = ReLU?(W^T W x + b) is exactly the same function. No direction of the
  hidden space is special: the basis is **not privileged**, and a "neuron"
  (a coordinate of h) has no reason to line up with any feature.
* ReLU-hidden model: x' = ReLU(W^T ReLU(W x) + b). After the rotation,
  ReLU(R W x) != R ReLU(W x) in general, because a ReLU acts on each
  coordinate separately. The function (and the loss) changes: the neuron
  basis is **privileged**, and features are pulled towards single neurons.
* 'abs' model (untied W1 = W, W2): W -> R W and W2 -> W2 R^T; the hidden ReLU
  again makes the basis privileged.

Shapes follow the paper: W (..., m, n), column i = feature i's direction;
row j = neuron j's input weights.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .data import sample_features
from .models import forward, model_spec, target, weighted_mse
from .validation import as_weights, check_float, check_int

_EPS = 1e-12


def random_rotation(m: int, seed: int = 0) -> torch.Tensor:
    """A uniformly random rotation R (m, m), float64: R^T R = 1 and det R = +1.

    QR of a standard Gaussian matrix with the signs of R's diagonal moved into
    Q gives a Haar-random orthogonal matrix; flipping one column if needed
    makes it a proper rotation. Deterministic for a given ``seed``.
    """
    m = check_int("m", m, 1, 10_000)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    gen = torch.Generator().manual_seed(seed)
    q, r = torch.linalg.qr(torch.randn(m, m, generator=gen, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r))
    if torch.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def _check_rotation(R, m: int) -> torch.Tensor:
    R = as_weights("R", R)
    if R.dim() != 2 or R.shape != (m, m):
        raise ValueError(f"R must be a single ({m}, {m}) matrix to rotate an m = {m} hidden space, "
                         f"got shape {tuple(R.shape)}")
    eye = torch.eye(m, dtype=torch.float64)
    if not torch.allclose(R.double().T @ R.double(), eye, atol=1e-4):
        raise ValueError("R must be orthogonal (R^T R = identity within 1e-4)")
    return R


def rotate_hidden(W, R) -> torch.Tensor:
    """R W (..., m, n): every feature direction W_i rotated by R (m, m).

    Validates that R is orthogonal and matches W's m; the result has W's dtype.
    """
    W = as_weights("W", W)
    R = _check_rotation(R, W.shape[-2])
    return R.to(W.dtype) @ W


def neuron_purity(W) -> torch.Tensor:
    """How monosemantic each neuron is (..., m): max_i W_ji^2 / sum_i W_ji^2.

    Row j of W holds neuron j's weights to the n features. Purity is 1 when a
    single feature drives the neuron and 1/n when all features share it
    equally; a neuron with no weights at all gets 0.
    """
    W = as_weights("W", W)
    sq = W.double() ** 2
    total = sq.sum(dim=-1)
    return torch.where(total > _EPS, sq.amax(dim=-1) / total.clamp_min(_EPS), torch.zeros_like(total))


def n_monosemantic(W, threshold: float = 0.9) -> torch.Tensor:
    """Number of neurons (...,) whose purity exceeds ``threshold`` in (0, 1]."""
    threshold = check_float("threshold", threshold, 0.0, 1.0, low_open=True)
    return (neuron_purity(W) > threshold).sum(dim=-1)


@dataclass(frozen=True)
class RotationResult:
    """Before/after numbers of ``rotation_experiment``, one entry per instance (I,)."""

    model: str
    loss_before: torch.Tensor
    loss_after: torch.Tensor
    max_output_change: torch.Tensor
    monosemantic_before: torch.Tensor
    monosemantic_after: torch.Tensor
    W_after: torch.Tensor

    def rows(self, digits: int = 4) -> list[dict]:
        """Rounded plain-Python rows (for printing in lessons)."""
        out = []
        for k in range(len(self.loss_before)):
            out.append({"model": self.model,
                        "loss before": round(float(self.loss_before[k]), digits),
                        "loss after": round(float(self.loss_after[k]), digits),
                        "max |change of x'|": round(float(self.max_output_change[k]), digits),
                        "monosemantic neurons before": int(self.monosemantic_before[k]),
                        "monosemantic neurons after": int(self.monosemantic_after[k])})
        return out


def rotation_experiment(run, R=None, seed: int = 0, n_samples: int = 8192,
                        purity_threshold: float = 0.9) -> RotationResult:
    """Rotate the hidden space of every instance of a trained ``Run`` and compare.

    Evaluates the model before (W, b) and after (R W, b; and W2 R^T for 'abs')
    on the same fresh samples x (n_samples, I, n) drawn from the run's own
    sparsity: the importance-weighted losses (I,), the largest change of any
    output max |x'_after - x'_before| (I,), and the number of monosemantic
    neurons (purity > ``purity_threshold``) of W and R W.

    R: an (m, m) rotation; default ``random_rotation(m, seed)``. ``seed`` also
    seeds the evaluation data.
    """
    from .run import Run
    if not isinstance(run, Run):
        raise ValueError(f"run must be a tmslab Run (what tmslab.train returns), got {type(run).__name__}")
    seed = check_int("seed", seed, 0, 2**63 - 1)
    n_samples = check_int("n_samples", n_samples, 1, 10_000_000)
    spec = model_spec(run.config.model)
    m = run.W.shape[-2]
    R = random_rotation(m, seed) if R is None else _check_rotation(R, m)
    R = R.to(run.W.dtype)
    W_after = R @ run.W
    W2_after = None if run.W2 is None else run.W2 @ R.T
    gen = torch.Generator().manual_seed(seed)
    x = sample_features(n_samples, run.sparsity.numpy().astype(np.float64), groups=run.groups,
                        signed=spec.signed_inputs, generator=gen)
    y = target(spec.name, x)
    with torch.no_grad():
        before = forward(spec.name, x, run.W, run.b, run.W2)
        after = forward(spec.name, x, W_after, run.b, W2_after)
        return RotationResult(
            model=spec.name,
            loss_before=weighted_mse(before, y, run.importance),
            loss_after=weighted_mse(after, y, run.importance),
            max_output_change=(after - before).abs().amax(dim=(0, 2)),
            monosemantic_before=n_monosemantic(run.W, purity_threshold),
            monosemantic_after=n_monosemantic(W_after, purity_threshold),
            W_after=W_after)


def plot_neuron_weights(Ws, titles, suptitle: str | None = None):
    """Heatmaps of W (m, n) side by side: row j = neuron j's weights, column i = feature i.

    A monosemantic neuron is a row with a single strong entry. Signed colours
    (coolwarm, centred on 0, shared scale). Returns the Figure.
    """
    import matplotlib.pyplot as plt

    from .plots import SIGNED_CMAP
    Ws = [as_weights("W", W).detach().double() for W in Ws]
    if any(W.dim() != 2 for W in Ws):
        raise ValueError("Ws must be single matrices of shape (m, n)")
    if len(titles) != len(Ws):
        raise ValueError(f"titles must have one entry per matrix ({len(Ws)}), got {len(titles)}")
    vmax = max(float(W.abs().max()) for W in Ws) or 1.0
    fig, axes = plt.subplots(1, len(Ws), figsize=(2.9 * len(Ws) + 0.9, 2.3), squeeze=False,
                             layout="constrained")
    for k, (W, title, ax) in enumerate(zip(Ws, titles, axes[0])):
        im = ax.imshow(W.numpy(), cmap=SIGNED_CMAP, vmin=-vmax, vmax=vmax)
        ax.set(title=title, xlabel="feature i", ylabel="neuron j" if k == 0 else "")
        ax.set_yticks(range(W.shape[0]))
        ax.set_xticks(range(W.shape[1]) if W.shape[1] <= 12 else range(0, W.shape[1], 5))
    fig.colorbar(im, ax=list(axes[0]), shrink=0.9, label="weight $W_{ji}$")
    if suptitle:
        fig.suptitle(suptitle)
    return fig
