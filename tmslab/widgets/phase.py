"""Lesson 05 widget: move r and the density 1 - S, watch the candidate losses cross."""
from __future__ import annotations

import ipywidgets as widgets

from .. import phase
from ..validation import check_float
from .base import Panel


def build_phase_explorer(r: float = 0.5, density: float = 0.3, n_features: int = 2) -> Panel:
    """Sliders for r in [0.1, 10] and 1 - S in [0.01, 1] (log scales), n in {2, 3}.

    Figure: ``phase.plot_candidate_losses`` (losses vs density at fixed r and
    vs r at fixed density, current point marked). Readout: every candidate's
    loss at the current point and the winning phase.
    """
    if n_features not in (2, 3):
        raise ValueError(f"n_features must be 2 or 3, got {n_features!r}")
    r = check_float("r", r, 0.1, 10.0)
    density = check_float("density", density, 0.01, 1.0)
    controls = {
        "r": widgets.FloatLogSlider(value=r, base=10, min=-1, max=1, step=0.05,
                                    description="relative importance r", continuous_update=False,
                                    readout_format=".2f", style={"description_width": "initial"}),
        "density": widgets.FloatLogSlider(value=density, base=10, min=-2, max=0, step=0.05,
                                          description="density 1-S", continuous_update=False,
                                          readout_format=".3f", style={"description_width": "initial"}),
        "n_features": widgets.ToggleButtons(options=[("n=2, m=1", 2), ("n=3, m=2", 3)],
                                            value=n_features, description="model"),
    }

    def draw(v):
        n, r_, p_ = int(v["n_features"]), float(v["r"]), float(v["density"])
        fig = phase.plot_candidate_losses(r_, p_, n)
        losses = phase.candidate_losses(r_, p_, n)
        best = min(losses, key=lambda name: float(losses[name]))
        rows = "".join(
            f"<tr><td>{name}</td><td>{phase.CANDIDATE_PHASE[name]}</td>"
            f"<td style='text-align:right'>{float(loss):.4f}</td></tr>"
            for name, loss in losses.items())
        winner = phase.describe_winner(r_, p_, n)
        html = (f"<b>n={n}, m={n - 1}, r={r_:.2f}, 1-S={p_:.3f}: the extra feature is "
                f"{winner}</b> (lowest loss: {best})"
                f"<table><tr><th>candidate</th><th>phase</th><th>loss</th></tr>{rows}</table>")
        return fig, html

    return Panel("Phase change explorer", controls, draw)
