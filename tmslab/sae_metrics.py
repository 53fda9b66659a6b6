"""How well does a dictionary recover known features? Metrics for sparse autoencoders.

Ground truth: the toy model's feature directions, the columns W_i of W (m, n).
Dictionary: the SAE's decoder columns, W_dec (..., m, d). Cosines are *signed*:
the SAE's codes are non-negative, so the atom -W_i does not represent
feature i (with x_i >= 0 the feature only ever points along +W_i).

    cosine_matrix[i, j] = hat W_i . hat D_j                  (..., n, d)
    max_cosines[i]      = max_j cosine_matrix[i, j]          (..., n)
    MMCS                = mean_i max_cosines[i]              (...,)  (Sharkey et al. 2022)
    recovered fraction  = mean_i [max_cosines[i] > threshold]

Codes c have shape (N, ..., d) (samples first):
    L0                  = mean over samples of #{j : c_j > 0}      (...,)
    dead latents        = latents with c_j = 0 on every sample     (..., d) bool

Cosines and means are summed in a fixed order in float64 (``_ordered_sum``), so
printed recovery numbers are the same on every CPU.
"""
from __future__ import annotations

import numpy as np
import torch

from .validation import as_weights, check_float

_EPS = 1e-8


def _ordered_sum(x: np.ndarray, axis: int) -> np.ndarray:
    """Sum of a float64 array along ``axis``, index by index (the same bits on every CPU)."""
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, 0)
    total = np.zeros(x.shape[1:], np.float64)
    for row in x:
        total += row
    return total


def _unit(W: torch.Tensor) -> np.ndarray:
    """Columns of W (..., m, n) scaled to unit length, float64 numpy (zero columns stay zero)."""
    A = W.detach().double().numpy()
    norms = np.sqrt(_ordered_sum(A * A, axis=-2))[..., None, :]
    return A / np.maximum(norms, _EPS)


def _pair(features, dictionary):
    F = as_weights("features", features).double()
    D = as_weights("dictionary", dictionary).double()
    if F.shape[-2] != D.shape[-2]:
        raise ValueError(f"features (m={F.shape[-2]}) and dictionary (m={D.shape[-2]}) must live in "
                         f"the same m-dimensional space")
    return F, D


def cosine_matrix(features, dictionary) -> torch.Tensor:
    """(..., n, d): cosine between feature i's direction W_i and dictionary atom j.

    features (m, n) or (..., m, n); dictionary (..., m, d). Zero columns give cosine 0.
    """
    F, D = _pair(features, dictionary)
    Fu, Du = _unit(F), _unit(D)
    out = np.zeros(np.broadcast_shapes(Fu.shape[:-2], Du.shape[:-2]) + (Fu.shape[-1], Du.shape[-1]))
    for k in range(Fu.shape[-2]):                      # sum over the m dimensions in order
        out += Fu[..., k, :, None] * Du[..., k, None, :]
    return torch.from_numpy(out).float()


def max_cosines(features, dictionary) -> torch.Tensor:
    """(..., n): for every feature, the cosine of its best-matching dictionary atom."""
    return cosine_matrix(features, dictionary).max(dim=-1).values


def _mask(max_cos: torch.Tensor, which) -> torch.Tensor:
    """Select features by ``which``: None (all), a bool mask (n,), or a list of distinct indices in [0, n)."""
    if which is None:
        return max_cos
    n = max_cos.shape[-1]
    try:
        sel = torch.as_tensor(np.asarray(which.detach().cpu() if isinstance(which, torch.Tensor) else which))
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"which must be a bool mask of shape ({n},) or a list of feature indices, "
                         f"got {type(which).__name__}") from None
    if sel.dtype == torch.bool:
        if sel.shape != (n,):
            raise ValueError(f"which must be a bool mask of shape ({n},), got shape {tuple(sel.shape)}")
        if not sel.any():
            raise ValueError("which must select at least one feature")
        return max_cos[..., sel]
    if sel.is_floating_point() or sel.is_complex() or sel.dim() != 1 or sel.numel() == 0:
        raise ValueError(f"which must be a bool mask of shape ({n},) or a non-empty list of integer "
                         f"feature indices, got dtype {sel.dtype} and shape {tuple(sel.shape)}")
    if (sel < 0).any() or (sel >= n).any() or len(sel.unique()) != len(sel):
        raise ValueError(f"which must list distinct feature indices in [0, {n - 1}], got {sel.tolist()}")
    return max_cos[..., sel.long()]


def mmcs(features, dictionary, which=None) -> torch.Tensor:
    """Mean max cosine similarity (...,) over the features, or over those ``which`` selects
    (a bool mask of shape (n,) or a list of feature indices)."""
    best = _mask(max_cosines(features, dictionary), which)
    return torch.from_numpy(np.asarray(_ordered_sum(best.numpy(), axis=-1) / best.shape[-1])).float()


def recovered_fraction(features, dictionary, threshold: float = 0.9, which=None) -> torch.Tensor:
    """Fraction (...,) of features whose best dictionary atom has cosine > threshold (in [-1, 1])."""
    threshold = check_float("threshold", threshold, -1.0, 1.0)
    best = _mask(max_cosines(features, dictionary), which)
    return (best > threshold).float().mean(-1)


def _codes(codes) -> torch.Tensor:
    if not isinstance(codes, torch.Tensor):
        codes = torch.as_tensor(codes)
    if codes.dim() < 2 or codes.shape[0] < 1:
        raise ValueError(f"codes must have shape (samples, ..., d) with at least 1 sample, "
                         f"got {tuple(codes.shape)}")
    if codes.is_floating_point() and not torch.isfinite(codes).all():
        raise ValueError("codes must not contain NaN or infinity")
    return codes


def l0(codes) -> torch.Tensor:
    """Mean number of active latents (c_j > 0) per sample (...,); codes (N, ..., d)."""
    return (_codes(codes) > 0).sum(-1).float().mean(0)


def dead_latents(codes) -> torch.Tensor:
    """Bool (..., d): latents that are never active on any of the N samples; codes (N, ..., d)."""
    return ~(_codes(codes) > 0).any(0)


def _fires(fires, d: int) -> torch.Tensor:
    f = torch.as_tensor(fires)
    if f.shape[-1:] != (d,) or f.is_floating_point() and not torch.isfinite(f).all():
        raise ValueError(f"fires must have shape (..., {d}) (how often each latent is active), "
                         f"got {tuple(f.shape)}")
    if (f < 0).any():
        raise ValueError("fires must be counts >= 0")
    return f


def census(features, dictionary, fires, threshold: float = 0.9, blend: float = 0.5) -> dict[str, torch.Tensor]:
    """What every feature and every latent of a dictionary is, each count (...,) long.

    features (m, n); dictionary (..., m, d); fires (..., d): how often each latent
    is active on some data (``SAE.evaluate(h)["fires"]``). With C = cosine_matrix,
    a latent j *matches* feature i when it is alive (fires > 0) and C[i, j] > threshold:

      recovered   features with at least one matching latent
      duplicated  features with two or more matching latents (split or copied features)
      dead        latents that never fire
      unmatched   alive latents that match no feature
      blended     unmatched alive latents within cosine ``blend`` of two or more features
                  (one atom serving several features: merged features)
    """
    return census_counts(cosine_matrix(features, dictionary), fires, threshold, blend)


def census_counts(cosines, fires, threshold: float = 0.9, blend: float = 0.5) -> dict[str, torch.Tensor]:
    """``census`` from a precomputed cosine matrix C (..., n, d) and fires (..., d)."""
    threshold = check_float("threshold", threshold, -1.0, 1.0)
    blend = check_float("blend", blend, -1.0, 1.0)
    C = torch.as_tensor(cosines)
    if C.dim() < 2 or not C.is_floating_point():
        raise ValueError(f"cosines must be a float tensor of shape (..., n, d), got {tuple(C.shape)}")
    alive = _fires(fires, C.shape[-1]) > 0
    if alive.shape[:-1] != C.shape[:-2]:
        raise ValueError(f"fires must have shape {tuple(C.shape[:-2]) + (C.shape[-1],)}, got {tuple(alive.shape)}")
    match = (C > threshold) & alive[..., None, :]
    per_feature = match.sum(-1)                                           # (..., n)
    per_latent = match.sum(-2)                                            # (..., d)
    unmatched = alive & (per_latent == 0)
    near = ((C > blend) & alive[..., None, :]).sum(-2)                    # (..., d)
    return {"recovered": (per_feature >= 1).sum(-1), "duplicated": (per_feature >= 2).sum(-1),
            "dead": (~alive).sum(-1), "unmatched": unmatched.sum(-1),
            "blended": (unmatched & (near >= 2)).sum(-1)}


def absorption(codes, x, parent: int, children, latent: int) -> dict[str, float]:
    """How often the latent for a parent feature stays silent when one of its children is active.

    codes (N, d): one SAE's codes; x (N, n): the true feature values of the same
    samples; parent: the parent feature's index; children: its children's indices
    (a child is only ever active together with the parent); latent: the SAE latent
    taken to represent the parent (e.g. its best-matching decoder column).
    Returns fires_alone = P(latent fires | parent active, no child active),
    fires_with_child = P(latent fires | parent and a child active), and
    absorbed = fires_alone - fires_with_child: the share of child samples on
    which the parent's latent drops out although it fires without a child
    (Chanin et al. 2024 call this feature absorption: a child latent takes over
    the parent's direction).
    """
    c, xs = torch.as_tensor(codes), torch.as_tensor(x)
    if c.dim() != 2 or xs.dim() != 2 or c.shape[0] != xs.shape[0]:
        raise ValueError(f"codes (N, d) and x (N, n) must be 2-D with the same N, got {tuple(c.shape)} "
                         f"and {tuple(xs.shape)}")
    n, d = xs.shape[1], c.shape[1]
    kids = [int(i) for i in np.atleast_1d(np.asarray(children))]
    if not kids or any(not 0 <= i < n for i in kids + [int(parent)]) or int(parent) in kids:
        raise ValueError(f"parent and children must be distinct feature indices in [0, {n - 1}], "
                         f"got parent={parent}, children={kids}")
    if not 0 <= int(latent) < d:
        raise ValueError(f"latent must be in [0, {d - 1}], got {latent}")
    on = xs[:, int(parent)] > 0
    child_on = (xs[:, kids] > 0).any(1)
    alone, with_child = on & ~child_on, on & child_on
    if not alone.any() or not with_child.any():
        raise ValueError("x must contain samples with the parent alone and with a child")
    fires = c[:, int(latent)] > 0
    a = float(fires[alone].float().mean())
    w = float(fires[with_child].float().mean())
    return {"fires_alone": a, "fires_with_child": w, "absorbed": a - w}
