"""Reference solutions for lesson 10 (modern sparse autoencoders)."""
from __future__ import annotations

import torch

from ..checks.saes import check_census, check_jumprelu, check_topk


def topk_activation(z, k):
    """z (B, d) pre-activations -> codes (B, d): ReLU of the k largest entries of each row, zeros elsewhere."""
    values, index = z.topk(k, dim=-1)                                  # k largest per sample
    return torch.zeros_like(z).scatter(-1, index, torch.relu(values))


def jumprelu(z, theta, bandwidth):
    """z (B, d), theta (d,), bandwidth eps -> (c, dc_dtheta), both (B, d).

    c = z H(z - theta) (a latent fires only strictly above its threshold);
    dc_dtheta = -(theta / eps) K((z - theta) / eps) with the rectangle K(u) = [|u| < 1/2].
    """
    c = z * (z > theta)
    window = ((z - theta).abs() < bandwidth / 2).to(z.dtype)
    return c, -(theta / bandwidth) * window


def count_census(cos, fires, threshold):
    """cos (n, d) feature-latent cosines, fires (d,) firing counts -> (features with >= 2 matching
    alive latents, alive latents that match no feature); a match is cos > threshold."""
    alive = fires > 0
    match = (cos > threshold) & alive[None, :]                        # (n, d)
    n_duplicated = int((match.sum(dim=1) >= 2).sum())
    n_unmatched = int((alive & (match.sum(dim=0) == 0)).sum())
    return n_duplicated, n_unmatched


CHECKS = {"topk_activation": check_topk, "jumprelu": check_jumprelu, "count_census": check_census}
