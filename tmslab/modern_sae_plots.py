"""Figures for lesson 10 (modern sparse autoencoders). Every function returns the Figure.

* ``plot_size_sweep``: what a dictionary of d latents does with n true features:
  recovered features, and duplicated features / dead / unmatched latents, against d.
* ``plot_frontier``: each family's L0-vs-reconstruction curve and its recovery against L0.
* ``plot_recovery``: one SAE: the feature-by-latent cosine matrix and its latent census
  (the widget's figure).
* ``plot_absorption``: how often a parent's latent fires without / with a child, per SAE.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .plots import _fig_ax
from .sae_metrics import census
from .sae_plots import plot_cosine_matrix
from .validation import as_array, check_float

FAMILY_COLORS = {"L1": "#3182bd", "TopK": "#e6550d", "JumpReLU": "#31a354", "L1, decoder norm in penalty": "#756bb1",
                 "Matryoshka L1": "#636363"}
_CYCLE = ("#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#d62728")


def _color(label: str, k: int) -> str:
    return FAMILY_COLORS.get(label, _CYCLE[k % len(_CYCLE)])


def _series(name: str, values, length: int | None = None, low: float = 0.0, high: float = np.inf) -> np.ndarray:
    arr = as_array(name, values, low, high)
    if arr.ndim != 1 or (length is not None and len(arr) != length):
        raise ValueError(f"{name} must be a 1-D sequence" + (f" of length {length}" if length else "")
                         + f", got shape {arr.shape}")
    return arr


def plot_size_sweep(sizes, table: dict, n_features: int):
    """Two panels against the dictionary size d (log axis).

    sizes: (S,) dictionary sizes; table: {family label: {"recovered", "duplicated", "dead",
    "unmatched": (S,) counts}}; n_features: the true n. Left: recovered features with the
    bound min(d, n); right: duplicated features (solid), dead latents (dashed) and
    unmatched alive latents (dotted).
    """
    d = _series("sizes", sizes, low=1)
    if not isinstance(table, dict) or not table:
        raise ValueError("table must map family labels to dicts of per-size counts")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    grid = np.geomspace(d.min(), d.max(), 50)
    ax1.plot(grid, np.minimum(grid, n_features), color="0.6", ls=":", lw=1.5, label=r"bound $\min(d, n)$")
    for k, (label, row) in enumerate(table.items()):
        c = _color(label, k)
        ax1.plot(d, _series("recovered", row["recovered"], len(d)), "o-", color=c, label=label)
        ax2.plot(d, _series("duplicated", row["duplicated"], len(d)), "o-", color=c, label=f"{label}: duplicated features")
        ax2.plot(d, _series("dead", row["dead"], len(d)), "s--", color=c, label=f"{label}: dead latents")
        ax2.plot(d, _series("unmatched", row["unmatched"], len(d)), "^:", color=c, label=f"{label}: unmatched latents")
    for ax in (ax1, ax2):
        ax.set_xscale("log", base=2)
        ax.set_xticks(d, [str(int(v)) for v in d])
        ax.axvline(n_features, color="0.4", lw=1, ls="--")
        ax.set_xlabel("dictionary size $d$ (dashed line: $d = n$)")
    ax1.set(ylabel="features recovered (cos > 0.9)", title="Recovery against dictionary size")
    ax2.set(ylabel="count", title="What the other latents do")
    ax1.legend(fontsize=7, loc="lower right")
    ax2.legend(fontsize=6.5, loc="upper left", ncol=2)
    fig.tight_layout()
    return fig


def plot_frontier(curves: dict, true_l0: float | None = None):
    """Two panels, one curve per family. curves: {label: (l0 (K,), fvu (K,), recovered (K,))}.

    Left: fraction of variance unexplained against L0 (log y): lower-left is better.
    Right: recovered feature fraction against L0. true_l0: the data's mean number of
    active features, drawn as a dashed line.
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must map family labels to (l0, fvu, recovered) triples")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, (label, (l0, fvu, rec)) in enumerate(curves.items()):
        l0 = _series("l0", l0)
        fvu = _series("fvu", fvu, len(l0))
        rec = _series("recovered", rec, len(l0), high=1.0)
        order = np.argsort(l0, kind="stable")
        c = _color(label, k)
        ax1.plot(l0[order], np.maximum(fvu[order], 1e-4), "o-", color=c, label=label)
        ax2.plot(l0[order], rec[order], "o-", color=c, label=label)
    for ax in (ax1, ax2):
        if true_l0 is not None:
            ax.axvline(check_float("true_l0", true_l0, 0.0), color="0.4", ls="--", lw=1,
                       label=f"true active features {true_l0:.2f}")
        ax.set_xscale("log")
        ax.set_xlabel("L0: mean active latents per sample")
    ax1.set(yscale="log", ylabel="fraction of variance unexplained", title="Sparsity vs reconstruction")
    ax2.set(ylim=(-0.03, 1.05), ylabel="recovered fraction (cos > 0.9)", title="Recovery")
    ax1.legend(fontsize=7)
    ax2.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def plot_recovery(features, dictionary, fires, title: str = "SAE dictionary", threshold: float = 0.9):
    """One SAE: cosine matrix of features (m, n) against its dictionary (m, d), latents sorted by
    best-matching feature with dead latents (fires (d,) == 0) last; beside it the latent census."""
    fires_t = np.asarray(fires)
    dead = fires_t == 0
    counts = census(features, dictionary, fires_t, threshold=threshold)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [2.2, 1]})
    plot_cosine_matrix(features, dictionary, dead=dead, ax=ax1, title=title)
    names = ["recovered\nfeatures", "duplicated\nfeatures", "dead\nlatents", "unmatched\nlatents", "blended\nlatents"]
    values = [int(counts[k]) for k in ("recovered", "duplicated", "dead", "unmatched", "blended")]
    bars = ax2.bar(range(5), values, color=["#31a354", "#e6550d", "0.5", "#756bb1", "#9e9ac8"])
    for bar, v in zip(bars, values):
        ax2.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), str(v), ha="center", va="bottom", fontsize=8)
    ax2.set_xticks(range(5), names, fontsize=7)
    ax2.set(title=f"Census (cos > {threshold:g})", ylabel="count", ylim=(0, max(values + [1]) * 1.18))
    fig.tight_layout()
    return fig


def plot_absorption(labels, fires_alone, fires_with_child, child_cos, fvu=None):
    """Grouped bars per SAE (labels (K,)): P(parent latent fires | parent alone), P(... | with a
    child), and the children's latents' cosine with the parent direction; fvu (K,) in the labels."""
    labels = list(labels)
    K = len(labels)
    a = _series("fires_alone", fires_alone, K, high=1.0)
    w = _series("fires_with_child", fires_with_child, K, high=1.0)
    c = _series("child_cos", child_cos, K, low=-1.0, high=1.0)
    if fvu is not None:
        f = _series("fvu", fvu, K)
        labels = [f"{lab}\nFVU {v:.3f}" for lab, v in zip(labels, f)]
    fig, ax = _fig_ax(None, figsize=(9, 3.6))
    x = np.arange(K)
    ax.bar(x - 0.27, a, 0.27, color="#3182bd", label="parent latent fires: parent alone")
    ax.bar(x, w, 0.27, color="#e6550d", label="parent latent fires: parent with a child")
    ax.bar(x + 0.27, c, 0.27, color="#756bb1", label="children's latents: cosine with parent direction")
    ax.set_xticks(x, labels, fontsize=7)
    ax.set(ylim=(min(0.0, float(c.min())) - 0.05, 1.12), ylabel="rate / cosine",
           title="Feature absorption: does the parent's latent survive when a child is active?")
    ax.axhline(0, color="k", lw=0.6)
    ax.legend(fontsize=7, loc="upper center", ncol=3)
    fig.tight_layout()
    return fig
