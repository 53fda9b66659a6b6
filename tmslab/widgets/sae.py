"""Lesson 09 widget: pick an L1 coefficient, see what that SAE's dictionary recovered.

The SAEs are trained beforehand in one batched call (one instance per lambda);
moving the slider only selects one of them, so every redraw is instant.
"""
from __future__ import annotations

import ipywidgets as widgets
import torch

from ..sae import SAE, as_activations
from ..sae_metrics import max_cosines
from ..sae_plots import plot_cosine_matrix
from ..validation import as_weights, check_float
from .base import Panel, slider


def _readout(k: int, lam: float, stats: dict, best: torch.Tensor, threshold: float,
             true_l0: float | None, d: int) -> str:
    rec = float((best[k] > threshold).float().mean())
    true = f" (data: {true_l0:.2f} active features)" if true_l0 is not None else ""
    rows = [("L1 coefficient λ", f"{lam:.3g}"),
            ("MMCS (mean max cosine)", f"{float(best[k].mean()):.3f}"),
            (f"recovered fraction (cos > {threshold:.2f})", f"{rec:.3f}"),
            ("L0 (mean active latents)", f"{float(stats['l0'][k]):.2f}{true}"),
            ("MSE ||h - ĥ||²", f"{float(stats['mse'][k]):.4f}"),
            ("fraction of variance unexplained", f"{float(stats['fvu'][k]):.3f}"),
            ("dead latents", f"{int(stats['n_dead'][k])} of {d}")]
    body = "".join(f"<tr><td style='padding-right:12px'>{a}</td><td><b>{b}</b></td></tr>" for a, b in rows)
    return f"<table>{body}</table>"


def build_sae_explorer(features, sae: SAE, activations, threshold: float = 0.9,
                       true_l0: float | None = None) -> Panel:
    """A Panel with an L1-coefficient slider (one stop per SAE instance) and a threshold slider.

    features (m, n): the toy model's W; sae: L SAEs trained on ``activations`` (N, m),
    one per lambda (distinct values); threshold: initial cosine for "recovered", in [0.5, 0.99].
    Draws the cosine matrix of the selected SAE; the readout lists MMCS, recovered
    fraction, L0, MSE, fraction of variance unexplained and dead latents on ``activations``.
    """
    if not isinstance(sae, SAE):
        raise ValueError(f"sae must be an SAE, got {type(sae).__name__}")
    W = as_weights("features", features)
    if W.dim() != 2 or W.shape[0] != sae.n_hidden:
        raise ValueError(f"features must have shape ({sae.n_hidden}, n), got {tuple(W.shape)}")
    h = as_activations(activations, sae.n_hidden)
    threshold = check_float("threshold", threshold, 0.5, 0.99)
    lams = [float(f"{float(v):.6g}") for v in sae.l1_coeffs]
    if len(set(lams)) != len(lams):
        raise ValueError("sae must hold one instance per distinct L1 coefficient")
    stats = sae.evaluate(h)
    codes = sae.encode(h)
    dead = ~(codes > 0).any(0)                                       # (L, d)
    best = max_cosines(W, sae.W_dec)                                # (L, n)
    middle = lams[len(lams) // 2]
    controls = {
        "l1": widgets.SelectionSlider(options=[(f"{v:.3g}", v) for v in lams], value=middle,
                                      description="L1 coefficient λ", continuous_update=False,
                                      style={"description_width": "initial"}),
        "threshold": slider("recovered if cos >", threshold, 0.5, 0.99, 0.01),
    }

    def draw(values):
        k = lams.index(values["l1"])
        fig = plot_cosine_matrix(W, sae.W_dec[k], dead=dead[k],
                                 title=f"True features vs dictionary, λ = {lams[k]:.3g}")
        return fig, _readout(k, lams[k], stats, best, values["threshold"], true_l0, sae.n_latents)

    return Panel("SAE explorer", controls, draw)
