"""The talk's worked example, measured: three universities in two neurons.

W (m x n = 2 x 3) has the columns v_1 = Clemson, v_2 = Duke, v_3 = NC State,
unit vectors at 120 degrees (``tmslab.theory.three_universities_W``). The
read-outs, in paper notation, for features x (n,) and bias b (n,):

    h  = W x                    hidden activations (m,)
    x' = W^T h = W^T W x        linear de-embedding (n,)
    x' = ReLU(W^T h + b)        ReLU read-out (n,)

W^T W (n x n) is the interference matrix: 1 on the diagonal, -1/2 between
any two universities. This module measures how wrong the read-outs are on
random inputs, either with exactly k active features or with the paper's
sparse data (feature i is 0 with probability S, else U[0, 1]), and builds
the two-dimensional competitors of the triangle (dedicated dimensions, an
antipodal pair) so that all of them are scored on the same samples.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .data import expected_feature_value, sample_features
from .models import forward, weighted_mse
from .plots import feature_colors
from .validation import as_array, as_weights, check_choice, check_float, check_int

UNIVERSITY_COLORS = feature_colors(3)
"""(3, 4) RGBA, Clemson, Duke, NC State: the course's importance colours for features 0, 1, 2."""

READOUTS = ("linear", "relu_output")


def null_space(W, tol: float = 1e-9) -> torch.Tensor:
    """Orthonormal basis (n, n - rank W) of {x : W x = 0}, float64.

    Any x and x + t z with z in this space give the same h = W x: the hidden
    vector cannot tell them apart. For the universities it is (1, 1, 1)/sqrt 3.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    tol = check_float("tol", tol, 0.0, 1.0, low_open=True)
    _, sing, Vh = torch.linalg.svd(W.double(), full_matrices=True)
    rank = int((sing > tol).sum())
    basis = Vh[rank:].T
    # fix the sign so that the largest entry of every basis vector is positive
    if basis.shape[1]:
        flip = torch.sign(basis.gather(0, basis.abs().argmax(0, keepdim=True)))
        basis = basis * flip
    return basis


def sample_k_active(n_samples: int, n_features: int, k: int,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """x (n_samples, n_features), float32: exactly k features active, chosen uniformly, each U[0, 1]."""
    n_samples = check_int("n_samples", n_samples, 1, 100_000_000)
    n_features = check_int("n_features", n_features, 1, 100_000)
    k = check_int("k", k, 0, n_features)
    ranks = torch.rand(n_samples, n_features, generator=generator).argsort(dim=1).argsort(dim=1)
    values = torch.rand(n_samples, n_features, generator=generator)
    return torch.where(ranks < k, values, torch.zeros(()))


def _bias(b, n: int, rows: int | None = None) -> torch.Tensor:
    """b as a float32 tensor (n,) or, with rows, (rows, n); a number means the same bias everywhere."""
    arr = as_array("b", 0.0 if b is None else b, -np.inf, np.inf)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    shape_ok = arr.shape == (n,) or (rows is not None and arr.shape == (rows, n))
    if not shape_ok:
        allowed = f"(n,) = ({n},)" + (f" or ({rows}, {n})" if rows is not None else "")
        raise ValueError(f"b must be a number or have shape {allowed}, got shape {arr.shape}")
    return torch.as_tensor(arr, dtype=torch.float32)


def reconstruction_error(W, x, b=None, readout: str = "relu_output", importance=None) -> float:
    """Mean over samples and features of I_i (x_i - x'_i)^2 for one fixed W.

    W (m, n); x (B, n) non-negative features; b a number or (n,) (default 0);
    readout 'linear' (x' = W^T W x + b) or 'relu_output' (x' = ReLU(W^T W x + b));
    importance (n,) (default all 1). Uses ``tmslab.models.forward`` and ``weighted_mse``.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    n = W.shape[1]
    check_choice("readout", readout, READOUTS)
    x = torch.as_tensor(as_array("x", x, 0.0, np.inf), dtype=torch.float32)
    if x.dim() != 2 or x.shape[1] != n:
        raise ValueError(f"x must have shape (samples, n) with n = {n}, got {tuple(x.shape)}")
    imp = torch.ones(n) if importance is None else torch.as_tensor(
        as_array("importance", importance, 0.0, np.inf), dtype=torch.float32)
    if imp.shape != (n,):
        raise ValueError(f"importance must have shape ({n},), got {tuple(imp.shape)}")
    x_hat = forward(readout, x[:, None, :], W.float()[None], _bias(b, n)[None])
    return float(weighted_mse(x_hat, x[:, None, :], imp[None]))


def error_by_active_count(W, b=None, ks=(1, 2, 3), readout: str = "relu_output",
                          n_samples: int = 100_000, seed: int = 0) -> np.ndarray:
    """(len(ks),) reconstruction error on inputs with exactly k active features, for each k.

    The same seed gives the same samples, so different W or b are compared on identical inputs.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    n = W.shape[1]
    ks = [check_int("ks entry", k, 0, n) for k in np.atleast_1d(np.asarray(ks)).tolist()]
    seed = check_int("seed", seed, 0, 2**63 - 1)
    out = []
    for k in ks:
        gen = torch.Generator().manual_seed(seed + k)
        x = sample_k_active(n_samples, n, k, generator=gen)
        out.append(reconstruction_error(W, x, b, readout))
    return np.array(out)


def error_vs_sparsity(W, b, sparsities, readout: str = "relu_output", n_samples: int = 100_000,
                      seed: int = 0) -> np.ndarray:
    """(len(sparsities),) expected error of one fixed W on the paper's data at each sparsity S.

    b: a number, (n,), or (len(sparsities), n) for a bias that depends on S
    (e.g. an ignored feature's bias at its mean (1 - S)/2). Data: feature i is
    0 with probability S, else U[0, 1] (``tmslab.sample_features``); the same
    seed gives the same samples for every W.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    n = W.shape[1]
    S = np.atleast_1d(as_array("sparsities", sparsities, 0.0, 1.0))
    if S.ndim != 1:
        raise ValueError(f"sparsities must be a number or a 1-D list, got shape {S.shape}")
    bias = _bias(b, n, rows=len(S))
    seed = check_int("seed", seed, 0, 2**63 - 1)
    n_samples = check_int("n_samples", n_samples, 1, 100_000_000)
    out = []
    for k, s in enumerate(S):
        gen = torch.Generator().manual_seed(seed + k)
        x = sample_features(n_samples, np.full(n, s), generator=gen)
        out.append(reconstruction_error(W, x, bias if bias.dim() == 1 else bias[k], readout))
    return np.array(out)


def zero_readout_error(sparsities) -> np.ndarray:
    """E[x_i^2] = (1 - S)/3: the error of answering x' = 0, the yardstick for relative errors."""
    S = as_array("sparsities", sparsities, 0.0, 1.0)
    return (1.0 - S) / 3.0


def dedicated_solution(n_features: int, n_hidden: int, sparsity: float):
    """(W (m, n) float64, b (n,) float64): no superposition.

    Features 0..m-1 get the basis directions e_1..e_m; the other features are
    not embedded and their bias sits at their mean E[x_i] = (1 - S)/2.
    """
    n = check_int("n_features", n_features, 1, 100_000)
    m = check_int("n_hidden", n_hidden, 1, n)
    s = check_float("sparsity", sparsity, 0.0, 1.0)
    W = torch.zeros(m, n, dtype=torch.float64)
    W[torch.arange(m), torch.arange(m)] = 1.0
    b = torch.zeros(n, dtype=torch.float64)
    b[m:] = float(expected_feature_value(s))
    return W, b


def antipodal_pair_solution() -> torch.Tensor:
    """W (2, 3) float64: Clemson and Duke antipodal on hidden axis 1, NC State alone on axis 2.

    The paper's n = 3, m = 2 candidate "W orthogonal to [1, 1, 0]" (E4b) with equal importances.
    """
    return torch.tensor([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)


def plot_error_vs_density(densities, curves: dict, ax=None,
                          title: str = "Error of a fixed W vs density 1 - S"):
    """Relative error curves (loss / E[x_i^2]) against density on a log axis.

    densities (k,) in (0, 1]; curves: label -> (k,) relative errors.
    """
    d = as_array("densities", densities, 0.0, 1.0)
    if d.ndim != 1 or np.any(d <= 0):
        raise ValueError("densities must be a 1-D list of numbers in (0, 1]")
    if not curves:
        raise ValueError("curves must contain at least one labelled curve")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 3.4))
    else:
        fig = ax.figure
    styles = ["o-", "s-", "^--", "v:", "d-."]
    for k, (label, values) in enumerate(curves.items()):
        v = as_array(f"curves[{label!r}]", values, 0.0, np.inf)
        if v.shape != d.shape:
            raise ValueError(f"curves[{label!r}] must have shape {d.shape}, got {v.shape}")
        ax.plot(d, v, styles[k % len(styles)], ms=4, label=label)
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set(title=title, xlabel="density 1 - S (sparser to the right)",
           ylabel="error / E[x_i^2]", ylim=(0, None))
    ax.legend(fontsize=7)
    return fig
