"""Neuron-level reading of a privileged basis (paper sections "Privileged basis"
and "Computation in superposition").

With a ReLU on the hidden layer, h = ReLU(W x), the m rows of W are neurons:
row k holds the input weights W_{k,i} of neuron k for every feature i, and
the ReLU acts on each neuron separately, so the basis is privileged and the
rows can be read one by one. Shapes follow the paper: W (..., m, n),
feature i = column i, neuron k = row k.

Which features a neuron *carries*:
  * non-negative inputs (the ReLU-hidden model, x_i in [0, 1]): feature i
    can only switch neuron k on through a positive weight, so it is carried
    when W_{k,i} > threshold (negative weights only inhibit);
  * signed inputs (the absolute-value model, x_i in [-1, 1]): either sign
    drives the neuron, so it is carried when |W_{k,i}| > threshold.
``rescale=True`` first divides every row by its largest |W_{k,i}| (the
paper's footnote 15: h = ReLU(W1 x), y = W2 h is unchanged when a row of W1
is multiplied by a > 0 and the matching column of W2 by 1/a).

A neuron is *monosemantic* when it carries exactly one feature,
*polysemantic* when it carries two or more and *dead* when it carries none.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.collections import PolyCollection
import numpy as np
import torch

from .plots import feature_colors, importance_colorbar
from .validation import as_weights, check_choice, check_float

INPUTS = ("nonnegative", "signed")
_DEAD = 1e-6


def rescale_rows(W) -> torch.Tensor:
    """W (..., m, n) with every row divided by its largest |entry| (all-zero rows stay 0).

    After rescaling, max_i |W_{k,i}| = 1 for every live neuron k (paper footnote 15).
    """
    W = as_weights("W", W)
    peak = W.abs().amax(dim=-1, keepdim=True)
    return torch.where(peak > _DEAD, W / peak.clamp_min(_DEAD), torch.zeros_like(W))


def neuron_feature_mask(W, threshold: float = 0.3, inputs: str = "nonnegative",
                        rescale: bool = False) -> torch.Tensor:
    """Bool (..., m, n): does neuron k carry feature i?

    inputs='nonnegative': W_{k,i} > threshold; inputs='signed': |W_{k,i}| > threshold.
    threshold >= 0; rescale: compare the row-rescaled weights (see ``rescale_rows``).
    """
    W = as_weights("W", W)
    threshold = check_float("threshold", threshold, 0.0)
    check_choice("inputs", inputs, INPUTS)
    if rescale:
        W = rescale_rows(W)
    return (W.abs() if inputs == "signed" else W) > threshold


def features_per_neuron(W, threshold: float = 0.3, inputs: str = "nonnegative",
                        rescale: bool = False) -> torch.Tensor:
    """Int (..., m): how many features each neuron carries."""
    return neuron_feature_mask(W, threshold, inputs, rescale).sum(dim=-1)


def neurons_per_feature(W, threshold: float = 0.3, inputs: str = "nonnegative",
                        rescale: bool = False) -> torch.Tensor:
    """Int (..., n): on how many neurons each feature is carried (0 = not represented)."""
    return neuron_feature_mask(W, threshold, inputs, rescale).sum(dim=-2)


def monosemantic_neurons(W, threshold: float = 0.3, inputs: str = "nonnegative",
                         rescale: bool = False) -> torch.Tensor:
    """Bool (..., m): neuron k carries exactly one feature."""
    return features_per_neuron(W, threshold, inputs, rescale) == 1


def neuron_summary(W, threshold: float = 0.3, inputs: str = "nonnegative",
                   rescale: bool = False) -> dict:
    """Counts for one W (m, n), ready to print.

    Returns {'monosemantic', 'polysemantic', 'dead', 'represented' (features
    carried by at least one neuron), 'mean_features_per_neuron' (over live
    neurons, 0.0 if none), 'max_features_per_neuron', 'features_per_neuron'
    (list, one per neuron), 'neurons_per_feature' (list, one per feature)}.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    mask = neuron_feature_mask(W, threshold, inputs, rescale)
    fpn = mask.sum(dim=1)
    live = fpn > 0
    return {"monosemantic": int((fpn == 1).sum()), "polysemantic": int((fpn > 1).sum()),
            "dead": int((~live).sum()), "represented": int(mask.any(dim=0).sum()),
            "mean_features_per_neuron": float(fpn[live].float().mean()) if live.any() else 0.0,
            "max_features_per_neuron": int(fpn.max()),
            "features_per_neuron": fpn.tolist(), "neurons_per_feature": mask.sum(dim=0).tolist()}


def order_neurons(W) -> torch.Tensor:
    """Permutation (m,) of the neurons of W (m, n), sorted by the importance of their largest feature.

    Neuron k's primary feature is argmax_i |W_{k,i}| (features are numbered by
    importance, 0 = most important); dead neurons go last. Ties keep the order.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    primary = W.abs().argmax(dim=1).double()
    dead = W.abs().amax(dim=1) <= _DEAD
    key = torch.where(dead, torch.full_like(primary, float(W.shape[1])), primary)
    return torch.argsort(key, stable=True)


def primary_and_secondary(W, threshold: float = 0.3, inputs: str = "signed",
                          rescale: bool = True) -> tuple[list[int], list[int]]:
    """Features of the polysemantic neurons of W (m, n), split by role.

    For every neuron carrying two or more features (``neuron_feature_mask``):
    its primary feature (largest |W_{k,i}|) goes to the first list, the other
    carried features to the second. Features are importance ranks (0 = most
    important), so comparing the two lists tells whether neurons keep an
    important primary feature and add unimportant secondary ones.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    mask = neuron_feature_mask(W, threshold, inputs, rescale)
    primary, secondary = [], []
    for k in range(W.shape[0]):
        if int(mask[k].sum()) < 2:
            continue
        top = int(W[k].abs().argmax())
        primary.append(top)
        secondary.extend(int(i) for i in torch.nonzero(mask[k]).ravel() if int(i) != top)
    return primary, secondary


def primary_is_most_important(W, threshold: float = 0.3, inputs: str = "signed",
                              rescale: bool = True) -> list[bool]:
    """Per polysemantic neuron of W (m, n), in neuron order: is its primary feature its most important one?

    The primary feature is argmax_i |W_{k,i}| (as in ``primary_and_secondary``);
    features are importance ranks (0 = most important), so the answer is True
    when the primary's index is below every other carried feature's index.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    mask = neuron_feature_mask(W, threshold, inputs, rescale)
    out = []
    for k in range(W.shape[0]):
        carried = torch.nonzero(mask[k]).ravel()
        if len(carried) < 2:
            continue
        out.append(int(W[k].abs().argmax()) == int(carried.min()))
    return out


def sign_counts(W1, threshold: float = 0.3) -> torch.Tensor:
    """(n, 2) ints: for every feature, how many *monosemantic* neurons carry it with a
    positive and with a negative input weight (signed inputs, rows rescaled).

    The absolute-value circuit |x_i| = ReLU(x_i) + ReLU(-x_i) needs at least one
    of each for every represented feature.
    """
    W1 = as_weights("W1", W1)
    if W1.dim() != 2:
        raise ValueError(f"W1 must be a single (m, n) matrix, got shape {tuple(W1.shape)}")
    mask = neuron_feature_mask(W1, threshold, "signed", rescale=True)
    mono = mask.sum(dim=1) == 1
    pos = (mask & mono[:, None] & (W1 > 0)).sum(dim=0)
    neg = (mask & mono[:, None] & (W1 < 0)).sum(dim=0)
    return torch.stack([pos, neg], dim=1)


def find_inhibitors(W1, W2, source: int, victim: int, sign: float, min_in: float = 0.3,
                    min_out: float = 0.1) -> list[dict]:
    """Neurons that fire with feature ``source`` and push feature ``victim``'s output down.

    The second half of the paper's asymmetric motif. A neuron k qualifies when
    the source drives it with the given ``sign`` (+1 or -1: the sign of its
    weight in the motif neuron) and rescaled |W1_{k,source}| >= min_in, and
    its rescaled output weight W2_{victim,k} <= -min_out. Returns
    [{'neuron', 'in_source', 'out_victim'}] in the rescaled convention.
    """
    W1 = as_weights("W1", W1)
    W2 = as_weights("W2", W2)
    if W1.dim() != 2 or W2.shape != W1.T.shape:
        raise ValueError(f"W1 must be (m, n) and W2 (n, m); got {tuple(W1.shape)} and {tuple(W2.shape)}")
    n = W1.shape[1]
    if not (0 <= int(source) < n and 0 <= int(victim) < n):
        raise ValueError(f"source and victim must be feature indices in [0, {n - 1}]")
    if sign not in (1, -1, 1.0, -1.0):
        raise ValueError(f"sign must be +1 or -1, got {sign!r}")
    min_in = check_float("min_in", min_in, 0.0, 1.0)
    min_out = check_float("min_out", min_out, 0.0)
    peak = W1.abs().amax(dim=1)
    out = []
    for k in range(W1.shape[0]):
        if peak[k] <= _DEAD:
            continue
        w_in = float(W1[k, source] / peak[k])
        w_out = float(W2[victim, k] * peak[k])
        if w_in * sign >= min_in and w_out <= -min_out:
            out.append({"neuron": k, "in_source": w_in, "out_victim": w_out})
    return out


def asymmetric_neurons(W1, W2, min_ratio: float = 2.0, min_weak: float = 0.15) -> list[dict]:
    """Neurons that store two features with unequal input weights (the paper's asymmetric motif).

    W1 (m, n) input weights, W2 (n, m) output weights of the absolute-value
    model. For neuron k, rows are rescaled so max_i |W1_{k,i}| = 1 (W2's
    column k is multiplied back, leaving the function unchanged); the strong
    feature s is the largest |W1_{k,i}|, the weak feature w the second
    largest. A neuron is reported when |W1_{k,w}| >= min_weak and
    |W1_{k,s}| / |W1_{k,w}| >= min_ratio (min_ratio >= 1, min_weak in (0, 1]).
    Each entry: {'neuron', 'strong', 'weak', 'in_strong', 'in_weak',
    'out_strong', 'out_weak', 'ratio', 'asymmetry'} with weights in the
    rescaled convention, where asymmetry = |in_strong out_weak| /
    |in_weak out_strong| is how much more the strong feature leaks into the
    weak one's output than the reverse (the paper's example, input [2, -1/2]
    and output [1/2, 2], gives 16); sorted by decreasing asymmetry.
    """
    W1 = as_weights("W1", W1)
    W2 = as_weights("W2", W2)
    min_ratio = check_float("min_ratio", min_ratio, 1.0)
    min_weak = check_float("min_weak", min_weak, 0.0, 1.0, low_open=True)
    if W1.dim() != 2 or W2.shape != W1.T.shape:
        raise ValueError(f"W1 must be (m, n) and W2 (n, m); got {tuple(W1.shape)} and {tuple(W2.shape)}")
    found = []
    for k in range(W1.shape[0]):
        row = W1[k]
        peak = float(row.abs().max())
        if peak < _DEAD or W1.shape[1] < 2:
            continue
        order = torch.argsort(row.abs(), descending=True)
        s, w = int(order[0]), int(order[1])
        weak = float(row[w].abs()) / peak
        if weak < min_weak or 1.0 / weak < min_ratio:
            continue
        in_s, in_w = float(row[s]) / peak, float(row[w]) / peak
        out_s, out_w = float(W2[s, k]) * peak, float(W2[w, k]) * peak
        asym = abs(in_s * out_w) / max(abs(in_w * out_s), 1e-12)
        found.append({"neuron": k, "strong": s, "weak": w, "in_strong": in_s, "in_weak": in_w,
                      "out_strong": out_s, "out_weak": out_w, "ratio": 1.0 / weak, "asymmetry": asym})
    return sorted(found, key=lambda d: -d["asymmetry"])


def add_feature_colorbar(fig, ax, n_features: int):
    """A discrete colour bar: the importance colour of every feature 0 .. n-1 (``plots.importance_colorbar``)."""
    return importance_colorbar(fig, ax, n_features)


def plot_neuron_stack(W, ax=None, title: str = "Neuron weights", rescale: bool = False,
                        ylim: float | None = None, colorbar: bool = True, annotate: bool = True):
    """The paper's stacked-bar picture of a privileged basis.

    One column per neuron k (row of W (m, n)); one rectangle per feature i of
    height |W_{k,i}|, coloured by the feature's importance rank
    (``feature_colors``); positive weights stack upwards, negative weights
    downwards below the axis. A monosemantic neuron is a single tall block.
    With ``annotate``, every rectangle tall enough to hold it carries its
    feature number, so many features (whose colours are close) stay readable.
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    if rescale:
        W = rescale_rows(W)
    w = W.detach().cpu().double().numpy()
    m, n = w.shape
    colors = feature_colors(n)
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(2.6, 0.45 * m + 1.2), 3.0))
    else:
        fig = ax.figure
    # cumulative stacks: rectangle (k, i) spans [start, start + w] above (w > 0) or below (w < 0) the axis
    pos, neg = np.clip(w, 0, None), np.clip(w, None, 0)
    up = np.cumsum(pos, axis=1) - pos
    down = np.cumsum(neg, axis=1) - neg
    visible = 2e-3 * max(1.0, float(np.abs(w).max()))       # skip rectangles too thin to see
    top = ylim if ylim is not None else max(1.0, float(pos.sum(1).max()), float(-neg.sum(1).min())) * 1.05
    verts, faces = [], []
    for k in range(m):
        for i in range(n):
            if abs(w[k, i]) <= visible:
                continue
            lo = up[k, i] if w[k, i] > 0 else down[k, i]
            hi = lo + w[k, i]
            verts.append([(k - 0.4, lo), (k + 0.4, lo), (k + 0.4, hi), (k - 0.4, hi)])
            faces.append(colors[i])
            if annotate and abs(w[k, i]) > 0.09 * top:      # room for a label: name the feature
                dark = i < 0.55 * n                          # viridis is dark for the first features
                ax.text(k, (lo + hi) / 2, str(i), ha="center", va="center", fontsize=6,
                        color="white" if dark else "black", clip_on=True)
    ax.add_collection(PolyCollection(verts, facecolors=faces, edgecolors="white", linewidths=0.3))
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set(xlim=(-0.6, m - 0.4), ylim=(-top, top), title=title, xlabel="neuron k",
           ylabel="weights $W_{k,i}$ (stacked)")
    ax.set_xticks(np.arange(0, m, 1 if m <= 10 else 2))
    if colorbar:
        add_feature_colorbar(fig, ax, n)
    return fig


def plot_neuron_stack_row(Ws, titles, rescale: bool = False, suptitle: str | None = None):
    """``plot_neuron_stack`` for several W side by side, sharing one y-scale."""
    Ws = [as_weights("W", W) for W in Ws]
    if len(Ws) != len(titles) or not Ws:
        raise ValueError("Ws and titles must be non-empty lists of the same length")
    if rescale:
        Ws = [rescale_rows(W) for W in Ws]
    top = max(max(float(W.clamp_min(0).sum(1).max()), float((-W.clamp_max(0)).sum(1).max()), 1.0)
              for W in Ws) * 1.05
    fig, axes = plt.subplots(1, len(Ws), figsize=(2.3 * len(Ws) + 0.8, 3.0), squeeze=False)
    for j, (W, title, ax) in enumerate(zip(Ws, titles, axes[0])):
        plot_neuron_stack(W, ax=ax, title=title, ylim=top, colorbar=j == len(Ws) - 1)
        if j:
            ax.set_ylabel("")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
