r"""The course's standard pictures. Every function returns the matplotlib Figure.

Colour conventions, the same in every lesson:
  * feature importance: ``IMPORTANCE_CMAP`` through ``feature_colors`` (viridis;
    feature 0, the most important, dark purple ... the least important
    yellow-green), as in the paper's 2-D figures; ``importance_colorbar`` is its key;
  * signed matrices (W^T W, W, biases): ``SIGNED_CMAP`` (coolwarm) centred on 0;
  * superposition of a feature: ``SUPERPOSITION_CMAP`` from 0 (none) to 1+.

Labels use matplotlib's math text ($W^\top W$, $\|W_i\|$). ``use_course_style``
sets 100 dpi, so a stored PNG is crisp at the size it is shown.
"""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch

from . import metrics
from .validation import as_weights, check_int

IMPORTANCE_CMAP = "viridis"
SIGNED_CMAP = "coolwarm"
SUPERPOSITION_CMAP = "plasma"
PHASE_COLORS = {"not learned": "#d9d9d9", "superposition": "#e6550d", "dedicated": "#3182bd",
                "same sign": "#31a354"}
#: dots per inch of every course figure (inline PNGs and widget images)
DPI = 100

# math-text labels used across the course
WTW = r"$W^\top W$"
NORM_WI = r"$\|W_i\|$"


def use_course_style() -> None:
    """Small, legible figures at ``DPI`` dots per inch, with identical bytes from run to run."""
    plt.rcParams.update({"figure.dpi": DPI, "savefig.dpi": DPI, "figure.figsize": (6.4, 4.0),
                         "axes.grid": False, "axes.titlesize": 11, "axes.labelsize": 10,
                         "font.size": 9, "svg.hashsalt": "tmslab"})


def feature_colors(n_features: int) -> np.ndarray:
    """(n, 4) RGBA from ``IMPORTANCE_CMAP``: feature 0 (most important) dark purple ... n-1 yellow-green."""
    n_features = check_int("n_features", n_features, 1, 100_000)
    return plt.get_cmap(IMPORTANCE_CMAP)(np.linspace(0.0, 0.85, n_features))


def importance_colorbar(fig, ax, n_features: int, label: str = "feature i (0 = most important)",
                        **kwargs):
    """A discrete colour bar, the key to ``feature_colors``: one colour per feature 0 .. n-1.

    ``ax`` is one Axes or a list of them (the bar takes space from all). Extra
    keyword arguments go to ``fig.colorbar`` (e.g. ``shrink``, ``pad``).
    """
    n_features = check_int("n_features", n_features, 1, 100_000)
    cmap = matplotlib.colors.ListedColormap(feature_colors(n_features))
    norm = matplotlib.colors.BoundaryNorm(np.arange(n_features + 1) - 0.5, n_features)
    step = max(1, int(np.ceil(n_features / 6)))
    options = {"shrink": 0.85, "pad": 0.02, "ticks": np.arange(0, n_features, step)}
    options.update(kwargs)
    cb = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, **options)
    cb.set_label(label)
    return cb


def _to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def plot_features_2d(W, ax=None, title: str = "Feature directions", limit: float = 1.5,
                     labels=None):
    """Arrows from the origin to every column of a 2 x n matrix W, coloured by importance.

    ``labels``: one legend label per feature (default "feature i"); the caller adds
    the legend (``ax.legend()``) where it fits.
    """
    W = _to_numpy(as_weights("W", W))
    if W.ndim != 2 or W.shape[0] != 2:
        raise ValueError(f"W must have shape (2, n) for a 2-D picture, got {W.shape}")
    if labels is not None and len(labels) != W.shape[1]:
        raise ValueError(f"labels must name every feature: {W.shape[1]} labels, got {len(labels)}")
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


def plot_features_2d_row(Ws, titles, suptitle: str | None = None, labels=None,
                         key_label: str = "feature (0 = most important)"):
    """One 2-D feature picture per matrix, side by side (the talk's headline figure).

    The key on the right names the features: an importance colour bar
    (``importance_colorbar``, titled ``key_label``; say "feature i" when the features
    are equally important), or, with ``labels`` (one name per feature), a legend.
    """
    Ws = [_to_numpy(as_weights("W", W)) for W in Ws]
    if not Ws or len(Ws) != len(titles):
        raise ValueError(f"Ws and titles must be non-empty lists of the same length, got {len(Ws)} "
                         f"and {len(titles)}")
    n = Ws[0].shape[-1]
    if any(W.shape[-1] != n for W in Ws):
        raise ValueError("every W must have the same number of features")
    fig, axes = plt.subplots(1, len(Ws), figsize=(2.8 * len(Ws) + 1.0, 3.0), squeeze=False,
                             layout="constrained")
    for W, title, ax in zip(Ws, titles, axes[0]):
        plot_features_2d(W, ax=ax, title=title, labels=labels)
        ax.set_ylabel("")
    axes[0, 0].set_ylabel("hidden dimension 2")
    if labels is None:
        importance_colorbar(fig, list(axes[0]), n, label=key_label, shrink=0.8,
                            ticks=np.arange(n) if n <= 8 else None)
    else:
        handles, names = axes[0, -1].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside right center", fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_interference(W, b=None, ax=None, title: str = WTW + " and $b$"):
    """Heatmap of W^T W (n x n, coolwarm, centred) with the bias as an extra column."""
    WtW = _to_numpy(metrics.interference_matrix(W))
    if WtW.ndim != 2:
        raise ValueError("plot_interference takes a single W of shape (m, n)")
    n = WtW.shape[0]
    image = WtW if b is None else np.concatenate([WtW, np.full((n, 1), np.nan), _to_numpy(b)[:, None]], 1)
    fig, ax = _fig_ax(ax, figsize=(3.6, 3.0))
    vmax = max(1.0, float(np.nanmax(np.abs(image))))
    im = ax.imshow(image, cmap=SIGNED_CMAP, vmin=-vmax, vmax=vmax)
    ax.set(title=title, xlabel="feature j" + ("   (last column: $b$)" if b is not None else ""),
           ylabel="feature i")
    fig.colorbar(im, ax=ax, shrink=0.8, label=r"$W_i \cdot W_j$" + (", $b_i$" if b is not None else ""))
    return fig


def plot_feature_norms(W, ax=None, title: str = NORM_WI + ", coloured by superposition",
                       colorbar: bool = False):
    """Bars of ||W_i|| per feature, coloured by sum_{j!=i} (hat W_i . W_j)^2 clipped to [0, 1]."""
    norms = _to_numpy(metrics.feature_norms(W))
    sup = np.clip(_to_numpy(metrics.superposition(W)), 0, 1)
    if norms.ndim != 1:
        raise ValueError("plot_feature_norms takes a single W of shape (m, n)")
    fig, ax = _fig_ax(ax, figsize=(4.0, 2.6))
    cmap = plt.get_cmap(SUPERPOSITION_CMAP)
    ax.bar(np.arange(len(norms)), norms, color=cmap(sup * 0.9))
    ax.set(title=title, xlabel="feature i (most important first)", ylabel=NORM_WI,
           ylim=(0, max(1.25, float(norms.max()) * 1.05)))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.axhline(1.0, color="0.6", ls=":", lw=0.8)
    if colorbar:
        superposition_colorbar(fig, ax)
    return fig


def superposition_colorbar(fig, ax, **kwargs):
    """The key to the bar colours of ``plot_feature_norms``: superposition 0 .. 1 (clipped)."""
    cmap = plt.get_cmap(SUPERPOSITION_CMAP)
    # the bars use 0 .. 0.9 of the colour map for superposition 0 .. 1
    mappable = matplotlib.cm.ScalarMappable(norm=matplotlib.colors.Normalize(0, 1 / 0.9), cmap=cmap)
    options = {"shrink": 0.8, "ticks": [0, 0.5, 1]}
    options.update(kwargs)
    cb = fig.colorbar(mappable, ax=ax, **options)
    cb.set_label("superposition (clipped at 1)")
    return cb


def plot_sweep(run, titles=None, suptitle: str | None = None):
    """For each instance of ``run``: ||W_i|| bars (coloured by superposition) above W^T W + b.

    Both rows have their colour bar on the right: superposition for the bars,
    the signed scale (clipped to [-1, 1]) for W^T W and b.
    """
    k = run.n_instances
    fig, axes = plt.subplots(2, k, figsize=(2.3 * k + 1.4, 4.8), squeeze=False, layout="constrained")
    titles = titles or [f"1-S = {float(d):.3g}" for d in run.density[:, 0]]
    if len(titles) != k:
        raise ValueError(f"titles must have one entry per instance ({k}), got {len(titles)}")
    vmax = 1.0
    for col in range(k):
        W, b = run.W[col], run.b[col]
        plot_feature_norms(W, ax=axes[0, col], title=titles[col])
        axes[0, col].set(xlabel="feature i", ylabel=NORM_WI if col == 0 else "")
        WtW = _to_numpy(metrics.interference_matrix(W))
        n = WtW.shape[0]
        image = np.concatenate([WtW, np.full((n, 1), np.nan), _to_numpy(b)[:, None]], 1)
        im = axes[1, col].imshow(image, cmap=SIGNED_CMAP, vmin=-vmax, vmax=vmax)
        axes[1, col].set(xlabel=WTW + " | $b$", ylabel="feature i" if col == 0 else "")
        axes[1, col].set_xticks([])
    superposition_colorbar(fig, list(axes[0]), shrink=0.9, pad=0.01)
    fig.colorbar(im, ax=list(axes[1]), shrink=0.9, pad=0.01,
                 label=r"$W_i\cdot W_j$ and $b_i$ (clipped to $\pm 1$)")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_phase_diagram(labels, r_values, p_values, ax=None, title: str = "Phase diagram"):
    """Categorical map of phase names (len(p), len(r)) over relative importance r and density p.

    Both axes are logarithmic and labelled with the values themselves (r, 1-S);
    cells are centred on the grid values.
    """
    labels = np.asarray(labels, dtype=object)
    r_values, p_values = np.asarray(r_values, dtype=float), np.asarray(p_values, dtype=float)
    if labels.shape != (len(p_values), len(r_values)):
        raise ValueError(f"labels must have shape (len(p_values), len(r_values)) = "
                         f"{(len(p_values), len(r_values))}, got {labels.shape}")
    if (r_values <= 0).any() or (p_values <= 0).any():
        raise ValueError("r_values and p_values must be positive (the axes are logarithmic)")
    names = list(PHASE_COLORS)
    codes = np.vectorize(lambda s: names.index(s) if s in names else -1)(labels).astype(float)
    codes[codes < 0] = np.nan
    cmap = matplotlib.colors.ListedColormap([PHASE_COLORS[n] for n in names])
    fig, ax = _fig_ax(ax, figsize=(4.2, 3.6))
    ax.pcolormesh(10 ** _edges(np.log10(r_values)), 10 ** _edges(np.log10(p_values)), codes, cmap=cmap,
                  vmin=-0.5, vmax=len(names) - 0.5, shading="flat")
    ax.set(title=title, xscale="log", yscale="log", xlabel="relative importance r of the extra feature",
           ylabel="density 1-S")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_plain_number))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_plain_number))
    handles = [matplotlib.patches.Patch(color=PHASE_COLORS[n], label=n) for n in names
               if (labels == n).any()]
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    return fig


def _plain_number(value, _pos=None) -> str:
    """Tick label 0.01, 0.1, 1, 10 (not 10^-2): axes in real units."""
    return f"{value:g}"


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
