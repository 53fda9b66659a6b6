"""Widget: three universities in two neurons, read out live.

Sliders set the activations x = (Clemson, Duke, NC State) in [0, 1] and one
bias b (shared by the three read-outs) in [-1, 0.5]. The panel shows

    h = W x (2,),   x' = W^T h (3,),   ReLU(W^T h + b) (3,)

as an HTML table, and redraws the hidden plane (the three feature arrows
and h) beside a bar chart of input x, linear de-embedding and ReLU output.
"""
from __future__ import annotations

import html as _html

import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import theory
from ..universities import UNIVERSITY_COLORS
from ..validation import as_array, check_float
from .base import Panel, slider

ACTIVATION_RANGE = (0.0, 1.0)
BIAS_RANGE = (-1.0, 0.5)


def readouts(x, b: float = 0.0) -> dict[str, np.ndarray]:
    """The three stages for activations x (3,) in [0, 1] and a shared bias b in [-1, 0.5].

    Returns numpy float64 arrays: 'x' (3,), 'h' = W x (2,), 'linear' = W^T h (3,),
    'relu' = ReLU(W^T h + b) (3,).
    """
    x = as_array("x", x, *ACTIVATION_RANGE)
    if x.shape != (3,):
        raise ValueError(f"x must hold 3 activations (Clemson, Duke, NC State), got shape {x.shape}")
    b = check_float("b", b, *BIAS_RANGE)
    W = theory.three_universities_W()
    h = theory.embed(W, x)
    linear = theory.recover(W, h)
    relu = theory.recover(W, h, b=torch.full((3,), b, dtype=W.dtype), relu=True)
    return {"x": x, "h": h.numpy(), "linear": linear.numpy(), "relu": relu.numpy()}


def plot_readout(x, b: float = 0.0, title: str | None = None):
    """Figure: the hidden plane (feature arrows v_i, hidden vector h) beside bars of
    x, W^T h and ReLU(W^T h + b) per university; x (3,) in [0, 1], b in [-1, 0.5]."""
    r = readouts(x, b)
    W = theory.three_universities_W().numpy()
    fig, (ax_plane, ax_bars) = plt.subplots(1, 2, figsize=(8.4, 3.5),
                                            gridspec_kw={"width_ratios": [1, 1.35]})
    ax_plane.add_patch(plt.Circle((0, 0), 1.0, fill=False, ls=":", color="0.6"))
    ax_plane.axhline(0, color="0.88", lw=0.8, zorder=0)
    ax_plane.axvline(0, color="0.88", lw=0.8, zorder=0)
    for i, name in enumerate(theory.UNIVERSITIES):
        ax_plane.annotate("", xy=W[:, i], xytext=(0, 0),
                          arrowprops={"arrowstyle": "-|>", "color": UNIVERSITY_COLORS[i], "lw": 2})
        ax_plane.text(*(1.17 * W[:, i]), name, color=UNIVERSITY_COLORS[i], ha="center", va="center",
                      fontsize=8)
    h = r["h"]
    if np.linalg.norm(h) > 1e-9:
        ax_plane.annotate("", xy=h, xytext=(0, 0),
                          arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 2.2, "ls": "--"})
    ax_plane.scatter([h[0]], [h[1]], color="black", s=18, zorder=4, label=f"h = ({h[0]:.2f}, {h[1]:.2f})")
    ax_plane.legend(loc="lower left", fontsize=7, frameon=False)
    ax_plane.set(xlim=(-1.45, 1.45), ylim=(-1.45, 1.45), aspect="equal",
                 title="Hidden plane: features v_i and h = W x",
                 xlabel="neuron 1", ylabel="neuron 2")

    pos = np.arange(3)
    width = 0.26
    series = [("input x", r["x"], "0.55"), ("W^T h (linear)", r["linear"], "#9ecae1"),
              (f"ReLU(W^T h + b), b = {b:.2f}", r["relu"], "#e6550d")]
    for k, (label, values, color) in enumerate(series):
        ax_bars.bar(pos + (k - 1) * width, values, width, label=label, color=color,
                    edgecolor=[UNIVERSITY_COLORS[i] for i in range(3)], linewidth=1.5)
    ax_bars.axhline(0, color="0.3", lw=0.8)
    ax_bars.set_xticks(pos, list(theory.UNIVERSITIES))
    for tick, color in zip(ax_bars.get_xticklabels(), UNIVERSITY_COLORS):
        tick.set_color(color)
    ax_bars.set(ylim=(-1.1, 1.6), title="Read-out per university", ylabel="activation")
    ax_bars.legend(fontsize=7, loc="upper right", frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def readout_table(x, b: float = 0.0) -> str:
    """HTML: h, the NC State reading h . v_3, and per university x, W^T h, ReLU(W^T h + b)."""
    r = readouts(x, b)
    h = r["h"]
    rows = "".join(
        f"<tr><td style='color:{_hex(UNIVERSITY_COLORS[i])};font-weight:bold'>{_html.escape(name)}</td>"
        f"<td>{r['x'][i]:.3f}</td><td>{r['linear'][i]:+.3f}</td><td>{r['relu'][i]:.3f}</td>"
        f"<td>{abs(r['relu'][i] - r['x'][i]):.3f}</td></tr>"
        for i, name in enumerate(theory.UNIVERSITIES))
    return (f"<p><b>h = W x = ({h[0]:+.3f}, {h[1]:+.3f})</b> &nbsp; bias b = {b:+.2f}</p>"
            "<table style='border-collapse:collapse'>"
            "<tr><th>feature</th><th>input x</th><th>W<sup>T</sup>h</th>"
            "<th>ReLU(W<sup>T</sup>h + b)</th><th>|error|</th></tr>"
            f"{rows}</table>")


def _hex(rgba) -> str:
    return "#" + "".join(f"{int(round(255 * c)):02x}" for c in rgba[:3])


def build_universities_panel(clemson: float = 0.9, duke: float = 0.9, nc_state: float = 0.0,
                             bias: float = 0.0) -> Panel:
    """Panel with sliders 'clemson', 'duke', 'nc_state' in [0, 1] and 'bias' in [-1, 0.5]."""
    start = {name: check_float(name, value, *ACTIVATION_RANGE)
             for name, value in (("clemson", clemson), ("duke", duke), ("nc_state", nc_state))}
    bias = check_float("bias", bias, *BIAS_RANGE)
    controls = {name: slider(label, start[name], *ACTIVATION_RANGE, 0.05)
                for name, label in (("clemson", "Clemson x1"), ("duke", "Duke x2"),
                                    ("nc_state", "NC State x3"))}
    controls["bias"] = slider("bias b", bias, *BIAS_RANGE, 0.05)

    def draw(values):
        x = [values["clemson"], values["duke"], values["nc_state"]]
        return plot_readout(x, values["bias"]), readout_table(x, values["bias"])

    return Panel("Three universities in two neurons", controls, draw)
