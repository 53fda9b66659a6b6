"""Lesson 07 widgets: scrub through training, and deform the pentagon."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .. import dynamics, metrics, nonuniform
from ..plots import feature_colors, plot_features_2d
from ..run import Run
from .base import Panel


def _step_slider(steps: np.ndarray, value: int) -> widgets.SelectionSlider:
    return widgets.SelectionSlider(options=[int(s) for s in steps], value=int(value),
                                   description="training step", continuous_update=False,
                                   style={"description_width": "initial"},
                                   layout=widgets.Layout(width="460px"))


def build_training_explorer(run: Run, instance: int = 0, loss=None, jumps=None) -> Panel:
    """A slider over the snapshots of one instance of a run trained with ``history_every``.

    Figure: the feature directions at the selected step (m = 2) or W^T W (m > 2),
    every D_i(t) with a marker line at the step, and the snapshot loss curve.
    ``loss`` (H,) defaults to ``dynamics.snapshot_losses``; ``jumps`` (a list of
    ``dynamics.Jump``) are shaded on the D_i plot. Readout: step, loss, D*, D_i.
    """
    if not isinstance(run, Run) or run.W_history is None:
        raise ValueError("run must be a tmslab Run trained with history_every > 0")
    if not 0 <= int(instance) < run.n_instances:
        raise ValueError(f"instance must be in [0, {run.n_instances - 1}], got {instance}")
    steps = run.snapshot_steps.numpy()
    D = dynamics.dimensionality_history(run, instance).numpy()
    if loss is None:
        loss = dynamics.snapshot_losses(run)[:, instance]
    loss = np.asarray(loss, dtype=float)
    if loss.shape != steps.shape:
        raise ValueError(f"loss must have one value per snapshot ({len(steps)}), got shape {loss.shape}")
    jumps = list(jumps or [])
    Wh = run.W_history[:, instance]
    m, n = Wh.shape[-2:]
    colors = feature_colors(n)
    controls = {"step": _step_slider(steps, steps[-1])}

    def draw(v):
        t = int(np.searchsorted(steps, v["step"]))
        t = min(t, len(steps) - 1)
        W = Wh[t]
        fig, axes = plt.subplots(1, 3, figsize=(11.0, 3.3), gridspec_kw={"width_ratios": [1, 1.4, 1.4]})
        if m == 2:
            plot_features_2d(W, ax=axes[0], title=f"W at step {steps[t]}")
            axes[0].legend(fontsize=6, loc="lower left", ncol=2)
        else:
            G = metrics.interference_matrix(W).numpy()
            vmax = max(1.0, float(np.abs(G).max()))
            axes[0].imshow(G, cmap="coolwarm", vmin=-vmax, vmax=vmax)
            axes[0].set(title=rf"$W^\top W$ at step {steps[t]}", xlabel="feature j", ylabel="feature i")
        for j in jumps:
            axes[1].axvspan(j.start, j.end, color="0.9", zorder=0)
            axes[2].axvspan(j.start, j.end, color="0.9", zorder=0)
        for i in range(n):
            axes[1].plot(steps, D[:, i], color=colors[i], lw=1.2)
        for level in (0.5, 0.4):
            axes[1].axhline(level, color="0.7", ls=":", lw=0.8)
        axes[1].axvline(steps[t], color="crimson", lw=1)
        axes[1].set(title="feature dimensionality $D_i$", xlabel="training step", ylabel="$D_i$",
                    ylim=(-0.03, max(1.05, float(D.max()) + 0.05)))
        axes[2].plot(steps, loss, color="k", lw=1.2)
        axes[2].axvline(steps[t], color="crimson", lw=1)
        axes[2].set(title="loss (fixed evaluation batch)", xlabel="training step", ylabel="loss",
                    yscale="log")
        fig.tight_layout()
        d_star = float(metrics.dimensions_per_feature(W))
        html = (f"<b>step {steps[t]}</b>: loss {loss[t]:.5f}, D* = m/||W||_F^2 = {d_star:.3f}; "
                f"D_i = {np.round(D[t].astype(float), 2).tolist()}")
        return fig, html

    return Panel("Training-time explorer", controls, draw, image_width="900px")


def build_pentagon_explorer(best: Run, factors, feature: int = 0, geometry_losses=None) -> Panel:
    """A slider over the relative density f of the varied feature (one best model per f).

    ``best``: one instance per f (e.g. ``run.best()``), W (k, 2, n); ``factors``
    (k,) increasing. Figure: the features of the selected model, the varied
    feature drawn thicker. Readout: geometry label, the two gaps next to the
    varied feature, all gaps, and (if ``geometry_losses`` from
    ``nonuniform.best_loss_by_geometry`` is given) the best pentagon / digon losses.
    """
    if not isinstance(best, Run) or best.W.shape[-2] != 2:
        raise ValueError("best must be a tmslab Run of 2-D models (m = 2)")
    factors = np.asarray(factors, dtype=float)
    if factors.shape != (best.n_instances,):
        raise ValueError(f"factors must have one value per instance ({best.n_instances}), got {factors.shape}")
    n = best.W.shape[-1]
    if not 0 <= int(feature) < n:
        raise ValueError(f"feature must be in [0, {n - 1}], got {feature}")
    options = [(f"{f:g}", k) for k, f in enumerate(factors)]
    start = int(np.argmin(np.abs(factors - 1.0)))
    controls = {"f": widgets.SelectionSlider(options=options, value=start, continuous_update=False,
                                             description=f"density of feature {feature} / others",
                                             style={"description_width": "initial"})}

    def draw(v):
        k = int(v["f"])
        W = best.W[k]
        fig = plot_features_2d(W, title=f"best model, f = {factors[k]:g}")
        ax = fig.axes[0]
        ax.plot([0, float(W[0, feature])], [0, float(W[1, feature])], color="crimson", lw=4, alpha=0.35)
        ax.legend(fontsize=6, loc="lower left", ncol=2)
        label = nonuniform.classify_pentagon(W) if n == 5 else "n/a"
        before, after = nonuniform.gaps_next_to(W, feature)
        gaps = np.round(metrics.angular_gaps(W).double().numpy(), 1).tolist()
        html = (f"<b>f = {factors[k]:g}</b>: geometry <b>{label}</b>; gaps next to feature {feature}: "
                + ("not represented" if np.isnan(before) else f"{before:.1f}&deg; and {after:.1f}&deg;")
                + f"; all gaps {gaps}")
        if geometry_losses is not None:
            p, d = geometry_losses["pentagon"][k], geometry_losses["two digons"][k]
            fmt = lambda x: "none found" if np.isnan(x) else f"{x:.6f}"
            html += f"<br>best pentagon loss {fmt(p)}, best two-digon loss {fmt(d)}"
        return fig, html

    return Panel("Pentagon deformation explorer", controls, draw)
