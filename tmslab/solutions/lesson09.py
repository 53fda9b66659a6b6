"""Reference solutions for lesson 09 (sparse autoencoders)."""
from __future__ import annotations

import torch

from ..checks.sae import check_find_dead, check_recovery, check_sae_forward


def sae_forward(h, W_enc, b_enc, W_dec, b_dec, l1_coeff):
    """One SAE on a batch: h (B, m), W_enc (d, m), b_enc (d,), W_dec (m, d), b_dec (m,).

    Returns (c, h_hat, loss): c = ReLU(W_enc (h - b_dec) + b_enc) (B, d),
    h_hat = W_dec c + b_dec (B, m), loss = mean_b ||h - h_hat||^2 + l1_coeff * mean_b ||c||_1.
    """
    c = torch.relu((h - b_dec) @ W_enc.T + b_enc)                      # (B, d)
    h_hat = c @ W_dec.T + b_dec                                        # (B, m)
    loss = ((h - h_hat) ** 2).sum(dim=1).mean() + l1_coeff * c.sum(dim=1).mean()
    return c, h_hat, loss


def recovery(features, dictionary, threshold):
    """features (m, n), dictionary (m, d) -> (MMCS, fraction of features with best cosine > threshold)."""
    F = features / features.norm(dim=0, keepdim=True)                # unit columns W_i
    D = dictionary / dictionary.norm(dim=0, keepdim=True)            # unit atoms D_j
    best = (F.T @ D).max(dim=1).values                               # (n,) best signed cosine per feature
    return best.mean().item(), (best > threshold).float().mean().item()


def find_dead(codes):
    """codes (N, d), non-negative -> boolean (d,): True for latents that are 0 on every sample."""
    return (codes > 0).sum(dim=0) == 0


CHECKS = {"sae_forward": check_sae_forward, "recovery": check_recovery, "find_dead": check_find_dead}
