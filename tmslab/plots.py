"""The course's standard pictures. Every function returns the matplotlib Figure.

Colour conventions, the same in every lesson:
  * feature importance: ``feature_colors`` (viridis; most important = dark
    purple, least important = yellow-green), as in the paper's 2-D figures;
  * signed matrices (W^T W, W, biases): ``coolwarm`` centred on 0;
  * superposition of a feature: ``SUPERPOSITION_CMAP`` from 0 (none) to 1+.
"""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch

from . import metrics
from .validation import as_weights

SIGNED_CMAP = "coolwarm"
SUPERPOSITION_CMAP = "plasma"
PHASE_COLORS = {"not learned": "#d9d9d9", "superposition": "#e6550d", "dedicated": "#3182bd",
                "same sign": "#31a354"}


def use_course_style() -> None:
    """Small, legible figures with identical bytes from run to run."""
    plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "figure.figsize": (6.4, 4.0),
                         "axes.grid": False, "axes.titlesize": 11, "axes.labelsize": 10,
                         "font.size": 9, "svg.hashsalt": "tmslab"})


def feature_colors(n_features: int) -> np.ndarray:
    """(n, 4) RGBA: feature 0 (most important) dark purple ... feature n-1 yellow-green."""
    return plt.cm.viridis(np.linspace(0.0, 0.85, n_features))


def _to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def plot_features_2d(W, ax=None, title: str = "Feature directions", limit: float = 1.5,
                     labels=None):
    """Arrows from the origin to every column of a 2 x n matrix W, coloured by importance."""
    W = _to_numpy(as_weights("W", W))
    if W.ndim != 2 or W.shape[0] != 2:
        raise ValueError(f"W must have shape (2, n) for a 2-D picture, got {W.shape}")
    fig, ax = _fig_ax(ax, figsize=(3.2, 3.2))
    colors = feature_colors(W.shape[1])
    for i in range(W.shape[1]):
        ax.plot([0, W[0, i]], [0, W[1, i]], color=colors[i], lw=2, zorder=2)
        ax.scatter(W[0, i], W[1, i], color=colors[i], s=30, zorder=3,
                   label=labels[i] if labels is not None else f"feature {i}")
    circle = plt.Circle((0, 0), 1.0, fill=False, ls=":", color="0.6")
    ax.add_patch(circle)
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal", title=title,
           xlabel="hidden dimension 1", ylabel="hidden dimension 2")
    return fig


def plot_features_2d_row(Ws, titles, suptitle: str | None = None):
    """One 2-D feature picture per matrix, side by side (the seed's headline figure)."""
    Ws = [_to_numpy(as_weights("W", W)) for W in Ws]
    fig, axes = plt.subplots(1, len(Ws), figsize=(2.8 * len(Ws), 3.0), squeeze=False)
    for W, title, ax in zip(Ws, titles, axes[0]):
        plot_features_2d(W, ax=ax, title=title)
        ax.set_ylabel("")
    if suptitle:
        fig.suptitle(suptitle)
        fig.tight_layout(rect=(0, 0, 1, 0.92))
    else:
        fig.tight_layout()
    return fig


def plot_interference(W, b=None, ax=None, title: str = "W^T W and b"):
    """Heatmap of W^T W (n x n, coolwarm, centred) with the bias as an extra column."""
    WtW = _to_numpy(metrics.interference_matrix(W))
    if WtW.ndim != 2:
        raise ValueError("plot_interference takes a single W of shape (m, n)")
    n = WtW.shape[0]
    image = WtW if b is None else np.concatenate([WtW, np.full((n, 1), np.nan), _to_numpy(b)[:, None]], 1)
    fig, ax = _fig_ax(ax, figsize=(3.6, 3.0))
    vmax = max(1.0, float(np.nanmax(np.abs(image))))
    im = ax.imshow(image, cmap=SIGNED_CMAP, vmin=-vmax, vmax=vmax)
    ax.set(title=title, xlabel="feature j" + ("   (last column: b)" if b is not None else ""),
           ylabel="feature i")
    fig.colorbar(im, ax=ax, shrink=0.8)
    return fig


def plot_feature_norms(W, ax=None, title: str = "||W_i||, coloured by superposition",
                       colorbar: bool = False):
    """Bars of ||W_i|| per feature, coloured by sum_{j!=i} (hat W_i . W_j)^2 clipped to [0, 1]."""
    norms = _to_numpy(metrics.feature_norms(W))
    sup = np.clip(_to_numpy(metrics.superposition(W)), 0, 1)
    if norms.ndim != 1:
        raise ValueError("plot_feature_norms takes a single W of shape (m, n)")
    fig, ax = _fig_ax(ax, figsize=(4.0, 2.6))
    cmap = plt.get_cmap(SUPERPOSITION_CMAP)
    ax.bar(np.arange(len(norms)), norms, color=cmap(sup * 0.9))
    ax.set(title=title, xlabel="feature i (most important first)", ylabel="||W_i||",
           ylim=(0, max(1.25, float(norms.max()) * 1.05)))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.axhline(1.0, color="0.6", ls=":", lw=0.8)
    if colorbar:
        mappable = matplotlib.cm.ScalarMappable(norm=matplotlib.colors.Normalize(0, 1 / 0.9), cmap=cmap)
        fig.colorbar(mappable, ax=ax, shrink=0.8, label="superposition (clipped at 1)")
    return fig


def plot_sweep(run, titles=None, suptitle: str | None = None):
    """For each instance of ``run``: ||W_i|| bars (coloured by superposition) above W^T W + b."""
    k = run.n_instances
    fig, axes = plt.subplots(2, k, figsize=(2.3 * k, 4.6), squeeze=False)
    titles = titles or [f"1-S = {float(d):.3g}" for d in run.density[:, 0]]
    vmax = 1.0
    for col in range(k):
        W, b = run.W[col], run.b[col]
        plot_feature_norms(W, ax=axes[0, col], title=titles[col])
        axes[0, col].set(xlabel="feature", ylabel="||W_i||" if col == 0 else "")
        WtW = _to_numpy(metrics.interference_matrix(W))
        n = WtW.shape[0]
        image = np.concatenate([WtW, np.full((n, 1), np.nan), _to_numpy(b)[:, None]], 1)
        axes[1, col].imshow(image, cmap=SIGNED_CMAP, vmin=-vmax, vmax=vmax)
        axes[1, col].set(xlabel="W^T W | b", ylabel="feature" if col == 0 else "")
        axes[1, col].set_xticks([])
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_phase_diagram(labels, r_values, p_values, ax=None, title: str = "Phase diagram"):
    """Categorical map of phase names (len(p), len(r)) over relative importance r and density p."""
    labels = np.asarray(labels, dtype=object)
    if labels.shape != (len(p_values), len(r_values)):
        raise ValueError(f"labels must have shape (len(p_values), len(r_values)) = "
                         f"{(len(p_values), len(r_values))}, got {labels.shape}")
    names = list(PHASE_COLORS)
    codes = np.vectorize(lambda s: names.index(s) if s in names else -1)(labels).astype(float)
    codes[codes < 0] = np.nan
    cmap = matplotlib.colors.ListedColormap([PHASE_COLORS[n] for n in names])
    fig, ax = _fig_ax(ax, figsize=(4.2, 3.6))
    ax.pcolormesh(_edges(np.log10(r_values)), _edges(np.log10(p_values)), codes, cmap=cmap,
                  vmin=-0.5, vmax=len(names) - 0.5, shading="flat")
    ax.set(title=title, xlabel="log10 relative importance r", ylabel="log10 density 1-S")
    handles = [matplotlib.patches.Patch(color=PHASE_COLORS[n], label=n) for n in names
               if (labels == n).any()]
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    return fig


def _edges(centers) -> np.ndarray:
    c = np.asarray(centers, dtype=float)
    if len(c) == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]])


def _fig_ax(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax
