"""Checks for lesson 10 (modern sparse autoencoders).

Each check runs the learner's function on small fixed cases, compares it with the
library (``tmslab.sae_variants``, ``tmslab.sae_metrics``) and, when it differs,
first tests for the usual slips so the message names the mistake: a TopK without
the ReLU, the k smallest instead of the largest, top-k over the batch; a JumpReLU
that returns the step H instead of z H, fires at z = theta, shifts like z - theta,
or uses a window of width eps instead of eps/2; a census that counts dead latents
or counts latents instead of features.
"""
from __future__ import annotations

import torch

from .. import sae_metrics, sae_variants
from .base import ExerciseError, as_number, check_close, expects_function, passed


def _tensor(value, what: str) -> torch.Tensor:
    if value is None:
        raise ExerciseError(f"{what} returned None: did you forget a `return`?")
    if isinstance(value, (tuple, list)):
        raise ExerciseError(f"{what} should be one tensor, got a {type(value).__name__}")
    try:
        return torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise ExerciseError(f"{what} should be a tensor, got {type(value).__name__}") from None


def _pre_activations(seed: int, B: int = 6, d: int = 9) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(B, d, generator=g, dtype=torch.float64)
    z[0] = -z[0].abs() - 0.1                    # a sample with no positive pre-activation
    z[1, :] = -1.0 - torch.arange(d, dtype=torch.float64) / d
    z[1, 4] = 0.7                               # ... and one with a single positive one
    return z


@expects_function("topk_activation")
def check_topk(fn) -> str:
    """fn(z (B, d), k) -> codes (B, d): ReLU of the k largest entries of each row, zeros elsewhere."""
    for seed, k in ((0, 3), (1, 1), (2, 9), (3, 2)):
        z = _pre_activations(seed)
        got = _tensor(fn(z.clone(), k), f"topk_activation(z, k={k})")
        expected = sae_variants.topk_relu(z, k)
        if got.shape != expected.shape:
            raise ExerciseError(f"topk_activation must return codes of the same shape as z {tuple(z.shape)}, "
                                f"got {tuple(got.shape)}: keep every latent, set the unselected ones to 0")
        if (got < 0).any():
            raise ExerciseError("codes must be non-negative: apply the ReLU to the kept values (a sample with "
                                "fewer than k positive pre-activations keeps only those)")
        if ((got != 0).sum(-1) > k).any():
            raise ExerciseError(f"at most k = {k} codes per sample may be non-zero: choose the top k along the "
                                f"latent dimension (dim=-1), separately for every sample")
        smallest = torch.zeros_like(z).scatter(-1, z.topk(k, dim=-1, largest=False).indices,
                                               torch.relu(z.topk(k, dim=-1, largest=False).values))
        if k < z.shape[1] and torch.allclose(got, smallest) and not torch.allclose(got, expected):
            raise ExerciseError("you kept the k smallest pre-activations; TopK keeps the k largest")
        by_batch = torch.zeros_like(z).scatter(0, z.topk(min(k, z.shape[0]), dim=0).indices,
                                               torch.relu(z.topk(min(k, z.shape[0]), dim=0).values))
        if torch.allclose(got, by_batch) and not torch.allclose(got, expected):
            raise ExerciseError("you took the top k over the batch (dim=0); take it over the latents (dim=-1)")
        check_close(got, expected, f"the TopK codes for k = {k}")
    return passed("TopK keeps the k largest pre-activations of every sample, ReLU'd, and zeros the rest")


def _jump_case(seed: int, eps: float):
    g = torch.Generator().manual_seed(seed)
    theta = 0.2 + 0.6 * torch.rand(8, generator=g, dtype=torch.float64)
    z = theta + eps * (2.4 * torch.rand(10, 8, generator=g, dtype=torch.float64) - 1.2)  # many near theta
    z[0] = theta                                  # exactly at the threshold: not active
    z[1] = theta + 0.75 * eps                     # inside [eps/2, eps): outside the window
    z[2] = theta - 0.75 * eps
    z[3] = -0.5                                   # negative pre-activations
    return z, theta


@expects_function("jumprelu")
def check_jumprelu(fn) -> str:
    """fn(z (B, d), theta (d,), bandwidth) -> (c, dc_dtheta), both (B, d):
    c = z H(z - theta); dc_dtheta = -(theta / eps) * [|z - theta| < eps / 2]."""
    for seed, eps in ((0, 0.1), (1, 0.3)):
        z, theta = _jump_case(seed, eps)
        out = fn(z.clone(), theta.clone(), eps)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise ExerciseError("return two tensors: (c, dc_dtheta)")
        c, grad = _tensor(out[0], "c"), _tensor(out[1], "dc_dtheta")
        want_c = z * (z > theta)
        want_g = sae_variants.jumprelu_pseudo_derivative(z, theta, eps)
        if c.shape != z.shape or grad.shape != z.shape:
            raise ExerciseError(f"c and dc_dtheta must both have z's shape {tuple(z.shape)}, got "
                                f"{tuple(c.shape)} and {tuple(grad.shape)}")
        if torch.allclose(c, (z > theta).double()) or torch.allclose(c, (z >= theta).double()):
            raise ExerciseError("c is the step H(z - theta) itself; the JumpReLU code is z * H(z - theta), "
                                "the pre-activation where it passes the threshold")
        if torch.allclose(c, torch.relu(z - theta)):
            raise ExerciseError("c = ReLU(z - theta) is a shifted ReLU; JumpReLU keeps z itself above theta "
                                "(it jumps from 0 to theta)")
        if torch.allclose(c, z * (z >= theta)) and not torch.allclose(c, want_c):
            raise ExerciseError("a latent exactly at its threshold (z = theta) must stay off: use z > theta")
        check_close(c, want_c, "c = z * H(z - theta)")
        wide = -(theta / eps) * ((z - theta).abs() < eps).double()
        if torch.allclose(grad, wide) and not torch.allclose(grad, want_g):
            raise ExerciseError("the window is too wide: the rectangle kernel K((z - theta)/eps) is 1 only for "
                                "|z - theta| < eps / 2")
        if torch.allclose(grad, -want_g) and want_g.abs().sum() > 0:
            raise ExerciseError("dc_dtheta has the wrong sign: raising theta switches latents off, so it is "
                                "-(theta / eps) inside the window")
        if torch.allclose(grad, -(1.0 / eps) * ((z - theta).abs() < eps / 2).double()):
            raise ExerciseError("that is the pseudo-derivative of the step H; the code c = z H(z - theta) "
                                "loses about theta when it switches off: -(theta / eps) inside the window")
        check_close(grad, want_g, "dc_dtheta = -(theta / eps) * [|z - theta| < eps / 2]")
    return passed("JumpReLU codes and the threshold's straight-through pseudo-gradient match tmslab.sae_variants")


def _census_cases():
    g = torch.Generator().manual_seed(5)
    F = torch.randn(6, 5, generator=g)
    F = F / F.norm(dim=0)
    noise = 0.05 * torch.randn(6, 9, generator=g)
    D = torch.cat([F[:, [0, 0, 1, 2, 2, 2]], F[:, [3]] + F[:, [4]], -F[:, [1]], torch.randn(6, 1, generator=g)],
                  dim=1) + noise
    fires = torch.tensor([10, 3, 7, 0, 5, 2, 4, 6, 0])   # latent 3 (a copy of feature 2) is dead
    cos = sae_metrics.cosine_matrix(F, D)
    return [(cos, fires, 0.9), (cos, torch.ones(9, dtype=torch.long), 0.9), (cos, fires, 0.5)]


@expects_function("count_census")
def check_census(fn) -> str:
    """fn(cos (n, d), fires (d,), threshold) -> (n_duplicated_features, n_unmatched_latents)."""
    for k, (cos, fires, thr) in enumerate(_census_cases()):
        out = fn(cos.clone(), fires.clone(), thr)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise ExerciseError("return two numbers: (n_duplicated, n_unmatched)")
        dup = as_number(out[0], "n_duplicated")
        unm = as_number(out[1], "n_unmatched")
        ref = sae_metrics.census_counts(cos, fires, threshold=thr)
        want_dup, want_unm = int(ref["duplicated"]), int(ref["unmatched"])
        alive = fires > 0
        match = (cos > thr) & alive[None, :]
        all_match = cos > thr
        if dup != want_dup:
            if dup == int((all_match.sum(1) >= 2).sum()):
                raise ExerciseError(f"case {k + 1}: a dead latent (fires = 0) never represents anything; count "
                                    "only alive latents as matches")
            if dup == int((match.sum(1) - 1).clamp_min(0).sum()):
                raise ExerciseError(f"case {k + 1}: count features with two or more matching latents, not the "
                                    "surplus latents")
            raise ExerciseError(f"case {k + 1}: n_duplicated is {dup:g}, expected {want_dup} (features with at "
                                f"least two alive latents whose cosine exceeds {thr})")
        if unm != want_unm:
            if unm == int((alive & ((cos.abs() > thr).sum(0) == 0)).sum()):
                raise ExerciseError(f"case {k + 1}: use signed cosines; an atom along -W_i cannot represent "
                                    "feature i (codes are non-negative)")
            if unm == int((all_match.sum(0) == 0).sum()):
                raise ExerciseError(f"case {k + 1}: dead latents are not 'unmatched': count alive latents "
                                    "(fires > 0) that match no feature")
            raise ExerciseError(f"case {k + 1}: n_unmatched is {unm:g}, expected {want_unm} (alive latents "
                                f"whose best cosine is at most {thr})")
    return passed("duplicated features and unmatched latents counted like tmslab.sae_metrics.census")
