"""Lesson 06 widget: pick a sparsity, see that model's D_i, W^T W and polytope components."""
from __future__ import annotations

import html as _html

import ipywidgets as widgets

from .. import geometry, metrics
from ..run import Run
from ..validation import check_float
from .base import Panel


def build_geometry_explorer(run: Run, cos_threshold: float = 0.2) -> Panel:
    """A slider over the instances of ``run`` (one per sparsity, e.g. ``run.best()``).

    Figure: ``geometry.plot_instance_geometry`` of the selected W (D_i
    histogram and W^T W grouped by component). Readout: 1/(1-S), D*,
    sum_i D_i and the components found (named polytopes with their counts).
    """
    if not isinstance(run, Run) or run.n_instances < 1:
        raise ValueError("run must be a tmslab Run with at least one instance")
    cos_threshold = check_float("cos_threshold", cos_threshold, 0.0, 1.0)
    inv = (1.0 / run.density[:, 0].clamp_min(1e-12)).numpy()
    options = [(f"{x:.2f}", k) for k, x in enumerate(inv)]
    controls = {"instance": widgets.SelectionSlider(options=options, value=0,
                                                    description="1/(1-S)", continuous_update=False,
                                                    style={"description_width": "initial"})}
    D_all = metrics.feature_dimensionality(run.W)
    D_star = metrics.dimensions_per_feature(run.W)

    def draw(v):
        k = int(v["instance"])
        W = run.W[k]
        comps = geometry.component_summary(W, cos_threshold)
        counts = geometry.count_components(comps)
        listed = ", ".join(f"{c} x {_html.escape(name)}" for name, c in counts.items()) or "none"
        fig = geometry.plot_instance_geometry(W, title=f"1/(1-S) = {inv[k]:.2f}", cos_threshold=cos_threshold)
        html = (f"<b>1/(1-S) = {inv[k]:.2f}</b>: D* = {float(D_star[k]):.3f}, "
                f"sum_i D_i = {float(D_all[k].sum()):.2f} (m = {W.shape[0]}), "
                f"{int(metrics.n_represented(W))} features represented.<br>"
                f"Components (|cos| &gt; {cos_threshold}): {listed}.<br>"
                f"Mean D_i per component size: "
                + ", ".join(f"{c.size}:{c.mean_dimensionality:.3f}"
                            for c in _first_of_each_size(comps)))
        return fig, html

    return Panel("Feature geometry explorer", controls, draw)


def _first_of_each_size(comps):
    seen, out = set(), []
    for c in comps:
        if c.size not in seen:
            seen.add(c.size)
            out.append(c)
    return sorted(out, key=lambda c: c.size)

