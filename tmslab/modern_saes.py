"""Lesson 10 experiments: modern SAE families on a toy model whose features are known.

* ``toy_setup``: train a toy model with ``tmslab.train`` and collect its hidden
  activations for training and held-out evaluation (lesson 09's setting by default:
  n = 40 features, m = 16 dimensions, S = 0.95). For the ReLU-hidden model,
  h = ReLU(W x) and a lone feature i points along ReLU(W_i), which is what
  ``features`` holds.
* ``family_config`` / ``train_family`` / ``train_grid``: SAEs of one family
  (``tmslab.sae.FAMILIES``) with the course's defaults; one instance per lambda
  (L1 families, JumpReLU) or per k (TopK).
* ``summarise``: per-instance L0, FVU, MMCS, recovered fraction and the latent
  census (``tmslab.sae_metrics.census``) as numpy arrays.
* ``fvu_at_l0``: the reconstruction error a family reaches at a given L0,
  interpolated along its sweep (to compare families on the L0-FVU frontier).
* ``absorption_summary``: feature absorption in a toy hierarchy (``tmslab.hierarchy``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import sae as sae_lib
from .hierarchy import Hierarchy
from .sae import SAE, SAEConfig, train_sae
from .sae_metrics import absorption, census, cosine_matrix
from .validation import as_array, as_weights, check_choice, check_int

# Per-family defaults: JumpReLU trains its thresholds with a larger step.
FAMILY_DEFAULTS = {"l1": {}, "l1_decoder_norm": {}, "topk": {},
                   "jumprelu": {"lr": 1e-2, "threshold_init": 0.1, "bandwidth": 0.1}}
# The sparsity settings of the lesson's grid, sparsest last (5 per family).
GRID_VALUES = {"l1": (0.07, 0.14, 0.27, 0.5, 1.0), "topk": (6, 4, 3, 2, 1),
               "jumprelu": (0.003, 0.01, 0.03, 0.1, 0.3), "l1_decoder_norm": (0.07, 0.14, 0.27, 0.5, 1.0)}
FAMILY_NAMES = {"l1": "L1", "l1_decoder_norm": "L1, decoder norm in penalty", "topk": "TopK",
                "jumprelu": "JumpReLU"}


@dataclass
class ToyActivations:
    """A trained toy model and its hidden activations.

    W (m, n) and b (n,): the toy model; features (m, n): the direction each feature
    takes in h (W, or ReLU(W) for the ReLU-hidden model); h_train (N, m), x_train (N, n),
    h_eval, x_eval: activations and the true features behind them.
    """

    W: torch.Tensor
    b: torch.Tensor
    features: torch.Tensor
    model: str
    h_train: torch.Tensor
    x_train: torch.Tensor
    h_eval: torch.Tensor
    x_eval: torch.Tensor

    @property
    def true_l0(self) -> float:
        """Mean number of active features per held-out sample."""
        return float((self.x_eval > 0).sum(1).float().mean())


def toy_setup(n_features: int = 40, n_hidden: int = 16, sparsity: float = 0.95, model: str = "relu_output",
              steps: int = 3000, seed: int = 0, groups=None, n_train: int = 32768,
              n_eval: int = 16384) -> ToyActivations:
    """Train one toy model (``tmslab.train``, equal importance) and draw its activations.

    model: 'relu_output' (h = W x) or 'relu_hidden' (h = ReLU(W x)). groups: optional
    ``FeatureGroups``. Training activations use data seed 2 * seed + 1, held-out ones
    2 * seed + 2 (seed 0: lesson 09's seeds 1 and 2).
    """
    from .train import train
    check_choice("model", model, ("relu_output", "relu_hidden"))
    seed = check_int("seed", seed, 0, 2**31)
    toy = train(n_features=n_features, n_hidden=n_hidden, model=model, sparsity=sparsity, importance=1.0,
                steps=steps, seed=seed, progress=False, feature_groups=groups)
    W, b = toy.W[0], toy.b[0]
    relu = model == "relu_hidden"
    h_tr, x_tr = sae_lib.toy_activations(W, sparsity, check_int("n_train", n_train, 1), seed=2 * seed + 1,
                                         groups=groups, hidden_relu=relu)
    h_ev, x_ev = sae_lib.toy_activations(W, sparsity, check_int("n_eval", n_eval, 1), seed=2 * seed + 2,
                                         groups=groups, hidden_relu=relu)
    return ToyActivations(W=W, b=b, features=torch.relu(W) if relu else W, model=model,
                          h_train=h_tr, x_train=x_tr, h_eval=h_ev, x_eval=x_ev)


def family_config(kind: str, n_latents: int, values, steps: int = 1500, batch_size: int = 256,
                  seed: int = 0, **extra) -> SAEConfig:
    """An SAEConfig for family ``kind`` with one instance per value (k for TopK, lambda otherwise)."""
    check_choice("kind", kind, sae_lib.FAMILIES)
    opts = {**FAMILY_DEFAULTS[kind], **extra}
    if kind == "topk":
        opts["ks"] = tuple(int(v) for v in np.atleast_1d(values))
    else:
        opts["l1_coeffs"] = tuple(float(v) for v in np.atleast_1d(values))
    return SAEConfig(n_latents=n_latents, kind=kind, steps=steps, batch_size=batch_size, seed=seed, **opts)


def train_family(h, kind: str, n_latents: int, values, **kw) -> SAE:
    """Train one SAE per value of family ``kind`` on activations h (N, m); see ``family_config``."""
    return train_sae(h, family_config(kind, n_latents, values, **kw))


def train_grid(h, families=("l1", "topk", "jumprelu"), sizes=(20, 40, 80, 160), values=None,
               **kw) -> dict[tuple[str, int], SAE]:
    """SAEs for every (family, d): ``{(kind, d): SAE with one instance per GRID_VALUES[kind]}``."""
    values = values or GRID_VALUES
    return {(kind, int(d)): train_family(h, kind, int(d), values[kind], **kw) for kind in families for d in sizes}


def setting_labels(sae: SAE) -> list[str]:
    """'k = 3' or 'λ = 0.27' for each instance."""
    if sae.kind == "topk":
        return [f"k = {int(k)}" for k in sae.ks]
    return [f"λ = {float(v):.3g}" for v in sae.l1_coeffs]


def summarise(features, sae: SAE, h, threshold: float = 0.9) -> dict[str, np.ndarray]:
    """Per-instance numbers (L,) of ``sae`` on activations h against the true ``features`` (m, n).

    l0, fvu, mse (``SAE.evaluate``); mmcs and recovered (fraction of features with a
    matching alive latent, cosine > threshold); the census counts recovered_count,
    duplicated, dead, unmatched, blended (``tmslab.sae_metrics.census``); fires (L, d).
    """
    F = as_weights("features", features)
    if F.dim() != 2 or F.shape[0] != sae.n_hidden:
        raise ValueError(f"features must have shape ({sae.n_hidden}, n), got {tuple(F.shape)}")
    stats = sae.evaluate(h)
    counts = census(F, sae.W_dec, stats["fires"], threshold=threshold)
    out = {"l0": stats["l0"].numpy(), "fvu": stats["fvu"].numpy(), "mse": stats["mse"].numpy(),
           "mmcs": sae_lib.mmcs(F, sae.W_dec).numpy(), "recovered": counts["recovered"].numpy() / F.shape[1],
           "fires": stats["fires"].numpy()}
    out.update({("recovered_count" if k == "recovered" else k): v.numpy() for k, v in counts.items()})
    return out


def fvu_at_l0(l0, fvu, target: float) -> float:
    """FVU at L0 = target, interpolated linearly between the two sweep points around it
    (NaN when target lies outside the sweep's L0 range). l0, fvu: (L,) sweep values."""
    x = as_array("l0", l0, 0.0, np.inf)
    y = as_array("fvu", fvu, 0.0, np.inf)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"l0 and fvu must be 1-D of equal length, got {x.shape} and {y.shape}")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    if not x[0] <= target <= x[-1]:
        return float("nan")
    return float(np.interp(target, x, y))


def absorption_summary(hierarchy: Hierarchy, features, sae: SAE, h, x) -> dict[str, np.ndarray]:
    """Feature absorption in every instance of ``sae`` (L,), averaged over the hierarchy's parents.

    For parent p, its latent is the alive latent whose decoder column has the largest
    cosine with f_p; fires_alone / fires_with_child / absorbed come from
    ``sae_metrics.absorption`` on (h, x); child_cos is the mean, over p's children,
    of the cosine between f_p and the child's best-matching alive latent (about 0 when
    the child's latent is the child alone, about 0.7 when it carries the parent too).
    Also returns fvu and l0 of each instance.
    """
    if not isinstance(hierarchy, Hierarchy):
        raise ValueError(f"hierarchy must be a Hierarchy, got {type(hierarchy).__name__}")
    codes = sae.encode(h)                                            # (N, L, d)
    stats = sae.evaluate(h)
    C = cosine_matrix(features, sae.W_dec)                           # (L, n, d)
    L = sae.n_instances
    out = {k: np.zeros(L) for k in ("fires_alone", "fires_with_child", "absorbed", "child_cos")}
    for inst in range(L):
        alive = stats["fires"][inst] > 0
        Ci = C[inst].masked_fill(~alive[None, :], -2.0)
        rows = []
        for p in hierarchy.parents:
            kids = hierarchy.children(p)
            latent = int(Ci[p].argmax())
            res = absorption(codes[:, inst], x, p, kids, latent)
            child_lat = Ci[kids].argmax(1)
            rows.append((res["fires_alone"], res["fires_with_child"], res["absorbed"],
                         float(C[inst][p, child_lat].mean())))
        for key, col in zip(("fires_alone", "fires_with_child", "absorbed", "child_cos"), zip(*rows)):
            out[key][inst] = float(np.mean(col))
    out["fvu"], out["l0"] = stats["fvu"].numpy(), stats["l0"].numpy()
    return out


def size_table(summaries: dict, kind: str, setting: int, sizes) -> dict[str, list[int]]:
    """Census counts of one family at one setting across sizes, for ``plot_size_sweep``.

    summaries: {(kind, d): ``summarise`` output}; setting: the instance index (same at every d).
    Returns {"recovered", "duplicated", "dead", "unmatched", "blended": [count per d]}.
    """
    keys = ("recovered_count", "duplicated", "dead", "unmatched", "blended")
    out = {k: [] for k in keys}
    for d in sizes:
        if (kind, int(d)) not in summaries:
            raise ValueError(f"summaries has no entry for ({kind!r}, {d})")
        s = summaries[(kind, int(d))]
        for k in keys:
            out[k].append(int(s[k][setting]))
    out["recovered"] = out.pop("recovered_count")
    return out


def merged_pairs(features, dictionary, pairs, fires, blend: float = 0.5) -> int:
    """How many feature pairs (i, j) share one alive latent: a dictionary atom within cosine
    ``blend`` of both W_i and W_j. features (m, n); dictionary (m, d); fires (d,)."""
    C = cosine_matrix(features, dictionary)
    alive = torch.as_tensor(fires) > 0
    return sum(int(((C[i] > blend) & (C[j] > blend) & alive).any()) for i, j in pairs)
