"""Checks for lesson 09 (sparse autoencoders).

Each check calls the learner's function on small fixed cases and compares it
with ``tmslab.sae`` / ``tmslab.sae_metrics``; the cases are chosen so that the
usual slips (forgetting b_dec, averaging instead of summing, absolute cosines,
"rarely active" instead of "never active") give a wrong answer.
"""
from __future__ import annotations

import torch

from .. import sae as lib
from .base import ExerciseError, check_close, expects_function, passed


def _sae_case(seed: int, B: int = 16, m: int = 4, d: int = 6):
    g = torch.Generator().manual_seed(seed)
    h = torch.rand(B, m, generator=g) * (torch.rand(B, m, generator=g) < 0.6)
    W_dec = torch.randn(m, d, generator=g)
    W_dec = W_dec / W_dec.norm(dim=0, keepdim=True)
    W_enc = torch.randn(d, m, generator=g)
    b_enc = 0.3 * torch.randn(d, generator=g)
    b_dec = 0.5 * torch.randn(m, generator=g)
    return h, W_enc, b_enc, W_dec, b_dec


@expects_function("sae_forward")
def check_sae_forward(fn) -> str:
    """fn(h (B, m), W_enc (d, m), b_enc (d,), W_dec (m, d), b_dec (m,), l1_coeff) -> (c, h_hat, loss)."""
    for seed, lam in ((0, 0.1), (1, 0.0), (2, 0.7)):
        h, W_enc, b_enc, W_dec, b_dec = _sae_case(seed)
        out = fn(h.clone(), W_enc.clone(), b_enc.clone(), W_dec.clone(), b_dec.clone(), lam)
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise ExerciseError("return three things: (c, h_hat, loss)")
        c, h_hat, loss = out
        ref_c, ref_hat = lib.forward(h, W_enc[None], b_enc[None], W_dec[None], b_dec[None])
        ref_loss = lib.sae_loss(h, ref_hat, ref_c, torch.tensor([lam]))["total"][0]
        check_close(c, ref_c[:, 0], "the codes c = ReLU(W_enc (h - b_dec) + b_enc)")
        check_close(h_hat, ref_hat[:, 0], "the reconstruction h_hat = W_dec c + b_dec")
        check_close(torch.as_tensor(loss).reshape(()), ref_loss,
                    f"the loss (lambda = {lam}): mean over samples of ||h - h_hat||^2 + lambda ||c||_1")
    return passed("codes, reconstruction and loss match tmslab.sae on three random SAEs")


def _recovery_cases():
    g = torch.Generator().manual_seed(3)
    F = torch.randn(5, 8, generator=g) * torch.linspace(0.5, 2.0, 8)   # (m=5, n=8), unequal norms
    noisy = F + 0.3 * torch.randn(5, 8, generator=g)
    D1 = torch.cat([noisy[:, :6] * 3.0, -F[:, 6:]], dim=1)            # last two only as -W_i
    D2 = torch.randn(5, 12, generator=g) * 5.0                         # unnormalised random atoms
    D3 = torch.cat([F[:, [2, 0, 1]], 0.1 * noisy[:, 3:]], dim=1)      # shuffled, rescaled
    return [(F, D1, 0.9), (F, D2, 0.5), (F, D3, 0.95)]


@expects_function("recovery")
def check_recovery(fn) -> str:
    """fn(features (m, n), dictionary (m, d), threshold) -> (mmcs, recovered_fraction) as numbers."""
    for k, (F, D, thr) in enumerate(_recovery_cases()):
        out = fn(F.clone(), D.clone(), thr)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise ExerciseError("return two numbers: (mmcs, recovered_fraction)")
        got_mmcs, got_frac = out
        check_close(torch.as_tensor(got_mmcs, dtype=torch.float64).reshape(()),
                    lib.mmcs(F, D), f"MMCS in case {k + 1} (signed cosines, max over dictionary atoms, "
                    "mean over features)", atol=1e-4)
        check_close(torch.as_tensor(got_frac, dtype=torch.float64).reshape(()),
                    lib.recovered_fraction(F, D, thr),
                    f"the recovered fraction in case {k + 1} (share of features with best cosine > {thr})",
                    atol=1e-6)
    return passed("MMCS and recovered fraction match tmslab.sae on three dictionaries")


@expects_function("find_dead")
def check_find_dead(fn) -> str:
    """fn(codes (N, d)) -> bool (d,): True for latents that are never active."""
    g = torch.Generator().manual_seed(4)
    codes = torch.relu(torch.randn(1000, 7, generator=g))
    codes[:, 2] = 0.0                    # dead
    codes[:, 5] = 0.0
    codes[123, 5] = 0.5                  # fires once: rare, not dead
    codes[:, 6] = 0.0                    # dead
    for case in (codes, codes[:, [6, 5, 0]], codes[:1]):
        got = fn(case.clone())
        if got is None:
            raise ExerciseError("find_dead returned None: did you forget a `return`?")
        got = torch.as_tensor(got)
        check_close(got.float(), lib.dead_latents(case).float(),
                    "the dead-latent mask (True where a latent is zero on every sample)")
    return passed("dead latents found, and a rarely active latent is not called dead")
