"""Name the geometry of a 2-D embedding: the pictures of the paper's intro figure.

A model with m = 2 hidden dimensions stores feature i at the column W_i of
W (2, n). With ||W_i|| > ``norm_threshold`` counting as *embedded*, we call

  * 'orthogonal'       two embedded features at right angles (|cos| < 0.1):
                       each owns a dedicated dimension (S = 0 in the paper);
  * 'antipodal pairs'  four embedded features forming two pairs W_j ~ -W_i
                       (cos < -0.95), the pairs at right angles (|cos| < 0.1)
                       (S = 0.8 in the paper);
  * 'pentagon'         five embedded features whose sorted polar angles are
                       72 +- 10 degrees apart (S = 0.9 in the paper);
  * 'other'            anything else (a local minimum of training, usually).

The thresholds are the checks of the reference's E1 section.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from . import metrics
from .validation import as_weights, check_float

KINDS = ("orthogonal", "antipodal pairs", "pentagon", "other")

#: What the paper's figure shows for n = 5, m = 2, I_i = 0.9^i, by sparsity S:
#: (kind, embedded features).
PAPER_GEOMETRY = {0.0: ("orthogonal", (0, 1)),
                  0.8: ("antipodal pairs", (0, 1, 2, 3)),
                  0.9: ("pentagon", (0, 1, 2, 3, 4))}


@dataclass(frozen=True)
class Geometry2D:
    """The shape of one 2-D embedding.

    kind: one of ``KINDS``; embedded: indices i with ||W_i|| > threshold;
    pairs: the antipodal pairs (i, j) with i < j (only for 'antipodal pairs').
    """

    kind: str
    embedded: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...] = ()

    def label(self) -> str:
        """Short text, e.g. 'antipodal pairs (0,3)(1,2)' or 'other: embeds {0,1,2,4}'."""
        if self.kind == "antipodal pairs":
            return "antipodal pairs " + "".join(f"({i},{j})" for i, j in self.pairs)
        feats = "{" + ",".join(map(str, self.embedded)) + "}"
        if self.kind == "other":
            return f"other: embeds {feats}"
        return f"{self.kind} {feats}"

    def matches(self, kind: str, embedded) -> bool:
        """True when this geometry has the given kind and exactly the given embedded features."""
        return self.kind == kind and tuple(self.embedded) == tuple(embedded)


def _single(W) -> torch.Tensor:
    W = as_weights("W", W).double()
    if W.dim() != 2 or W.shape[0] != 2:
        raise ValueError(f"W must have shape (2, n) (one 2-D embedding), got {tuple(W.shape)}")
    return W


def classify_2d(W, norm_threshold: float = 0.5, cos_tol: float = 0.1,
                antipodal_cos: float = -0.95, gap_tol_deg: float = 10.0) -> Geometry2D:
    """Classify one embedding W (2, n) as orthogonal / antipodal pairs / pentagon / other.

    norm_threshold in (0, inf): ||W_i|| above it means feature i is embedded.
    cos_tol in (0, 1]: |cos| below it counts as orthogonal.
    antipodal_cos in [-1, 0): cos below it counts as antipodal.
    gap_tol_deg in (0, 72]: allowed deviation of a pentagon's angular gaps from 72 degrees.
    """
    W = _single(W)
    norm_threshold = check_float("norm_threshold", norm_threshold, 0.0, low_open=True)
    cos_tol = check_float("cos_tol", cos_tol, 0.0, 1.0, low_open=True)
    antipodal_cos = check_float("antipodal_cos", antipodal_cos, -1.0, 0.0)
    if antipodal_cos == 0.0:
        raise ValueError("antipodal_cos must be a finite number in [-1.0, 0.0), got 0.0")
    gap_tol_deg = check_float("gap_tol_deg", gap_tol_deg, 0.0, 72.0, low_open=True)

    keep = metrics.feature_norms(W) > norm_threshold
    embedded = tuple(int(i) for i in torch.nonzero(keep).flatten())
    cos = metrics.cosine_similarity(W)
    k = len(embedded)
    if k == 2:
        i, j = embedded
        if abs(float(cos[i, j])) < cos_tol:
            return Geometry2D("orthogonal", embedded)
    elif k == 4:
        pairs = _antipodal_pairs(cos, embedded, antipodal_cos)
        if pairs is not None:
            (a, b), (c, d) = pairs
            if abs(float(cos[a, c])) < cos_tol:
                return Geometry2D("antipodal pairs", embedded, pairs)
    elif k == 5:
        gaps = metrics.angular_gaps(W.float(), threshold=norm_threshold)
        if len(gaps) == 5 and bool(((gaps - 72.0).abs() <= gap_tol_deg).all()):
            return Geometry2D("pentagon", embedded)
    return Geometry2D("other", embedded)


def _antipodal_pairs(cos: torch.Tensor, embedded, antipodal_cos: float):
    """Split four features into two antipodal pairs, or None if they do not split so."""
    first, rest = embedded[0], list(embedded[1:])
    partners = [j for j in rest if float(cos[first, j]) < antipodal_cos]
    if len(partners) != 1:
        return None
    other = [j for j in rest if j != partners[0]]
    if float(cos[other[0], other[1]]) >= antipodal_cos:
        return None
    return ((first, partners[0]), (other[0], other[1]))


def classify_many(W, **kwargs) -> list[Geometry2D]:
    """``classify_2d`` for every embedding of a batch W (I, 2, n)."""
    W = as_weights("W", W, min_dims=3)
    if W.dim() != 3:
        raise ValueError(f"W must have shape (instances, 2, n), got {tuple(W.shape)}")
    return [classify_2d(w, **kwargs) for w in W]


def restart_outcomes(W, losses) -> list[tuple[str, int, float]]:
    """Group the restarts of one setting by geometry.

    W (K, 2, n) and losses (K,) of K restarts -> [(label, count, lowest loss)],
    sorted by lowest loss (the best-of-K winner first).
    """
    geoms = classify_many(W)
    losses = torch.as_tensor(losses, dtype=torch.float64).reshape(-1)
    if len(losses) != len(geoms):
        raise ValueError(f"losses must have one entry per restart ({len(geoms)}), got {len(losses)}")
    if not torch.isfinite(losses).all():
        raise ValueError("losses must not contain NaN or infinity")
    groups: dict[str, list[float]] = {}
    for g, loss in zip(geoms, losses.tolist()):
        groups.setdefault(g.label(), []).append(loss)
    rows = [(label, len(ls), min(ls)) for label, ls in groups.items()]
    return sorted(rows, key=lambda row: row[2])
