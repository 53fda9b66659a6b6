"""Widgets of lessons 00 (welcome) and 01 (what is superposition).

* ``build_sparse_data_explorer``: the paper's synthetic data. Each feature
  x_i is 0 with probability S (the sparsity) and U[0, 1] otherwise, so the
  number of active features per sample is Binomial(n, 1 - S).
* ``build_jl_explorer``: Johnson-Lindenstrauss. How many random directions in
  R^m keep every pairwise |cos| below epsilon (a greedy count), against m and
  the bound exp(m epsilon^2 / 4).

Both return a ``tmslab.widgets.Panel``; results live in its ``image`` and
``readout`` traits, nothing is printed.
"""
from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch

from ..data import sample_features
from ..jl import pairwise_cosines, random_directions
from ..metrics import jl_lower_bound, johnson_lindenstrauss_count
from ..validation import check_int
from .base import Panel, slider

#: slider ranges, also used by the tests to try the extremes
SPARSITY_RANGE = (0.0, 0.99)
N_FEATURES_RANGE = (2, 20)
M_RANGE = (2, 200)
EPSILON_RANGE = (0.05, 0.5)
MAX_CANDIDATES = 5000


def int_slider(description: str, value: int, low: int, high: int, step: int = 1) -> widgets.IntSlider:
    """An integer slider that redraws once per move (not while dragging)."""
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             continuous_update=False, style={"description_width": "initial"})


def binomial_pmf(n: int, p: float) -> np.ndarray:
    """P(k of n independent features are active), k = 0..n, each active with probability p."""
    n = check_int("n", n, 0)
    return np.array([math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)])


def build_sparse_data_explorer(n_show: int = 24, n_measure: int = 20_000, seed: int = 0) -> Panel:
    """Sliders for the sparsity S and the number of features n; shows sampled feature vectors.

    Left: ``n_show`` samples x (rows) as a heatmap (white = 0). Right: the
    measured fraction of ``n_measure`` samples with k active features next to
    Binomial(n, 1 - S). Readout: the density 1 - S and the mean number of
    active features n (1 - S), expected and measured.
    """
    n_show = check_int("n_show", n_show, 1, 200)
    n_measure = check_int("n_measure", n_measure, 100, 1_000_000)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    controls = {"sparsity": slider("sparsity S", 0.8, *SPARSITY_RANGE, 0.01),
                "n_features": int_slider("features n", 5, *N_FEATURES_RANGE)}

    def draw(v):
        S, n = float(v["sparsity"]), int(v["n_features"])
        density = 1.0 - S
        gen = torch.Generator().manual_seed(seed)
        shown = sample_features(n_show, np.full(n, S), generator=gen).numpy()
        many = sample_features(n_measure, np.full(n, S), generator=gen)
        active = (many > 0).sum(dim=1).numpy()
        measured = np.bincount(active, minlength=n + 1) / n_measure
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(8.4, 3.4),
                                       gridspec_kw={"width_ratios": [1.0, 1.3]})
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
        im = ax0.imshow(shown, cmap="Purples", vmin=0.0, vmax=1.0, aspect="auto",
                        interpolation="nearest")
        ax0.set(title=f"{n_show} samples at S = {S:.2f}", xlabel="feature i", ylabel="sample")
        ax0.set_xticks(range(n) if n <= 10 else range(0, n, 2))
        fig.colorbar(im, ax=ax0, shrink=0.8, label="$x_i$")
        k = np.arange(n + 1)
        ax1.bar(k, measured, color="#7b6fb0", label=f"measured ({n_measure} samples)")
        ax1.plot(k, binomial_pmf(n, density), "o", color="#e6550d", ms=4,
                 label="Binomial(n, 1-S)")
        ax1.set(title="How many features are active at once?", xlabel="active features per sample",
                ylabel="fraction of samples", ylim=(0, 1.05))
        ax1.legend(fontsize=7)
        html = (f"S = {S:.2f}, so the density is 1 &minus; S = {density:.2f}: each feature is non-zero in "
                f"{100 * density:.0f}% of samples. On average n(1 &minus; S) = {n * density:.2f} of the "
                f"{n} features are active at once (measured: {active.mean():.2f}).")
        return fig, html

    return Panel("Sparse feature explorer", controls, draw)


def build_jl_explorer(n_candidates: int = 1000, n_histogram: int = 200, seed: int = 0) -> Panel:
    """Sliders for the hidden size m and the tolerance epsilon (Johnson-Lindenstrauss).

    Left: histogram of cos(u, v) over all pairs of ``n_histogram`` random unit
    vectors in R^m, with the band |cos| < epsilon shaded. Right (log scale):
    m, the greedy count of ``n_candidates`` random directions kept with every
    pairwise |cos| < epsilon, and exp(m epsilon^2 / 4). ``n_candidates`` caps
    the count (and the cost: at most ~0.2 s per redraw at the extremes with
    the default 1000 on one core).
    """
    n_candidates = check_int("n_candidates", n_candidates, 10, MAX_CANDIDATES)
    n_histogram = check_int("n_histogram", n_histogram, 2, 1000)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    controls = {"m": int_slider("hidden dimensions m", 100, *M_RANGE),
                "epsilon": slider("tolerance ε", 0.3, *EPSILON_RANGE, 0.01)}

    def draw(v):
        m, eps = int(v["m"]), float(v["epsilon"])
        count = johnson_lindenstrauss_count(m, eps, n_candidates=n_candidates, seed=seed)
        bound = jl_lower_bound(m, eps)
        cos = pairwise_cosines(random_directions(n_histogram, m, seed=seed)).numpy()
        inside = float(np.mean(np.abs(cos) < eps))
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(8.4, 3.2))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
        counts, edges = np.histogram(cos, bins=np.linspace(-1, 1, 81))
        ax0.stairs(counts, edges, fill=True, color="#7b6fb0")
        ax0.axvspan(-eps, eps, color="#31a354", alpha=0.2, label=f"|cos| < {eps:.2f}")
        ax0.set(title=f"cos between {n_histogram} random directions in $\\mathbb{{R}}^{{{m}}}$",
                xlabel="cos(u, v)", ylabel="number of pairs", xlim=(-1, 1))
        ax0.legend(fontsize=7, loc="upper left")
        names = ["neurons m", "greedy count", "exp(m ε²/4)"]
        values = [m, count, bound]
        bars = ax1.bar(names, values, color=["0.6", "#3182bd", "#e6550d"])
        ax1.set_yscale("log")
        ax1.set_ylim(0.8, max(values) * 3)
        ax1.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        for bar, value in zip(bars, values):
            ax1.text(bar.get_x() + bar.get_width() / 2, value * 1.1, f"{value:.3g}", ha="center",
                     fontsize=8)
        ax1.set(title=f"Directions with all |cos| < {eps:.2f}", ylabel="number of directions (log)")
        if count >= n_candidates:
            note = f" All {n_candidates} candidates were kept, so the true number is larger still."
        elif count < m:
            note = (" Fewer than m: for so small an &epsilon; random directions pack worse than the m "
                    "axes of an orthonormal basis (cos = 0).")
        else:
            note = ""
        html = (f"m = {m}, &epsilon; = {eps:.2f}: {100 * inside:.1f}% of random pairs already have "
                f"|cos| &lt; &epsilon;. Greedy count: {count} of {n_candidates} random directions kept "
                f"({count / m:.2f} per dimension).{note} Bound exp(m&epsilon;&sup2;/4) = {bound:.3g}.")
        return fig, html

    return Panel("Johnson-Lindenstrauss explorer", controls, draw)
