"""Pictures for the sparse-autoencoder lesson. Every function returns the Figure.

* ``plot_cosine_matrix``: true features (rows) against dictionary latents
  (columns), cosine hat W_i . hat D_j in the course's signed colour map; latents
  sorted by their best-matching feature, so a perfect recovery is a diagonal.
* ``plot_sae_sweep``: the L1 sweep; the L0-vs-reconstruction trade-off and
  recovery (MMCS, recovered fraction) against lambda.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .plots import SIGNED_CMAP, _fig_ax
from .sae_metrics import cosine_matrix
from .validation import as_array


def latent_order(cos, dead=None) -> torch.Tensor:
    """A permutation (d,) of the latents: grouped by best-matching feature, best match first,
    dead latents (bool mask (d,)) last. cos: (n, d) feature-by-latent cosines."""
    cos = torch.as_tensor(as_array("cos", cos, -1.0 - 1e-4, 1.0 + 1e-4))
    if cos.dim() != 2:
        raise ValueError(f"cos must have shape (n, d), got {tuple(cos.shape)}")
    d = cos.shape[1]
    dead = torch.zeros(d, dtype=torch.bool) if dead is None else torch.as_tensor(dead, dtype=torch.bool)
    if dead.shape != (d,):
        raise ValueError(f"dead must be a bool mask of shape ({d},), got {tuple(dead.shape)}")
    best, feature = cos.max(dim=0)
    key = [(bool(dead[j]), int(feature[j]), -float(best[j]), j) for j in range(d)]
    return torch.tensor([k[-1] for k in sorted(key)], dtype=torch.long)


def plot_cosine_matrix(features, dictionary, dead=None, ax=None,
                       title: str = "True features vs SAE dictionary"):
    """Heatmap (n, d) of cos(W_i, D_j) with latents sorted by best-matching feature.

    features (m, n): the toy model's W; dictionary (m, d): one SAE's W_dec;
    dead: optional bool (d,), drawn last behind a dashed line.
    """
    cos = cosine_matrix(features, dictionary)
    if cos.dim() != 2:
        raise ValueError("plot_cosine_matrix takes one (m, n) feature matrix and one (m, d) dictionary")
    order = latent_order(cos, dead)
    fig, ax = _fig_ax(ax, figsize=(5.4, 3.6))
    im = ax.imshow(cos[:, order].numpy(), cmap=SIGNED_CMAP, vmin=-1, vmax=1, aspect="auto",
                   interpolation="nearest")
    if dead is not None:
        n_dead = int(torch.as_tensor(dead).sum())
        if n_dead:
            edge = cos.shape[1] - n_dead - 0.5
            ax.axvline(edge, color="k", ls="--", lw=1)
            ax.text(edge + 0.7, 0.3, f"{n_dead} dead", fontsize=8, va="top",
                    bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1})
    ax.set(title=title, xlabel="dictionary latent j (sorted by best-matching feature)",
           ylabel="true feature i")
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label="cosine")
    return fig


def plot_sae_sweep(l1_coeffs, l0, fvu, mmcs, recovered, true_l0: float | None = None,
                   baselines: dict | None = None):
    """Two panels for a sweep over lambda (all arguments (L,) sequences).

    Left: the trade-off, L0 (mean active latents) against the fraction of variance
    unexplained, one point per lambda, coloured by recovered fraction; the data's
    true mean number of active features as a dashed line. Right: MMCS and recovered
    fraction against lambda (log axis); ``baselines`` maps a label to an MMCS level
    drawn as a dotted line (e.g. a random dictionary).
    """
    lam = as_array("l1_coeffs", l1_coeffs, 0.0, np.inf)
    l0 = as_array("l0", l0, 0.0, np.inf)
    fvu = as_array("fvu", fvu, 0.0, np.inf)
    mm = as_array("mmcs", mmcs, -1.0, 1.0)
    rec = as_array("recovered", recovered, 0.0, 1.0)
    if not (lam.shape == l0.shape == fvu.shape == mm.shape == rec.shape) or lam.ndim != 1:
        raise ValueError("l1_coeffs, l0, fvu, mmcs and recovered must be 1-D and of equal length")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.6, 3.6))
    points = ax1.scatter(l0, np.maximum(fvu, 1e-5), c=rec, cmap="viridis", vmin=0, vmax=1, s=40,
                         zorder=3, edgecolors="k", linewidths=0.5)
    ax1.plot(l0, np.maximum(fvu, 1e-5), color="0.7", lw=1, zorder=2)
    for x, y, v in zip(l0, np.maximum(fvu, 1e-5), lam):
        ax1.annotate(f"λ={v:.3g}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    if true_l0 is not None:
        ax1.axvline(true_l0, color="0.4", ls="--", lw=1, label=f"true active features = {true_l0:.2f}")
        ax1.legend(fontsize=7, loc="upper right")
    ax1.set(yscale="log", xlabel="L0: mean active latents per sample",
            ylabel="fraction of variance unexplained", title="Sparsity vs reconstruction")
    fig.colorbar(points, ax=ax1, shrink=0.8, label="recovered fraction (cos > 0.9)")
    ax2.plot(lam, mm, "o-", color="#3182bd", label="MMCS")
    ax2.plot(lam, rec, "s-", color="#e6550d", label="recovered fraction")
    for (label, level), style in zip((baselines or {}).items(), (":", "-.", "--")):
        ax2.axhline(level, color="0.4", ls=style, lw=1, label=f"{label} (MMCS {level:.2f})")
    ax2.set(xscale="log", ylim=(-0.03, 1.05), xlabel="L1 coefficient λ", ylabel="recovery",
            title="Recovering the toy model's features")
    ax2.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
