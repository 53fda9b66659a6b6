"""The geometry of uniform superposition (paper E5): polytopes and feature dimensionality.

Notation: W (m, n), column W_i = feature i, hat W_i = W_i / ||W_i||.

* Dimensions per feature  D* = m / ||W||_F^2  (``metrics.dimensions_per_feature``).
* Feature dimensionality  D_i = ||W_i||^2 / sum_j (hat W_i . W_j)^2, the sum
  including j = i (``metrics.feature_dimensionality``).

Ideal polytopes. k unit vectors u_1..u_k spanning a d-dimensional subspace
form a *tight frame* when sum_j u_j u_j^T = (k/d) P (P the projector on the
subspace). Then sum_j (u_i . u_j)^2 = u_i^T (k/d) P u_i = k/d for every i,
so D_i = d/k: a digon (2 antipodal points on a line) gives 1/2, a triangle
2/3, a tetrahedron 3/4, a pentagon 2/5, a square antiprism 3/8, a hexagon
1/3. Polytopes in mutually orthogonal subspaces (a *tegum product*, e.g. the
octahedron = three orthogonal digons) keep their own D_i, and since each
block contributes k * d/k = d, sum_i D_i = m when the blocks fill R^m.

Feature geometry graph: represented features (||W_i|| > 0.5) are nodes,
|cos(W_i, W_j)| > threshold are edges. Its connected components are the
tegum factors; a component of k features whose columns have numerical rank
d is "k points in d dimensions".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import matplotlib.pyplot as plt
import numpy as np
import torch

from . import metrics
from .plots import SIGNED_CMAP, feature_colors
from .validation import as_array, as_weights, check_float, check_int


def regular_polygon(k: int) -> torch.Tensor:
    """(2, k) float64: k unit vectors at angles 2 pi j / k (k >= 2; k = 2 is a digon in a plane)."""
    k = check_int("k", k, 2, 10_000)
    angles = 2 * math.pi * torch.arange(k, dtype=torch.float64) / k
    return torch.stack([torch.cos(angles), torch.sin(angles)])


def simplex(k: int) -> torch.Tensor:
    """(k-1, k) float64: the regular simplex, k unit vectors with pairwise cos -1/(k-1) (k >= 2).

    Built as e_j - (1/k) 1 in R^k expressed in an orthonormal basis of the
    sum-zero subspace (its dimension is k - 1), then normalised.
    """
    k = check_int("k", k, 2, 1000)
    centred = torch.eye(k, dtype=torch.float64) - 1.0 / k
    U, _, _ = torch.linalg.svd(centred)
    coords = U[:, : k - 1].T @ centred                     # (k-1, k)
    return coords / coords.norm(dim=0, keepdim=True)


def square_antiprism() -> torch.Tensor:
    """(3, 8) float64: two squares rotated by 45 degrees at heights +-1/sqrt(3).

    That height makes the 8 unit vectors a tight frame (sum z^2 = 8/3), so
    D_i = 3/8 exactly; the Thomson-problem antiprism is very close to it.
    """
    z = 1 / math.sqrt(3)
    rho = math.sqrt(1 - z * z)
    cols = []
    for layer, (height, offset) in enumerate(((z, 0.0), (-z, math.pi / 4))):
        for j in range(4):
            a = offset + j * math.pi / 2
            cols.append([rho * math.cos(a), rho * math.sin(a), height])
    return torch.tensor(cols, dtype=torch.float64).T


def digon() -> torch.Tensor:
    """(1, 2) float64: an antipodal pair [1, -1] on one axis."""
    return torch.tensor([[1.0, -1.0]], dtype=torch.float64)


def octahedron() -> torch.Tensor:
    """(3, 6) float64: +-e_1, +-e_2, +-e_3, the tegum product of three digons."""
    eye = torch.eye(3, dtype=torch.float64)
    return torch.cat([eye, -eye], dim=1)[:, [0, 3, 1, 4, 2, 5]]


POLYTOPES = {
    "dedicated": (lambda: torch.ones(1, 1, dtype=torch.float64), 1, 1),
    "tetrahedron": (lambda: simplex(4), 3, 4),
    "triangle": (lambda: simplex(3), 2, 3),
    "digon": (digon, 1, 2),
    "pentagon": (lambda: regular_polygon(5), 2, 5),
    "square antiprism": (square_antiprism, 3, 8),
    "hexagon": (lambda: regular_polygon(6), 2, 6),
}
"""name -> (builder, d, k): k points in d dimensions, D_i = d / k. Ordered by D_i."""

FRACTIONS = {Fraction(d, k): name for name, (_, d, k) in POLYTOPES.items()}
"""The paper's reference fractions d/k -> polytope name (1, 3/4, 2/3, 1/2, 2/5, 3/8, 1/3)."""

NOTEBOOK_FRACTIONS = {Fraction(2, 7): "heptagon", Fraction(1, 4): "octagon or icosahedron"}
"""Two more reference lines of the official notebook: 2/7 (heptagon), 1/4 (2/8 octagon or 3/12 icosahedron)."""


def polytope(name: str) -> torch.Tensor:
    """(d, k) float64 unit columns of a named ideal polytope (see POLYTOPES)."""
    if name not in POLYTOPES:
        raise ValueError(f"name must be one of {', '.join(map(repr, POLYTOPES))}; got {name!r}")
    return POLYTOPES[name][0]()


def ideal_dimensionality(name: str) -> Fraction:
    """d / k for a named polytope, as an exact fraction."""
    polytope(name)  # validates the name
    _, d, k = POLYTOPES[name]
    return Fraction(d, k)


def tegum(*blocks) -> torch.Tensor:
    """Block-diagonal stack of (d_b, k_b) matrices -> (sum d_b, sum k_b): orthogonal subspaces."""
    if not blocks:
        raise ValueError("tegum needs at least one block")
    mats = [as_weights(f"blocks[{i}]", b).to(torch.float64) for i, b in enumerate(blocks)]
    for i, b in enumerate(mats):
        if b.dim() != 2:
            raise ValueError(f"blocks[{i}] must be a single (d, k) matrix, got shape {tuple(b.shape)}")
    return torch.block_diag(*mats)


def feature_components(W, cos_threshold: float = 0.2, norm_threshold: float = 0.5) -> list[np.ndarray]:
    """Connected components of the feature geometry graph of one W (m, n).

    Nodes: features with ||W_i|| > norm_threshold. Edges: |cos(W_i, W_j)| > cos_threshold.
    Returns a list of sorted index arrays, largest component first (ties: lowest index first).
    """
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    cos_threshold = check_float("cos_threshold", cos_threshold, 0.0, 1.0)
    norm_threshold = check_float("norm_threshold", norm_threshold, 0.0)
    keep = np.nonzero(metrics.feature_norms(W).numpy() > norm_threshold)[0]
    adj = metrics.cosine_similarity(W).abs().numpy()[np.ix_(keep, keep)] > cos_threshold
    seen = np.zeros(len(keep), dtype=bool)
    comps = []
    for start in range(len(keep)):
        if seen[start]:
            continue
        stack, members = [start], []
        seen[start] = True
        while stack:
            a = stack.pop()
            members.append(a)
            for b in np.nonzero(adj[a] & ~seen)[0]:
                seen[b] = True
                stack.append(int(b))
        comps.append(np.sort(keep[members]))
    comps.sort(key=lambda c: (-len(c), int(c[0])))
    return comps


def numerical_rank(W, rel_tol: float = 0.1) -> int:
    """Number of singular values of W (m, k) above rel_tol * the largest one."""
    W = as_weights("W", W)
    rel_tol = check_float("rel_tol", rel_tol, 0.0, 1.0)
    s = torch.linalg.svdvals(W.to(torch.float64))
    return int((s > rel_tol * s.max()).sum()) if s.numel() and s.max() > 0 else 0


def polytope_name(size: int, rank: int) -> str:
    """'digon', 'pentagon', ... for k points in d dimensions, else 'k points in d-D'."""
    size, rank = check_int("size", size, 1), check_int("rank", rank, 0)
    for name, (_, d, k) in POLYTOPES.items():
        if (k, d) == (size, rank):
            return name
    return f"{size} points in {rank}-D"


@dataclass(frozen=True)
class Component:
    """A tegum factor: feature indices, numerical rank d, mean D_i and its name."""

    features: tuple[int, ...]
    rank: int
    mean_dimensionality: float
    name: str

    @property
    def size(self) -> int:
        return len(self.features)


def component_summary(W, cos_threshold: float = 0.2, norm_threshold: float = 0.5,
                      rel_tol: float = 0.1) -> list[Component]:
    """Every connected component of one W (m, n) with its size, rank and mean D_i."""
    W = as_weights("W", W)
    D = metrics.feature_dimensionality(W).numpy()
    out = []
    for comp in feature_components(W, cos_threshold, norm_threshold):
        rank = numerical_rank(W[:, torch.as_tensor(comp)], rel_tol)
        out.append(Component(tuple(int(i) for i in comp), rank, float(D[comp].mean()),
                             polytope_name(len(comp), rank)))
    return out


def count_components(components: list[Component]) -> dict[str, int]:
    """name -> how many components have it, most common first (ties alphabetical)."""
    if not all(isinstance(c, Component) for c in components):
        raise ValueError("components must be a list of Component (from component_summary)")
    counts: dict[str, int] = {}
    for c in components:
        counts[c.name] = counts.get(c.name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def polytope_clusters(W, cos_threshold: float = 0.2, tol: float = 0.03) -> dict[str, int]:
    """Features of one W (m, n) that sit in a *named* polytope: name -> number of features.

    A component of ``component_summary`` counts only when its size and rank
    match a polytope of POLYTOPES (so "6 points in 6-D" never counts as a
    triangle although some of its D_i may be near 2/3) and its mean D_i is
    within tol of that polytope's d/k. Ordered as POLYTOPES.
    """
    tol = check_float("tol", tol, 0.0, 1.0)
    counts: dict[str, int] = {}
    for c in component_summary(W, cos_threshold):
        if c.name in POLYTOPES and abs(c.mean_dimensionality - float(ideal_dimensionality(c.name))) < tol:
            counts[c.name] = counts.get(c.name, 0) + c.size
    return {name: counts[name] for name in POLYTOPES if name in counts}


def compressed_sensing_dimensions(density) -> np.ndarray:
    """p ln(1/p): the dimensions per feature D* at which m = k ln(n/k) with k = p n, elementwise.

    Compressed sensing (the paper's appendix): recovering every k-sparse vector
    of R^n from m linear measurements needs m = Omega(k log(n/k)). If a model
    stores n features of density p, about k = p n are active at once, and
    m = k ln(n/k) = p n ln(1/p) gives m / n = p ln(1/p). The bound holds up to an
    unspecified constant; this is the scaling with constant 1. 0 at p = 1.
    """
    p = as_array("density", density, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return out + 0.0


def dimensionality_clusters(D, fractions=None, tol: float = 0.02) -> dict[Fraction, int]:
    """How many entries of D (any shape) lie within tol of each reference fraction (> 0 only)."""
    D = as_array("D", D, 0.0, np.inf).ravel()
    tol = check_float("tol", tol, 0.0, 1.0)
    fractions = list(FRACTIONS) if fractions is None else [Fraction(f).limit_denominator(100)
                                                            for f in fractions]
    counts = {f: int((np.abs(D - float(f)) < tol).sum()) for f in fractions}
    return {f: c for f, c in counts.items() if c > 0}


def plot_dimensions_per_feature(inv_density, D_star, ax=None, title: str = "Dimensions per feature $D^*$",
                                labels=None, compressed_sensing: bool = False):
    """D* = m / ||W||_F^2 against 1/(1-S) on a log axis, with the sticky values 1 and 1/2.

    D_star: (S,) one curve, or (R, S) one curve per run (``labels``: R legend
    entries). compressed_sensing: also draw p ln(1/p) (``compressed_sensing_dimensions``,
    p = 1/x), the D* at which m = k ln(n/k).
    """
    x = as_array("inv_density", inv_density, 1.0, np.inf).ravel()
    y = as_array("D_star", D_star, 0.0, np.inf)
    y = y[None] if y.ndim == 1 else y
    if y.ndim != 2 or y.shape[1] != len(x):
        raise ValueError(f"inv_density and D_star must have the same length (D_star (S,) or (runs, S)), "
                         f"got {len(x)} and shape {y.shape}")
    if labels is not None and len(labels) != len(y):
        raise ValueError(f"labels must have one entry per run ({len(y)}), got {len(labels)}")
    fig, ax = _fig_ax(ax, (5.0, 3.2))
    for level, label in ((1.0, "1: one dimension per feature"), (0.5, "1/2: antipodal pairs")):
        ax.axhline(level, color="0.6", ls=":", lw=1)
        ax.text(x.min(), level + 0.02, label, fontsize=8, color="0.35", va="bottom")
    markers = "os^Dv"
    for r, curve in enumerate(y):
        ax.plot(x, curve, marker=markers[r % len(markers)], ls="-", color="k" if len(y) == 1 else f"C{r}",
                ms=4, lw=1, label=None if labels is None else labels[r])
    if compressed_sensing:
        xf = np.logspace(np.log10(max(x.min(), 1.0)), np.log10(x.max()), 200)
        ax.plot(xf, compressed_sensing_dimensions(1 / xf), ls="--", color="0.4", lw=1,
                label=r"$p\,\ln(1/p)$: $m = k \ln(n/k)$")
    if labels is not None or compressed_sensing:
        ax.legend(fontsize=7, loc="upper right")
    ax.set(xscale="log", xlabel="1/(1-S)  (log scale)", ylabel=r"$D^* = m / \|W\|_F^2$", title=title,
           ylim=(0, 1.15))
    fig.tight_layout()
    return fig


def plot_feature_dimensionality(inv_density, D, represented=None, ax=None,
                                title: str = "Feature dimensionality $D_i$", fractions=None):
    """Scatter of every D_i (instances, n) at its instance's 1/(1-S), reference lines d/k.

    ``represented`` (instances, n) bool hides unlearned features (D_i ~ 0 is
    drawn only when it is None). Points are spread sideways by a fixed
    jitter so clusters are visible. ``fractions``: {Fraction: label} of the
    reference lines (default ``FRACTIONS``).
    """
    x = as_array("inv_density", inv_density, 1.0, np.inf).ravel()
    D = as_array("D", D, 0.0, np.inf)
    if D.ndim != 2 or D.shape[0] != len(x):
        raise ValueError(f"D must have shape (len(inv_density), n) = ({len(x)}, n), got {D.shape}")
    mask = np.ones(D.shape, bool) if represented is None else np.asarray(represented, bool)
    if mask.shape != D.shape:
        raise ValueError(f"represented must have D's shape {D.shape}, got {mask.shape}")
    fig, ax = _fig_ax(ax, (6.4, 3.8))
    jitter = np.random.default_rng(0).uniform(-0.03, 0.03, D.shape)
    fracs = list((FRACTIONS if fractions is None else fractions).items())
    for f, _ in fracs:
        check_float("fractions", f, 0.0, 1.0)
    label_y = _spread([float(f) for f, _ in fracs], min_gap=0.045)
    for (f, name), y in zip(fracs, label_y):
        ax.axhline(float(f), color="0.75", lw=0.8, zorder=0)
        ax.annotate(f"{f}  {name}", xy=(1.0, float(f)), xytext=(1.02, y), xycoords=("axes fraction", "data"),
                    textcoords=("axes fraction", "data"), fontsize=7, va="center", color="0.3")
    xs = np.broadcast_to(x[:, None], D.shape) * 10**jitter
    ax.scatter(xs[mask], D[mask], s=7, alpha=0.5, color="C0", edgecolors="none")
    ax.set(xscale="log", xlabel="1/(1-S)  (log scale)", ylabel="$D_i$", title=title,
           ylim=(-0.03, 1.1), xlim=(x.min() / 1.15, x.max() * 1.15))
    fig.tight_layout()
    return fig


def _spread(values, min_gap: float) -> list[float]:
    """Label heights: the values, pushed apart (upwards) to be at least min_gap apart."""
    order = np.argsort(values)
    out = np.array(values, dtype=float)
    last = -np.inf
    for i in order:
        out[i] = max(out[i], last + min_gap)
        last = out[i]
    return out.tolist()


_POLY_EDGES = {
    "digon": [(0, 1)],
    "triangle": [(0, 1), (1, 2), (2, 0)],
    "pentagon": [(j, (j + 1) % 5) for j in range(5)],
    "tetrahedron": [(a, b) for a in range(4) for b in range(a + 1, 4)],
    "square antiprism": ([(j, (j + 1) % 4) for j in range(4)] + [(4 + j, 4 + (j + 1) % 4) for j in range(4)]
                         + [(j, 4 + j) for j in range(4)] + [((j + 1) % 4, 4 + j) for j in range(4)]),
}


def plot_polytope_gallery(names=("digon", "triangle", "tetrahedron", "pentagon", "square antiprism")):
    """Small drawings of ideal polytopes, each titled with k points in d-D and D_i = d/k (measured)."""
    names = list(names)
    for name in names:
        if name not in _POLY_EDGES:
            raise ValueError(f"names must be among {', '.join(map(repr, _POLY_EDGES))}; got {name!r}")
    fig = plt.figure(figsize=(2.3 * len(names), 2.7))
    for col, name in enumerate(names):
        P = polytope(name).numpy()
        d, k = P.shape
        D = float(metrics.feature_dimensionality(torch.from_numpy(P)).mean())
        three_d = d == 3
        ax = fig.add_subplot(1, len(names), col + 1, projection="3d" if three_d else None)
        pts = np.zeros((3, k))
        pts[:d] = P
        colors = feature_colors(k)
        for a, b in _POLY_EDGES[name]:
            seg = pts[:, [a, b]]
            ax.plot(*(seg if three_d else seg[:2]), color="0.6", lw=0.8)
        for i in range(k):
            line = np.stack([np.zeros(3), pts[:, i]], axis=1)
            ax.plot(*(line if three_d else line[:2]), color=colors[i], lw=1.5)
            ax.scatter(*(pts[:, i] if three_d else pts[:2, i]), color=colors[i], s=18)
        ax.set_title(f"{name}\n{k} points in {d}-D: $D_i$ = {Fraction(d, k)} ({D:.3f})", fontsize=8)
        if three_d:
            ax.set(xlim=(-1, 1), ylim=(-1, 1), zlim=(-1, 1), xticks=[], yticks=[], zticks=[])
            ax.view_init(elev=18, azim=30)
        else:
            ax.set(xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), aspect="equal", xticks=[], yticks=[])
            ax.axhline(0, color="0.9", lw=0.6, zorder=0)
    fig.suptitle("Ideal polytopes: k equal features sharing d dimensions each own d/k of a dimension")
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def plot_instance_geometry(W, title: str = "", cos_threshold: float = 0.2):
    """One trained W (m, n): D_i histogram (left) and W^T W of represented features (right),
    ordered by connected component so tegum factors show up as diagonal blocks."""
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    D = metrics.feature_dimensionality(W).numpy()
    rep = metrics.represented(W).numpy()
    comps = feature_components(W, cos_threshold)
    order = np.concatenate(comps) if comps else np.zeros(0, dtype=int)
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4), gridspec_kw={"width_ratios": [1.3, 1]})
    bins = np.linspace(0, 1.05, 43)
    axes[0].hist(D[rep], bins=bins, color="C0")
    for f in FRACTIONS:
        axes[0].axvline(float(f), color="0.6", ls=":", lw=0.8)
    axes[0].set_xticks([float(f) for f in FRACTIONS] + [0.0])
    axes[0].set_xticklabels([str(f) for f in FRACTIONS] + ["0"], rotation=90, fontsize=7)
    axes[0].set(xlabel="$D_i$ of represented features", ylabel="count",
                title=f"{int(rep.sum())} of {W.shape[1]} features represented", xlim=(0, 1.05))
    if len(order):
        G = metrics.interference_matrix(W).numpy()[np.ix_(order, order)]
        im = axes[1].imshow(G, cmap=SIGNED_CMAP, vmin=-1, vmax=1)
        fig.colorbar(im, ax=axes[1], shrink=0.8)
        edge = -0.5
        for c in comps:
            axes[1].add_patch(plt.Rectangle((edge, edge), len(c), len(c), fill=False, lw=0.8, ec="k"))
            edge += len(c)
    axes[1].set(title=r"$W^\top W$, grouped by component", xlabel="represented feature j",
                ylabel="represented feature i")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _fig_ax(ax, figsize):
    if ax is None:
        return plt.subplots(figsize=figsize)
    return ax.figure, ax
