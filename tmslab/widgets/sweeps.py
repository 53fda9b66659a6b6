"""Widgets of lessons 03 and 04: browse pre-trained instances of a sparsity sweep.

Nothing is trained in a callback: the lesson trains every instance up front
(one batched ``tmslab.train`` call per model) and the widgets only pick one
and redraw it.

  * ``build_model_panel(runs)``: lesson 03, pick a model (linear / ReLU output)
    and a sparsity; shows W^T W with b and the ||W_i|| bars.
  * ``build_sweep_panel(run)``: lesson 04, a sparsity slider over the n = 20,
    m = 5 sweep (one instance per setting, e.g. ``run.best()``).
  * ``build_restart_panel(run)``: lesson 04, every restart of the 5-in-2 runs:
    the feature arrows, the loss and its rank among the K restarts.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from .. import plots
from ..geometry2d import classify_2d
from ..run import Run
from ..sweeps import instance_summary
from .base import Panel

MODEL_LABELS = {"linear": "linear", "relu_output": "ReLU output"}


def _density_label(density: float) -> str:
    return f"1-S = {density:.3g}"


def _setting_densities(run: Run) -> list[float]:
    """1 - S of every setting of a run, in setting order."""
    first = [int((run.setting == s).nonzero()[0]) for s in range(run.n_settings)]
    return [float(run.density[k, 0]) for k in first]


def _density_options(run: Run) -> list[tuple[str, int]]:
    """(label, setting) for every setting of a run, in setting order."""
    return [(_density_label(d), s) for s, d in enumerate(_setting_densities(run))]


def _check_run(name: str, run, n_hidden: int | None = None) -> Run:
    if not isinstance(run, Run):
        raise ValueError(f"{name} must be a tmslab Run (what tmslab.train returns), got {type(run).__name__}")
    if run.n_instances == 0:
        raise ValueError(f"{name} must contain at least one trained instance")
    if n_hidden is not None and run.config.n_hidden != n_hidden:
        raise ValueError(f"{name} must have n_hidden = {n_hidden}, got {run.config.n_hidden}")
    return run


def instance_figure(W, b, title: str):
    """||W_i|| bars (coloured by superposition) next to W^T W with b as a last column."""
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.1), gridspec_kw={"width_ratios": [1.3, 1]})
    plots.plot_feature_norms(W, ax=axes[0], title=plots.NORM_WI + ", coloured by superposition",
                             colorbar=True)
    plots.plot_interference(W, b, ax=axes[1], title=plots.WTW + " | $b$")
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def build_model_panel(runs: dict) -> Panel:
    """Lesson 03: choose a model and a sparsity among pre-trained instances.

    runs: {'linear': Run, 'relu_output': Run}, each trained on the same
    sparsity settings with one restart (or pass ``run.best()``).
    """
    if not isinstance(runs, dict) or not runs:
        raise ValueError("runs must be a non-empty dict {model name: Run}")
    for name, run in runs.items():
        _check_run(f"runs[{name!r}]", run)
        if run.n_instances != run.n_settings:
            raise ValueError(f"runs[{name!r}] must hold one instance per setting: pass run.best()")
    first = next(iter(runs.values()))
    options = _density_options(first)
    for name, run in runs.items():
        if _density_options(run) != options:
            raise ValueError(f"runs[{name!r}] must use the same sparsities as the other runs")
    model = widgets.Dropdown(options=[(MODEL_LABELS.get(k, k), k) for k in runs], description="model")
    setting = widgets.SelectionSlider(options=options, value=options[0][1], description="sparsity",
                                      continuous_update=False, style={"description_width": "initial"})

    def draw(values):
        run = runs[values["model"]]
        k = values["setting"]
        W, b = run.W[k], run.b[k]
        density = float(run.density[k, 0])
        info = instance_summary(W, b, density)
        label = f"{MODEL_LABELS.get(values['model'], values['model'])} model, {_density_label(density)}"
        fig = instance_figure(W, b, label)
        gap = info["max_bias_gap_unlearned"]
        gap_text = "no unlearned features" if gap != gap else (
            f"largest |b_i - (1-S)/2| over the unlearned features {gap:.3f}")
        html = (f"<b>{label}</b>: loss {float(run.final_loss[k]):.3g}; "
                f"{info['n_represented']} features with ||W_i|| &gt; 0.5, "
                f"{info['n_superposed']} of them in superposition; {gap_text}")
        return fig, html

    return Panel("Linear vs ReLU output: W^T W, b and ||W_i||",
                 {"model": model, "setting": setting}, draw)


def build_sweep_panel(run: Run) -> Panel:
    """Lesson 04: a sparsity slider over a sweep with one instance per setting (``run.best()``)."""
    _check_run("run", run)
    if run.n_instances != run.n_settings:
        raise ValueError("run must hold one instance per setting: pass run.best()")
    options = _density_options(run)
    setting = widgets.SelectionSlider(options=options, value=options[0][1], description="sparsity",
                                      continuous_update=False, style={"description_width": "initial"})

    def draw(values):
        k = values["setting"]
        W, b = run.W[k], run.b[k]
        density = float(run.density[k, 0])
        info = instance_summary(W, b, density)
        fig = instance_figure(W, b, f"ReLU output model, {_density_label(density)}")
        html = (f"<b>{_density_label(density)}</b>: {info['n_represented']} of {W.shape[-1]} features "
                f"represented in {W.shape[-2]} dimensions (||W||_F^2 = {info['frobenius2']:.2f}), "
                f"{info['n_superposed']} in superposition; mean bias of represented features "
                f"{info['mean_bias_represented']:+.3f}; largest ||W_i|| {info['max_norm']:.3f}")
        return fig, html

    return Panel("Sparsity sweep, n = 20 features in m = 5 dimensions", {"setting": setting}, draw)


def build_restart_panel(run: Run) -> Panel:
    """Lesson 04: look at every restart of a 2-D run (m = 2), with its loss and geometry."""
    _check_run("run", run, n_hidden=2)
    options = [(f"S = {1 - d:.3g}", s) for s, d in enumerate(_setting_densities(run))]
    K = run.config.n_seeds
    setting = widgets.SelectionSlider(options=options, value=options[0][1], description="sparsity",
                                      continuous_update=False, style={"description_width": "initial"})
    restart = widgets.IntSlider(value=0, min=0, max=K - 1, step=1, description="restart",
                                continuous_update=False)
    losses = run.restart_losses()

    def draw(values):
        s, r = values["setting"], values["restart"]
        k = s * K + r
        W = run.W[k]
        loss = float(losses[s, r])
        rank = int((losses[s] < loss).sum()) + 1
        winner = int(losses[s].argmin()) == r
        geometry = classify_2d(W)
        density = float(run.density[k, 0])
        fig = plots.plot_features_2d(W, title=f"S = {1 - density:.3g}, restart {r}")
        plots.importance_colorbar(fig, fig.axes[0], W.shape[-1], label="feature (0 = most important)",
                                  ticks=range(W.shape[-1]))
        html = (f"restart {r}: loss {loss:.5f}, rank {rank} of {K} "
                f"({'the best-of-K winner' if winner else 'not the winner'}); "
                f"geometry: {geometry.label()}; biases "
                + ", ".join(f"{v:+.2f}" for v in run.b[k].tolist()))
        return fig, html

    return Panel("Every restart of the 5-in-2 runs", {"setting": setting, "restart": restart}, draw,
                 image_width="420px")
