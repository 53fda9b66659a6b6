"""Lesson 10 widget: browse pre-trained SAEs by family, dictionary size and sparsity setting.

Every SAE is trained beforehand (``tmslab.modern_saes.train_grid``); the controls only
select one, so each redraw is a figure, not a training run. Statistics of every SAE
are computed once, up front.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..modern_saes import FAMILY_NAMES, setting_labels, summarise
from ..modern_sae_plots import plot_recovery
from ..sae import SAE, as_activations
from ..validation import as_weights, check_float
from .base import Panel


def _check_grid(grid, m: int) -> tuple[list[str], list[int], int]:
    if not isinstance(grid, dict) or not grid:
        raise ValueError("grid must be a non-empty dict {(family, d): SAE}")
    for key, model in grid.items():
        if not (isinstance(key, tuple) and len(key) == 2) or not isinstance(model, SAE):
            raise ValueError(f"grid must map (family, d) pairs to SAE objects, got {key!r}: {type(model).__name__}")
        kind, d = key
        if model.kind != kind or model.n_latents != d or model.n_hidden != m:
            raise ValueError(f"grid[{key!r}] holds an SAE of kind {model.kind!r} with d = {model.n_latents} "
                             f"and m = {model.n_hidden}; expected kind {kind!r}, d = {d}, m = {m}")
    kinds = sorted({k for k, _ in grid}, key=list(FAMILY_NAMES).index)
    sizes = sorted({d for _, d in grid})
    if set(grid) != {(k, d) for k in kinds for d in sizes}:
        raise ValueError("grid must hold every (family, d) combination of its families and sizes")
    counts = {model.n_instances for model in grid.values()}
    labels = {kind: {tuple(setting_labels(grid[(kind, d)])) for d in sizes} for kind in kinds}
    if len(counts) != 1 or any(len(v) != 1 for v in labels.values()):
        raise ValueError("every SAE of the grid must hold the same number of instances, and one family "
                         "the same settings at every d")
    return kinds, sizes, counts.pop()


class _GridPanel(Panel):
    """A Panel whose setting slider is relabelled (not redrawn) when the family changes."""

    def __init__(self, *args, **kwargs):
        self.syncing = False
        super().__init__(*args, **kwargs)

    def _on_change(self, change) -> None:
        if not self.syncing:
            super()._on_change(change)


def build_sae_zoo(features, grid: dict, activations, threshold: float = 0.9,
                  true_l0: float | None = None) -> Panel:
    """A Panel over pre-trained SAEs: family (dropdown), dictionary size d and setting (k or lambda).

    features (m, n): the true feature directions; grid: {(family, d): SAE} with the same
    settings for a family at every d (``modern_saes.train_grid``); activations (N, m):
    held-out data for the statistics. The figure is ``plot_recovery`` (cosine matrix and
    latent census); the readout lists L0, FVU, MMCS, recovered fraction and the census.
    """
    W = as_weights("features", features)
    threshold = check_float("threshold", threshold, 0.5, 0.99)
    if W.dim() != 2:
        raise ValueError(f"features must have shape (m, n), got {tuple(W.shape)}")
    kinds, sizes, n_settings = _check_grid(grid, W.shape[0])
    h = as_activations(activations, W.shape[0])
    stats = {key: summarise(W, model, h, threshold=threshold) for key, model in grid.items()}
    labels = {kind: setting_labels(grid[(kind, sizes[0])]) for kind in kinds}
    start_kind = kinds[0]
    controls = {
        "family": widgets.Dropdown(options=[(FAMILY_NAMES[k], k) for k in kinds], value=start_kind,
                                   description="family", style={"description_width": "initial"}),
        "d": widgets.SelectionSlider(options=[(str(d), d) for d in sizes], value=sizes[len(sizes) // 2],
                                     description="dictionary size d", continuous_update=False,
                                     style={"description_width": "initial"}),
        "setting": widgets.SelectionSlider(options=list(zip(labels[start_kind], range(n_settings))),
                                           value=n_settings // 2, description="setting (dense → sparse)",
                                           continuous_update=False, style={"description_width": "initial"}),
    }

    def draw(values):
        kind, d, i = values["family"], values["d"], values["setting"]
        model, s = grid[(kind, d)], stats[(kind, d)]
        label = labels[kind][i]
        fig = plot_recovery(W, model.W_dec[i], s["fires"][i], threshold=threshold,
                            title=f"{FAMILY_NAMES[kind]}, d = {d}, {label}")
        true = f" (data: {true_l0:.2f} active features)" if true_l0 is not None else ""
        n = W.shape[1]
        rows = [("SAE", f"{FAMILY_NAMES[kind]}, d = {d}, {label}"),
                ("L0 (mean active latents)", f"{float(s['l0'][i]):.2f}{true}"),
                ("fraction of variance unexplained", f"{float(s['fvu'][i]):.3f}"),
                ("MMCS", f"{float(s['mmcs'][i]):.3f}"),
                (f"recovered features (cos > {threshold:.2f})", f"{int(s['recovered_count'][i])} of {n}"),
                ("duplicated features", f"{int(s['duplicated'][i])}"),
                ("dead latents", f"{int(s['dead'][i])} of {d}"),
                ("unmatched alive latents (blended)", f"{int(s['unmatched'][i])} ({int(s['blended'][i])})")]
        body = "".join(f"<tr><td style='padding-right:12px'>{a}</td><td><b>{b}</b></td></tr>" for a, b in rows)
        return fig, f"<table>{body}</table>"

    panel = _GridPanel("SAE zoo", controls, draw)

    def relabel(change):
        index = controls["setting"].value
        panel.syncing = True
        try:
            controls["setting"].options = list(zip(labels[change["new"]], range(n_settings)))
            controls["setting"].value = index
        finally:
            panel.syncing = False

    controls["family"].observe(relabel, names="value")
    return panel
