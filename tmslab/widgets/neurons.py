"""Lesson 08 widgets: neurons across sparsity, and attack strength."""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import adversarial, neurons
from ..data import sample_features
from ..run import Run
from ..validation import check_choice
from .base import Panel, slider


def build_neuron_explorer(best: Run, threshold: float = 0.3, inputs: str = "nonnegative",
                          rescale: bool = False) -> Panel:
    """A density slider over the instances of ``best`` (one model per density, e.g. ``run.best()``).

    Figure: ``neurons.plot_neuron_stack`` of the selected W (m, n) next to W
    as a heatmap. Readout: monosemantic / polysemantic / dead neurons,
    features represented and features per neuron (``neurons.neuron_summary``).
    """
    if not isinstance(best, Run) or best.n_instances < 1:
        raise ValueError("best must be a tmslab Run with at least one instance")
    neurons.neuron_summary(best.W[0], threshold, inputs, rescale)   # validates the options
    dens = best.density[:, 0].numpy()
    options = [(f"{d:.3g}", k) for k, d in enumerate(dens)]
    controls = {"density": widgets.SelectionSlider(options=options, value=0, continuous_update=False,
                                                   description="feature density 1-S",
                                                   style={"description_width": "initial"})}

    def draw(v):
        k = int(v["density"])
        W = best.W[k]
        shown = neurons.rescale_rows(W) if rescale else W
        m, n = W.shape
        fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.2), gridspec_kw={"width_ratios": [1.25, 1]})
        neurons.plot_neuron_stack(shown, ax=axes[0], title=f"1-S = {dens[k]:.3g}: stacked weights",
                                  ylim=max(1.0, float(shown.clamp_min(0).sum(1).max()),
                                           float((-shown.clamp_max(0)).sum(1).max())) * 1.05)
        vmax = max(1e-6, float(shown.abs().max()))
        im = axes[1].imshow(shown.numpy(), cmap="coolwarm", vmin=-vmax, vmax=vmax, aspect="auto")
        axes[1].set(title="W (row k = neuron k)", xlabel="feature i", ylabel="neuron k")
        fig.colorbar(im, ax=axes[1], shrink=0.8)
        fig.tight_layout()
        s = neurons.neuron_summary(W, threshold, inputs, rescale)
        html = (f"<b>1-S = {dens[k]:.3g}</b>: {s['monosemantic']} monosemantic, {s['polysemantic']} "
                f"polysemantic, {s['dead']} dead neurons of {m}; {s['represented']} of {n} features "
                f"represented; features per neuron {s['features_per_neuron']}")
        return fig, html

    return Panel("Neurons across sparsity", controls, draw, image_width="820px")


def build_attack_explorer(run: Run, n_samples: int = 2048, seed: int = 0,
                          reduce: str = "per_example") -> Panel:
    """An attack-strength slider (lambda as a fraction of the average input norm).

    For every instance of ``run`` (a tied model per sparsity) the analytic
    attack (``adversarial.vulnerability`` with ``reduce``) is recomputed on
    ``n_samples`` fixed samples, relative to ``adversarial.orthonormal_baseline``. Figure:
    relative vulnerability and features per dimension against 1/(1-S).
    """
    if not isinstance(run, Run) or run.n_instances < 1:
        raise ValueError("run must be a tmslab Run with at least one instance")
    m, n = run.config.n_hidden, run.config.n_features
    gen = torch.Generator().manual_seed(seed)
    xs = [sample_features(n_samples, run.sparsity[k].numpy(), run.groups, generator=gen)
          for k in range(run.n_instances)]
    W0, b0 = adversarial.orthonormal_baseline(n, m)
    inv = 1.0 / run.density[:, 0].clamp_min(1e-12).numpy()
    fpd = (run.W ** 2).sum(dim=(1, 2)).numpy() / m
    controls = {"fraction": slider("attack size lambda / E||x||", 0.1, 0.01, 0.8, 0.01)}
    check_choice("reduce", reduce, adversarial.REDUCTIONS)

    def draw(v):
        frac = float(v["fraction"])
        rel = []
        for k in range(run.n_instances):
            a = adversarial.vulnerability(run.W[k], run.b[k], xs[k], run.importance[k], frac,
                                          run.config.model, reduce)
            z = adversarial.vulnerability(W0, b0, xs[k], run.importance[k], frac, run.config.model, reduce)
            rel.append(a["increase"] / max(z["increase"], 1e-12))
        rel = np.array(rel)
        fig, ax = plt.subplots(figsize=(5.2, 3.2))
        ax.plot(inv, rel, "o-", color="crimson", label="relative vulnerability (L'-L)/(L'_0-L_0)")
        ax.plot(inv, fpd, "s--", color="0.3", label=r"features per dimension $\|W\|_F^2/m$")
        ax.set(xscale="log", xlabel="1/(1-S)", ylabel="ratio",
               title=f"attack size {frac:.2f} x average input norm")
        ax.legend(fontsize=7)
        fig.tight_layout()
        rho = adversarial.spearman(rel, fpd) if len(rel) >= 3 and np.ptp(rel) > 0 else float("nan")
        html = (f"<b>lambda = {frac:.2f} E||x||</b>: relative vulnerability from {rel.min():.2f} to "
                f"{rel.max():.2f}; Spearman rho with features per dimension = {rho:.2f}")
        return fig, html

    return Panel("Attack-strength explorer", controls, draw)
