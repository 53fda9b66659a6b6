"""Superposition and adversarial vulnerability (paper section "Superposition and
adversarial examples").

Without superposition row i of W^T W is e_i; with it, (W^T W)_i = (.., eps, 1,
-eps, ..): small entries for every feature that interferes with feature i.
Adding a vector along that row to the *input* moves the model's estimate of
feature i (and of the features it overlaps) as much as an L2 budget allows.
The paper's analytic optimal L2 attack on feature i is

    delta_i = lambda (W^T W)_i / ||(W^T W)_i||_2,    lambda = 0.1 E||x||_2,

and it reports the attack that harms the loss most. Vulnerability is the
loss increase L'(x + delta) - L(x) (target: the clean x), measured relative
to a model without superposition on the same data with the same lambda:
(L' - L) / (L'_0 - L_0). "The attack that harms most" is read two ways:
per input (an adversarial example picks the worst feature attack for each
x, the default) or universally (one feature attack for the whole data set).
Why superposition helps the attacker, to first order: if feature i is on,
the attack moves its read-out by lam ||(W^T W)_i|| = lam ||W_i||^2 / sqrt(D_i),
against lam with a dedicated dimension, so the squared error grows like 1/D_i.
Shapes: W (m, n), b (n,), x (B, n), importance (n,).
"""
from __future__ import annotations

import numpy as np
import torch

from .data import sample_features
from .models import forward, model_spec, weighted_mse
from .validation import as_array, as_tensor, as_weights, check_choice, check_float, check_int

_EPS = 1e-9


def attack_directions(W) -> torch.Tensor:
    """(n, n): row i is the unit attack direction (W^T W)_i / ||(W^T W)_i||.

    Rows of features with (W^T W)_i = 0 (not represented) are all zero: there
    is nothing to attack. W: (m, n).
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    G = W.T @ W
    norms = G.norm(dim=1, keepdim=True)
    return torch.where(norms > _EPS, G / norms.clamp_min(_EPS), torch.zeros_like(G))


def attack_strength(x, fraction: float = 0.1) -> float:
    """lambda = fraction x the average input norm E||x||_2 over the samples x (B, n)."""
    x = as_tensor("x", x, -np.inf, np.inf, dtype=torch.float32)
    fraction = check_float("fraction", fraction, 0.0)
    if x.dim() != 2:
        raise ValueError(f"x must have shape (samples, n), got {tuple(x.shape)}")
    return fraction * float(x.norm(dim=1).mean())


def _check_model(model: str, W, b, x, importance):
    spec = model_spec(model)
    if not spec.tied:
        raise ValueError("the analytic attack needs a tied model (W^T W): 'linear', 'relu_output' "
                         f"or 'relu_hidden', got {model!r}")
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    n = W.shape[1]
    b = as_tensor("b", b, -np.inf, np.inf, dtype=W.dtype)
    x = as_tensor("x", x, -np.inf, np.inf, dtype=W.dtype)
    imp = as_tensor("importance", importance, 0.0, np.inf, dtype=W.dtype)
    if b.shape != (n,) or imp.shape != (n,) or x.dim() != 2 or x.shape[1] != n:
        raise ValueError(f"need b ({n},), importance ({n},) and x (samples, {n}); got "
                         f"{tuple(b.shape)}, {tuple(imp.shape)}, {tuple(x.shape)}")
    return W, b, x, imp


def attack_loss_increases(W, b, x, importance, lam: float, model: str = "relu_output") -> torch.Tensor:
    """Per-sample loss increase of every feature's attack: (B, n).

    Entry (s, i) = l(x_s + lam d_i) - l(x_s), where l(x) is the importance-
    weighted squared error of the model's output against the clean x (mean
    over features, as in ``weighted_mse``) and d_i = ``attack_directions(W)[i]``.
    A feature that cannot be attacked (zero direction) gives a column of zeros.
    """
    W, b, x, imp = _check_model(model, W, b, x, importance)
    lam = check_float("lam", lam, 0.0)
    n = W.shape[1]
    D = attack_directions(W)
    with torch.no_grad():
        clean = (imp * (forward(model, x[:, None], W[None], b[None])[:, 0] - x) ** 2).mean(dim=1)  # (B,)
        xa = x[:, None, :] + lam * D[None]                                                        # (B, n, n)
        out = forward(model, xa, W[None].expand(n, -1, -1), b[None].expand(n, -1))
        attacked = (imp * (out - x[:, None, :]) ** 2).mean(dim=2)                                # (B, n)
    return attacked - clean[:, None]


REDUCTIONS = ("per_example", "universal")


def vulnerability(W, b, x, importance, fraction: float = 0.1, model: str = "relu_output",
                  reduce: str = "per_example") -> dict:
    """Loss increase under the analytic attack, lambda = fraction x E||x||.

    reduce='per_example': every input gets the feature attack that harms *it*
    most, increase = mean_s max_i (l(x_s + lam d_i) - l(x_s)) (an adversarial
    example per input); reduce='universal': one feature attack for all inputs,
    increase = max_i mean_s (...). Returns {'increase', 'feature' (the attacked
    feature chosen most often / the universal one), 'clean_loss', 'lam'}.
    """
    check_choice("reduce", reduce, REDUCTIONS)
    lam = attack_strength(x, fraction)
    W_, b_, x_, imp = _check_model(model, W, b, x, importance)
    inc = attack_loss_increases(W_, b_, x_, imp, lam, model)
    if reduce == "per_example":
        worst, which = inc.max(dim=1)
        increase, feature = float(worst.mean()), int(torch.bincount(which, minlength=inc.shape[1]).argmax())
    else:
        per_feature = inc.mean(dim=0)
        feature = int(per_feature.argmax())
        increase = float(per_feature[feature])
    with torch.no_grad():
        clean = float(weighted_mse(forward(model, x_[:, None], W_[None], b_[None]), x_[:, None], imp[None])[0])
    return {"increase": increase, "feature": feature, "clean_loss": clean, "lam": lam}


def orthonormal_baseline(n_features: int, n_hidden: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A model without superposition: W = [I_m | 0] (features 0..m-1 dedicated), b = 0."""
    n = check_int("n_features", n_features, 1)
    m = check_int("n_hidden", n_hidden, 1, n)
    W = torch.zeros(m, n)
    W[:, :m] = torch.eye(m)
    return W, torch.zeros(n)


def relative_vulnerability(run, n_samples: int = 8192, fraction: float = 0.1, seed: int = 0,
                           reduce: str = "per_example") -> dict:
    """Vulnerability of every instance of a tied-model ``Run``, relative to no superposition.

    For instance k: x ~ the instance's data (``n_samples`` fresh samples,
    generator seeded with ``seed``), lambda = fraction E||x||, vulnerability
    V_k (``vulnerability`` with ``reduce``) of the trained model and V0_k of
    ``orthonormal_baseline`` on the same x and lambda. Returns numpy arrays
    (I,): 'relative' V/V0, 'increase' V, 'baseline' V0, 'lam', 'feature'
    (the most harmful attack), and 'features_per_dimension' ||W||_F^2 / m.
    """
    from .run import Run
    if not isinstance(run, Run):
        raise ValueError(f"run must be a tmslab Run (what tmslab.train returns), got {type(run).__name__}")
    n_samples = check_int("n_samples", n_samples, 1, 10_000_000)
    seed = check_int("seed", seed, 0)
    check_choice("reduce", reduce, REDUCTIONS)
    model = run.config.model
    m, n = run.config.n_hidden, run.config.n_features
    W0, b0 = orthonormal_baseline(n, m)
    gen = torch.Generator().manual_seed(seed)
    out = {k: [] for k in ("relative", "increase", "baseline", "lam", "feature", "features_per_dimension")}
    for k in range(run.n_instances):
        x = sample_features(n_samples, run.sparsity[k].numpy(), run.groups, generator=gen)
        imp = run.importance[k]
        v = vulnerability(run.W[k], run.b[k], x, imp, fraction, model, reduce)
        v0 = vulnerability(W0, b0, x, imp, fraction, model, reduce)
        out["relative"].append(v["increase"] / max(v0["increase"], _EPS))
        out["increase"].append(v["increase"])
        out["baseline"].append(v0["increase"])
        out["lam"].append(v["lam"])
        out["feature"].append(v["feature"])
        out["features_per_dimension"].append(float((run.W[k] ** 2).sum()) / m)
    return {k: np.array(v) for k, v in out.items()}


def _ranks(a: np.ndarray) -> np.ndarray:
    """Ranks 1..N with ties sharing their average rank."""
    order = np.argsort(a, kind="mergesort")
    ranks = np.empty(len(a))
    sorted_a = a[order]
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and sorted_a[j + 1] == sorted_a[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(a, b) -> float:
    """Spearman rank correlation rho of two equally long sequences (>= 3 values, ties averaged)."""
    a = as_array("a", a, -np.inf, np.inf).ravel()
    b = as_array("b", b, -np.inf, np.inf).ravel()
    if len(a) != len(b) or len(a) < 3:
        raise ValueError(f"a and b must have the same length >= 3, got {len(a)} and {len(b)}")
    ra, rb = _ranks(a), _ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denom = np.sqrt((ra**2).sum() * (rb**2).sum())
    if denom == 0:
        raise ValueError("spearman is undefined when a or b is constant")
    return float((ra * rb).sum() / denom)
