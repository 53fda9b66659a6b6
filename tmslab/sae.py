"""Sparse autoencoders (SAEs): find the toy model's features after the fact.

The paper's strategic picture (E11) names a second route to "solving
superposition": keep the model as it is and find an *overcomplete basis* of
its activations afterwards. A sparse autoencoder does this by dictionary
learning. For hidden activations h in R^m (here h = W x of a trained toy model)
and a dictionary of d atoms (the columns D_j of W_dec):

    z     = W_enc (h - b_dec) + b_enc              pre-activations, (d,)
    c     = act(z)                                 codes,           (d,)
    h_hat = W_dec c + b_dec                        reconstruction,  (m,)
    L     = ||h - h_hat||^2 + penalty(c)           per sample, averaged over a batch

W_enc is d x m, W_dec is m x d. The families (``SAEConfig.kind``; maths and the
readable PyTorch oracle in ``tmslab.sae_variants``):

    "l1"               act = ReLU, penalty lambda ||c||_1, decoder columns rescaled to unit
                       norm after every step (lesson 09; the default)
    "l1_decoder_norm"  act = ReLU, penalty lambda sum_j c_j ||D_j||, no rescaling
    "topk"             act = ReLU of the k largest z_j (Gao et al. 2024), no penalty;
                       optional AuxK loss against dead latents
    "jumprelu"         act = z H(z - theta) with a trained threshold per latent
                       (Rajamanoharan et al. 2024), penalty lambda ||c||_0

and ``prefixes`` turns any family into a Matryoshka SAE (Bussmann et al.
2025): nested prefixes of the dictionary, each reconstructing h on its own.

Everything is batched over an *instance* axis L, like ``tmslab.train`` batches
toy models: one call trains one SAE per coefficient (lambda, or k for TopK),
side by side, on the same batches and from the same initial weights. Shapes:

    activations h   (N, m)        one row per sample
    W_enc           (L, d, m)     b_enc (L, d)
    W_dec           (L, m, d)     b_dec (L, m)      theta (L, d) (JumpReLU)
    codes c         (N, L, d)     reconstructions h_hat (N, L, m)

Training, encoding and evaluation run in the compiled kernels of
``tmslab.sae_kernels`` (hand-derived gradients checked against autograd;
Adam). They are portable: the same bits on every x86-64 CPU, for any thread
count and whichever instances share a call; the initial dictionary and the
activations of ``toy_activations`` are computed the same way. ``forward``,
``sae_loss`` and ``gradients`` below are the plain-PyTorch L1 reference.

Recovery metrics live in ``tmslab.sae_metrics`` and are re-exported here.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch

from . import sae_kernels as kernels
from .sae_metrics import (cosine_matrix, dead_latents, l0, max_cosines, mmcs,
                          recovered_fraction)
from .validation import as_array, as_tensor, as_weights, check_choice, check_float, check_int, to_tensor

__all__ = ["FAMILIES", "SAE", "SAEConfig", "activations_of", "as_activations", "check_params", "concat",
           "cosine_matrix", "dead_latents", "forward", "gradients", "init_sae", "l0", "max_cosines", "mmcs",
           "recovered_fraction", "resample_dead", "sae_loss", "toy_activations", "train_sae"]

_EPS = 1e-8
MAX_ACTIVATION = 1e6   # |h| bound of as_activations: squared errors stay finite in float32
FAMILIES = tuple(kernels.KINDS)


def _int_tuple(name: str, values, low: int, high: int) -> tuple[int, ...]:
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
        values = (values,)
    try:
        values = tuple(values)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of integers, got {values!r}") from None
    if not values:
        raise ValueError(f"{name} must not be empty")
    return tuple(check_int(name, v, low, high) for v in values)


@dataclass(frozen=True)
class SAEConfig:
    """Hyperparameters shared by every SAE of one batched training call.

    n_latents: dictionary size d (>= 1). kind: the family, one of 'l1' (default),
    'l1_decoder_norm', 'topk', 'jumprelu' (see the module docstring).
    l1_coeffs: one lambda >= 0 per instance: the L1 coefficient ('l1',
    'l1_decoder_norm') or the L0 coefficient ('jumprelu'); default (0.01,); not
    used by 'topk'. ks: one k in [1, d] per instance ('topk' only). The number of
    instances L is len(ks) for 'topk', len(l1_coeffs) otherwise.
    steps, batch_size, lr: Adam(betas 0.9, 0.999) with a constant learning rate
    on batches drawn with replacement from the activations. seed: initial
    weights and batch order. log_every: steps per entry of ``SAE.loss_history``.
    threshold_init (>= 0) and bandwidth (eps > 0): JumpReLU's initial threshold
    and the width of its pseudo-gradient window. prefixes: Matryoshka prefix
    ends M_1 < ... < M_P = d (None: one prefix, a plain SAE). aux_k, aux_coeff,
    dead_steps: TopK's AuxK loss on latents silent for more than dead_steps
    steps (aux_k = 0: off). normalise_decoder: rescale decoder columns to unit
    norm after every step (None: True except for 'l1_decoder_norm').
    """

    n_latents: int = 40
    l1_coeffs: tuple[float, ...] | None = None
    steps: int = 2000
    batch_size: int = 512
    lr: float = 3e-3
    seed: int = 0
    log_every: int = 100
    kind: str = "l1"
    ks: tuple[int, ...] | None = None
    threshold_init: float = 0.1
    bandwidth: float = 0.05
    prefixes: tuple[int, ...] | None = None
    aux_k: int = 0
    aux_coeff: float = 1 / 32
    dead_steps: int = 200
    normalise_decoder: bool | None = None

    def __post_init__(self):
        check_int("n_latents", self.n_latents, 1, 100_000)
        check_choice("kind", self.kind, FAMILIES)
        d = self.n_latents
        if self.kind == "topk":
            if self.ks is None:
                raise ValueError("ks must list one k per instance for kind='topk', e.g. ks=(2, 4)")
            if self.l1_coeffs is not None:
                raise ValueError("l1_coeffs is not used by kind='topk' (the sparsity is set by ks); "
                                 "leave it None")
            ks = _int_tuple("ks", self.ks, 1, d)
            object.__setattr__(self, "ks", ks)
            object.__setattr__(self, "l1_coeffs", (0.0,) * len(ks))
        else:
            if self.ks is not None:
                raise ValueError(f"ks is only used by kind='topk', got kind={self.kind!r}")
            coeffs = as_array("l1_coeffs", (0.01,) if self.l1_coeffs is None else self.l1_coeffs, 0.0, 1e6)
            if coeffs.ndim != 1:
                raise ValueError(f"l1_coeffs must be a flat sequence of numbers >= 0, got shape {coeffs.shape}")
            object.__setattr__(self, "l1_coeffs", tuple(float(v) for v in coeffs))
        check_int("steps", self.steps, 0, 10_000_000)
        check_int("batch_size", self.batch_size, 1, 1_000_000)
        check_float("lr", self.lr, 0.0, 10.0, low_open=True)
        check_int("seed", self.seed, 0, 2**63 - 1)
        check_int("log_every", self.log_every, 1)
        check_float("threshold_init", self.threshold_init, 0.0, 1e6)
        check_float("bandwidth", self.bandwidth, 0.0, 1e6, low_open=True)
        if self.prefixes is not None:
            ends = _int_tuple("prefixes", self.prefixes, 1, d)
            if any(b <= a for a, b in zip(ends, ends[1:])) or ends[-1] != d:
                raise ValueError(f"prefixes must be increasing prefix ends ending at n_latents = {d}, "
                                 f"got {ends}")
            object.__setattr__(self, "prefixes", ends)
        check_int("aux_k", self.aux_k, 0, d)
        if self.aux_k and self.kind != "topk":
            raise ValueError(f"aux_k (the AuxK loss) is only used by kind='topk', got kind={self.kind!r}")
        check_float("aux_coeff", self.aux_coeff, 0.0, 1e6)
        check_int("dead_steps", self.dead_steps, 1)
        if self.normalise_decoder is not None and not isinstance(self.normalise_decoder, bool):
            raise ValueError(f"normalise_decoder must be True, False or None, got {self.normalise_decoder!r}")

    @property
    def n_instances(self) -> int:
        return len(self.l1_coeffs)

    @property
    def normalises(self) -> bool:
        """Whether decoder columns are rescaled to unit norm after every step."""
        if self.normalise_decoder is None:
            return self.kind != "l1_decoder_norm"
        return self.normalise_decoder


@dataclass
class SAE:
    """A batch of L trained sparse autoencoders of one family, all on the CPU.

    W_enc (L, d, m), b_enc (L, d), W_dec (L, m, d), b_dec (L, m),
    l1_coeffs (L,) (lambda; zeros for TopK), loss_history (T, L): mean training
    loss over each logging window ending at history_steps (T,). Family fields:
    kind; ks (L,) long (TopK's k, else None); theta (L, d) (JumpReLU thresholds,
    else None); prefixes (Matryoshka prefix ends, or None).
    """

    W_enc: torch.Tensor
    b_enc: torch.Tensor
    W_dec: torch.Tensor
    b_dec: torch.Tensor
    l1_coeffs: torch.Tensor
    loss_history: torch.Tensor = field(default_factory=lambda: torch.zeros(0, 0))
    history_steps: torch.Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))
    kind: str = "l1"
    ks: torch.Tensor | None = None
    theta: torch.Tensor | None = None
    prefixes: tuple[int, ...] | None = None

    @property
    def n_instances(self) -> int:
        return self.W_enc.shape[0]

    @property
    def n_latents(self) -> int:
        return self.W_enc.shape[1]

    @property
    def n_hidden(self) -> int:
        return self.W_enc.shape[2]

    def encode(self, h) -> torch.Tensor:
        """Codes c (B, L, d) of activations h (B, m)."""
        return _apply(self, as_activations(h, self.n_hidden), codes=True)["codes"]

    def reconstruct(self, h) -> torch.Tensor:
        """h_hat (B, L, m) for activations h (B, m), with the whole dictionary."""
        return _apply(self, as_activations(h, self.n_hidden), recon=True)["recon"]

    def evaluate(self, h) -> dict[str, torch.Tensor]:
        """Per-instance numbers on activations h (N, m), each (L,) float (n_dead: long).

        mse: mean ||h - h_hat||^2; fvu: mse / mean ||h - mean(h)||^2 (fraction of
        variance unexplained); l0: mean number of active latents per sample;
        l1: mean ||c||_1; n_dead: latents never active on these N samples;
        fires (L, d) long: on how many samples each latent is active. Matryoshka
        SAEs add mse_prefixes (L, P): the mse of each prefix on its own.
        """
        h = as_activations(h, self.n_hidden)
        out = _apply(self, h)
        N = h.shape[0]
        mean, var = np.zeros(h.shape[1]), np.zeros(1)
        kernels.column_stats(h.numpy(), mean, var)
        sse = out["sse"]
        mse = torch.from_numpy(sse[:, -1] / N).float()
        stats = {"mse": mse, "fvu": torch.from_numpy(sse[:, -1] / N / max(var[0], _EPS)).float(),
                 "l0": torch.from_numpy(out["l0"] / N).float(), "l1": torch.from_numpy(out["l1"] / N).float(),
                 "n_dead": torch.from_numpy((out["fires"] == 0).sum(1)).long(),
                 "fires": torch.from_numpy(out["fires"])}
        if self.prefixes is not None:
            stats["mse_prefixes"] = torch.from_numpy(sse / N).float()
        return stats

    def select(self, index) -> "SAE":
        """The SAEs at the given instance indices (int, list, slice or bool mask)."""
        idx = torch.arange(self.n_instances)[index].reshape(-1)
        hist = self.loss_history[:, idx] if self.loss_history.numel() else self.loss_history
        return replace(self, W_enc=self.W_enc[idx], b_enc=self.b_enc[idx], W_dec=self.W_dec[idx],
                       b_dec=self.b_dec[idx], l1_coeffs=self.l1_coeffs[idx], loss_history=hist,
                       ks=None if self.ks is None else self.ks[idx],
                       theta=None if self.theta is None else self.theta[idx])

    def __repr__(self) -> str:
        extra = "" if self.kind == "l1" else f", kind={self.kind!r}"
        if self.prefixes is not None:
            extra += f", prefixes={self.prefixes}"
        return (f"SAE(instances={self.n_instances}, n_latents={self.n_latents}, "
                f"n_hidden={self.n_hidden}{extra})")


def concat(saes) -> SAE:
    """One SAE batch holding the instances of several (same family, d and m), in order.

    Useful to train two arms of an experiment side by side in one call.
    """
    saes = list(saes)
    if not saes or not all(isinstance(s, SAE) for s in saes):
        raise ValueError("saes must be a non-empty sequence of SAE objects")
    shapes = {(s.n_latents, s.n_hidden) for s in saes}
    if len(shapes) != 1:
        raise ValueError(f"saes must share n_latents and n_hidden, got (d, m) pairs {sorted(shapes)}")
    families = {(s.kind, s.prefixes) for s in saes}
    if len(families) != 1:
        raise ValueError(f"saes must share kind and prefixes, got {sorted(map(str, families))}")
    cat = lambda name: torch.cat([getattr(s, name) for s in saes])
    opt = lambda name: None if getattr(saes[0], name) is None else cat(name)
    return SAE(W_enc=cat("W_enc"), b_enc=cat("b_enc"), W_dec=cat("W_dec"), b_dec=cat("b_dec"),
               l1_coeffs=cat("l1_coeffs"), kind=saes[0].kind, ks=opt("ks"), theta=opt("theta"),
               prefixes=saes[0].prefixes)


def as_activations(h, n_hidden: int | None = None) -> torch.Tensor:
    """Validate activations: a finite float32 tensor of shape (N, m), N >= 1, m >= 1.

    With ``n_hidden`` given, m must equal it. Raises ValueError naming ``activations``.
    """
    h = to_tensor("activations", h, "(samples, m)")
    if h.dim() != 2 or h.shape[0] < 1 or h.shape[1] < 1:
        raise ValueError(f"activations must have shape (samples, m) with samples >= 1 and m >= 1, "
                         f"got shape {tuple(h.shape)}")
    if n_hidden is not None and h.shape[1] != n_hidden:
        raise ValueError(f"activations must have m = {n_hidden} columns, got shape {tuple(h.shape)}")
    h = h.detach().float()
    if not torch.isfinite(h).all():
        raise ValueError("activations must not contain NaN or infinity")
    if h.abs().max() > MAX_ACTIVATION:
        raise ValueError(f"activations must lie in [-{MAX_ACTIVATION:g}, {MAX_ACTIVATION:g}] (squared errors "
                         f"must stay finite in float32), got a largest |h| of {float(h.abs().max()):.3g}; "
                         f"rescale them")
    return h


def _check_finite(sae: "SAE", what: str, hint: str = "") -> "SAE":
    """Raise ValueError if any weight (or JumpReLU threshold) of ``sae`` is NaN or infinite."""
    bad = [name for name in ("W_enc", "b_enc", "W_dec", "b_dec", "theta")
           if getattr(sae, name, None) is not None and not torch.isfinite(getattr(sae, name)).all()]
    if bad:
        raise ValueError(f"{what}: {', '.join(bad)} contain NaN or infinity{hint}")
    return sae


def _check_trained(sae: "SAE", config) -> "SAE":
    """The end of ``train_sae``: a finite result, or a ValueError naming the settings that diverged."""
    if torch.isfinite(sae.loss_history).all():
        _check_finite(sae, "SAE training diverged", f" (lr={config.lr:g}, l1_coeffs={config.l1_coeffs}; "
                      f"try a smaller lr)")
        return sae
    bad = sorted(set(torch.nonzero(~torch.isfinite(sae.loss_history))[:, 1].tolist()))
    raise ValueError(f"SAE training diverged: the loss of instance(s) {bad} became NaN or infinite "
                     f"(lr={config.lr:g}, l1_coeffs={config.l1_coeffs}); try a smaller lr")


def toy_activations(W, sparsity, n_samples: int, seed: int = 0, groups=None, hidden_relu: bool = False):
    """Hidden activations h = W x of a toy model on fresh data.

    W: (m, n), the toy model's weights. sparsity: S in [0, 1] (a number or (n,)).
    groups: a ``tmslab.FeatureGroups`` (correlated / anti-correlated features), or None.
    hidden_relu: the ReLU-hidden model's activations h = ReLU(W x) instead.
    Returns (h (N, m), x (N, n)): every row of h is a sparse non-negative
    combination of the columns W_i, sum_i x_i W_i (summed in feature order in
    float64, so the same bits on every CPU), or its ReLU.
    """
    from .data import FeatureGroups, sample_features
    if groups is not None and not isinstance(groups, FeatureGroups):
        raise ValueError(f"groups must be a FeatureGroups or None, got {type(groups).__name__}")
    if not isinstance(hidden_relu, bool):
        raise ValueError(f"hidden_relu must be True or False, got {hidden_relu!r}")
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    n_samples = check_int("n_samples", n_samples, 1, 10_000_000)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    s = as_array("sparsity", sparsity, 0.0, 1.0)
    if s.ndim == 0:
        s = np.full(W.shape[1], float(s))
    if s.shape != (W.shape[1],):
        raise ValueError(f"sparsity must be a number or have shape ({W.shape[1]},), got {s.shape}")
    if groups is not None and groups.n_features != W.shape[1]:
        raise ValueError(f"groups must cover the n = {W.shape[1]} features of W, got {groups.n_features}")
    gen = torch.Generator().manual_seed(seed)
    x = sample_features(n_samples, s, groups=groups, generator=gen)
    h = activations_of(W, x)
    return (torch.relu(h) if hidden_relu else h), x


def activations_of(W, x) -> torch.Tensor:
    """h = W x for every row of x (N, n) and W (m, n): (N, m) float32, portable (float64 sums in order)."""
    W = as_weights("W", W)
    if W.dim() != 2:
        raise ValueError(f"W must be a single (m, n) matrix, got shape {tuple(W.shape)}")
    x = to_tensor("x", x, "(samples, n)")
    if x.dim() != 2 or x.shape[1] != W.shape[1]:
        raise ValueError(f"x must have shape (samples, {W.shape[1]}), got {tuple(x.shape)}")
    x = np.ascontiguousarray(x.detach().float().numpy())
    out = np.empty((x.shape[0], W.shape[0]), np.float32)
    kernels.matvec_rows(x, np.ascontiguousarray(W.detach().float().numpy()), out)
    return torch.from_numpy(out)


def check_params(W_enc, b_enc, W_dec, b_dec) -> tuple[int, int, int]:
    """Check the four SAE parameters agree: W_enc (L, d, m), b_enc (L, d), W_dec (L, m, d),
    b_dec (L, m), all float tensors. Returns (L, d, m); raises ValueError naming the culprit."""
    for name, t, dims in (("W_enc", W_enc, 3), ("b_enc", b_enc, 2), ("W_dec", W_dec, 3), ("b_dec", b_dec, 2)):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point() or t.dim() != dims:
            shape = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name} must be a float tensor with {dims} dimensions, got {shape}")
    L, d, m = W_enc.shape
    expected = {"b_enc": (L, d), "W_dec": (L, m, d), "b_dec": (L, m)}
    for name, t in (("b_enc", b_enc), ("W_dec", W_dec), ("b_dec", b_dec)):
        if tuple(t.shape) != expected[name]:
            raise ValueError(f"{name} must have shape {expected[name]} to match W_enc {tuple(W_enc.shape)}, "
                             f"got {tuple(t.shape)}")
    return L, d, m


def forward(h, W_enc: torch.Tensor, b_enc: torch.Tensor, W_dec: torch.Tensor, b_dec: torch.Tensor):
    """Codes and reconstructions of a batch of L1 (ReLU) SAEs, in plain PyTorch (the reference).

    h (B, m); W_enc (L, d, m); b_enc (L, d); W_dec (L, m, d); b_dec (L, m).
    c = ReLU(W_enc (h - b_dec) + b_enc) (B, L, d); h_hat = W_dec c + b_dec (B, L, m).
    """
    _, _, m = check_params(W_enc, b_enc, W_dec, b_dec)
    return _forward(as_activations(h, m), W_enc, b_enc, W_dec, b_dec)


def _forward(h, W_enc, b_enc, W_dec, b_dec):
    centred = h[:, None, :] - b_dec                                    # (B, L, m)
    c = torch.relu(torch.einsum("ldm,blm->bld", W_enc, centred) + b_enc)
    h_hat = torch.einsum("lmd,bld->blm", W_dec, c) + b_dec
    return c, h_hat


def sae_loss(h: torch.Tensor, h_hat: torch.Tensor, c: torch.Tensor, l1_coeffs) -> dict:
    """Per-instance loss terms, each (L,): mean over the batch of

    mse = ||h - h_hat||^2 (summed over the m hidden dimensions),
    l1 = ||c||_1 (summed over the d latents), total = mse + lambda * l1.
    h (B, m); h_hat (B, L, m); c (B, L, d); l1_coeffs (L,).
    """
    h = as_activations(h)
    if h_hat.dim() != 3 or h_hat.shape[0] != h.shape[0] or h_hat.shape[2] != h.shape[1]:
        raise ValueError(f"h_hat must have shape (B, L, m) = ({h.shape[0]}, L, {h.shape[1]}), "
                         f"got {tuple(h_hat.shape)}")
    if c.dim() != 3 or c.shape[:2] != h_hat.shape[:2]:
        raise ValueError(f"c must have shape (B, L, d) with (B, L) = {tuple(h_hat.shape[:2])}, "
                         f"got {tuple(c.shape)}")
    lam = as_tensor("l1_coeffs", l1_coeffs, 0.0, np.inf, dtype=c.dtype).reshape(-1)
    if lam.shape[0] not in (1, c.shape[1]):
        raise ValueError(f"l1_coeffs must hold 1 or L = {c.shape[1]} values, got {lam.shape[0]}")
    mse = ((h[:, None, :] - h_hat) ** 2).sum(-1).mean(0)
    l1 = c.abs().sum(-1).mean(0)
    return {"mse": mse, "l1": l1, "total": mse + lam * l1}


def gradients(h: torch.Tensor, params: dict, l1_coeffs: torch.Tensor):
    """Hand-written gradients of sum_L total loss with respect to the four parameters (L1 SAEs, PyTorch).

    With e = h_hat - h, z = W_enc (h - b_dec) + b_enc and B samples:
      dL/dh_hat = 2 e / B,  dL/dW_dec = (dL/dh_hat) c^T,
      dL/dc = W_dec^T dL/dh_hat + lambda / B,  dL/dz = dL/dc * [z > 0],
      dL/dW_enc = (dL/dz) (h - b_dec)^T,  dL/db_enc = sum_b dL/dz,
      dL/db_dec = sum_b dL/dh_hat - W_enc^T dL/db_enc.
    h (B, m); params W_enc (L, d, m), b_enc (L, d), W_dec (L, m, d), b_dec (L, m);
    l1_coeffs (L,). Returns (grads dict with the parameters' shapes, total loss (L,)).
    Internally samples sit on axis 1 ((L, B, .) layout) so every product is one bmm.
    The compiled trainer computes the same gradients (``tmslab.sae_kernels``).
    """
    if not isinstance(params, dict) or set(params) != {"W_enc", "b_enc", "W_dec", "b_dec"}:
        raise ValueError("params must be a dict with keys 'W_enc', 'b_enc', 'W_dec', 'b_dec'")
    L, _, m = check_params(params["W_enc"], params["b_enc"], params["W_dec"], params["b_dec"])
    lam = as_tensor("l1_coeffs", l1_coeffs, 0.0, np.inf, dtype=torch.float32).reshape(-1)
    if lam.shape != (L,):
        raise ValueError(f"l1_coeffs must hold L = {L} values, got {lam.shape[0]}")
    return _gradients(as_activations(h, m), params, lam)


def _gradients(h, params, l1_coeffs):
    W_enc, b_enc, W_dec, b_dec = params["W_enc"], params["b_enc"], params["W_dec"], params["b_dec"]
    B = h.shape[0]
    centred = h[None] - b_dec[:, None, :]                                   # (L, B, m)
    c = torch.relu(torch.baddbmm(b_enc[:, None, :], centred, W_enc.transpose(1, 2)))  # (L, B, d)
    err = torch.baddbmm(b_dec[:, None, :], c, W_dec.transpose(1, 2)).sub_(h)  # (L, B, m)
    total = (err.square().sum((1, 2)) + l1_coeffs * c.sum((1, 2))) / B
    g_hat = err.mul_(2.0 / B)
    g_z = torch.bmm(g_hat, W_dec).add_(l1_coeffs[:, None, None] / B).mul_(c > 0)  # (L, B, d)
    gb_enc = g_z.sum(1)
    grads = {"W_enc": torch.bmm(g_z.transpose(1, 2), centred),
             "b_enc": gb_enc,
             "W_dec": torch.bmm(g_hat.transpose(1, 2), c),
             "b_dec": g_hat.sum(1) - torch.bmm(gb_enc[:, None, :], W_enc)[:, 0]}
    return grads, total


def _gaussian(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Approximately standard normal numbers, float64: sum of 12 uniforms minus 6 (Irwin-Hall).

    Only exactly rounded additions of PCG64 uniforms, so every CPU gets the same
    bits (library normal samplers use log/exp, whose last bits vary by CPU).
    """
    u = rng.random((12,) + tuple(shape))
    total = u[0].copy()
    for t in range(1, 12):
        total += u[t]
    return total - 6.0


def _column_norms(A: np.ndarray) -> np.ndarray:
    """sqrt(sum_k A[..., k, j]^2) over axis -2, summed in order (float64)."""
    total = np.zeros(A.shape[:-2] + A.shape[-1:], np.float64)
    for k in range(A.shape[-2]):
        col = A[..., k, :].astype(np.float64)
        total += col * col
    return np.sqrt(total)


def init_sae(activations, n_latents: int, n_instances: int, seed: int = 0) -> SAE:
    """Initial weights, identical for every instance (an 'l1' SAE; ``train_sae`` sets the family).

    W_dec: random unit columns (directions of approximately Gaussian vectors);
    W_enc = W_dec^T (tied start); b_enc = 0; b_dec = the mean activation;
    l1_coeffs = 0. activations (N, m). Portable: the same bits on every CPU.
    """
    h = as_activations(activations)
    d = check_int("n_latents", n_latents, 1, 100_000)
    L = check_int("n_instances", n_instances, 1, 100_000)
    rng = np.random.default_rng(check_int("seed", seed, 0, 2**63 - 1))
    m = h.shape[1]
    G = _gaussian(rng, (m, d))
    W_dec = torch.from_numpy((G / np.maximum(_column_norms(G), _EPS)).astype(np.float32))
    mean, var = np.zeros(m), np.zeros(1)
    kernels.column_stats(h.numpy(), mean, var)
    return SAE(W_enc=W_dec.T.contiguous().expand(L, d, -1).clone(),
               b_enc=torch.zeros(L, d),
               W_dec=W_dec.expand(L, -1, d).clone(),
               b_dec=torch.from_numpy(mean.astype(np.float32)).expand(L, -1).clone(),
               l1_coeffs=torch.zeros(L))


def _pack(sae: SAE) -> np.ndarray:
    """The flat parameter rows (L, size) float32 of ``tmslab.sae_kernels`` (see ``sae_kernels.layout``)."""
    L, d, m = sae.n_instances, sae.n_latents, sae.n_hidden
    theta = sae.theta if sae.theta is not None else torch.zeros(L, d)
    parts = [sae.W_enc.reshape(L, d * m), sae.b_enc, sae.W_dec.transpose(1, 2).reshape(L, d * m),
             sae.b_dec, theta]
    return np.ascontiguousarray(torch.cat([p.detach().float() for p in parts], dim=1).numpy())


def _unpack(P: np.ndarray, d: int, m: int) -> dict[str, torch.Tensor]:
    spans = kernels.layout(d, m)
    L = P.shape[0]
    get = lambda name: torch.from_numpy(P[:, spans[name][0]:spans[name][1]].copy()).reshape(
        (L,) + spans[name][2])
    return {"W_enc": get("W_enc"), "b_enc": get("b_enc"), "W_dec": get("W_decT").transpose(1, 2).contiguous(),
            "b_dec": get("b_dec"), "theta": get("theta")}


def _family_args(sae: SAE):
    L, d = sae.n_instances, sae.n_latents
    ks = np.zeros(L, np.int64) if sae.ks is None else sae.ks.numpy().astype(np.int64)
    ends = np.array(sae.prefixes if sae.prefixes is not None else (d,), np.int64)
    return kernels.KINDS[sae.kind], ks, ends


def _apply(sae: SAE, h: torch.Tensor, codes: bool = False, recon: bool = False) -> dict:
    """Run the compiled forward pass of every instance on h (N, m); see ``sae_kernels.apply``."""
    L, d, m = sae.n_instances, sae.n_latents, sae.n_hidden
    kind, ks, ends = _family_args(sae)
    N = h.shape[0]
    c_out = np.zeros((N, L, d) if codes else (1, 1, 1), np.float32)
    r_out = np.zeros((N, L, m) if recon else (1, 1, 1), np.float32)
    sample_sse = np.zeros((N, L), np.float64)
    sse = np.zeros((L, len(ends)), np.float64)
    l0_sum, l1_sum = np.zeros(L), np.zeros(L)
    fires = np.zeros((L, d), np.int64)
    kernels.apply(np.ascontiguousarray(h.numpy()), _pack(sae), d, m, kind, ks, ends, codes, c_out, recon,
                  r_out, sample_sse, sse, l0_sum, l1_sum, fires)
    return {"codes": torch.from_numpy(c_out) if codes else None,
            "recon": torch.from_numpy(r_out) if recon else None,
            "sample_sse": sample_sse, "sse": sse, "l0": l0_sum, "l1": l1_sum, "fires": fires}


def train_sae(activations, config: SAEConfig, init: SAE | None = None) -> SAE:
    """Train ``config.n_instances`` SAEs of family ``config.kind`` side by side.

    activations: (N, m) samples; each step draws ``batch_size`` rows with
    replacement (the same rows for every instance, from a counter-based hash of
    (seed, step)). init: an SAE to continue from (its weights and, for JumpReLU,
    thresholds are copied; Adam starts afresh), or None for
    ``init_sae(activations, d, L, seed)`` (thresholds ``config.threshold_init``).
    Unless ``config.normalises`` is False, decoder columns are rescaled to unit
    norm before the first and after every Adam step. The result depends only on
    (activations, config, init): not on the CPU, the thread count or the other
    instances of the call.
    """
    if not isinstance(config, SAEConfig):
        raise ValueError(f"config must be an SAEConfig, got {type(config).__name__}")
    h = as_activations(activations)
    L, d, m = config.n_instances, config.n_latents, h.shape[1]
    if init is None:
        init = init_sae(h, d, L, config.seed)
    elif not isinstance(init, SAE):
        raise ValueError(f"init must be an SAE or None, got {type(init).__name__}")
    elif (init.n_instances, init.n_latents, init.n_hidden) != (L, d, m):
        raise ValueError(f"init must have {L} instances, {d} latents and m = {m}; "
                         f"got {init.n_instances}, {init.n_latents} and {init.n_hidden}")
    else:
        _check_finite(init, "init must hold finite weights")
    theta = init.theta if (config.kind == "jumprelu" and init.theta is not None) else \
        torch.full((L, d), float(config.threshold_init))
    ks = torch.tensor(config.ks, dtype=torch.long) if config.kind == "topk" else None
    lam = torch.tensor(config.l1_coeffs, dtype=torch.float32)
    start = replace(init, l1_coeffs=lam, kind=config.kind, ks=ks, theta=theta, prefixes=config.prefixes)
    P = _pack(start)
    spans = kernels.layout(d, m)
    if config.normalises:
        a, b, _ = spans["W_decT"]
        for inst in range(L):
            kernels.renormalise(P[inst, a:b].reshape(d, m))
    kind, ks_np, ends = _family_args(start)
    T = -(-config.steps // config.log_every)
    history, counts = np.zeros((T, L), np.float64), np.zeros(T, np.int64)
    kernels.train(np.ascontiguousarray(h.numpy()), P, d, m, kind, lam.numpy(), ks_np, ends,
                  float(config.bandwidth), int(config.aux_k), float(config.aux_coeff), int(config.dead_steps),
                  bool(config.normalises), int(config.steps), int(config.batch_size), float(config.lr),
                  int(config.seed), int(config.log_every), history, counts)
    params = _unpack(P, d, m)
    steps = np.minimum(np.arange(1, T + 1) * config.log_every, config.steps)
    return _check_trained(SAE(
        W_enc=params["W_enc"], b_enc=params["b_enc"], W_dec=params["W_dec"], b_dec=params["b_dec"],
        l1_coeffs=lam, loss_history=torch.from_numpy(history / np.maximum(counts, 1)[:, None]).float(),
        history_steps=torch.from_numpy(steps.astype(np.int64)), kind=config.kind, ks=ks,
        theta=params["theta"] if config.kind == "jumprelu" else None, prefixes=config.prefixes), config)


def resample_dead(sae: SAE, activations, seed: int = 0, encoder_scale: float = 0.2):
    """Re-initialise dead latents towards badly reconstructed inputs (Bricken et al. 2023, simplified).

    A latent is dead if it is never active on ``activations`` (N, m). For each
    instance, every dead latent j gets a sample h drawn with probability
    proportional to its squared reconstruction loss ||h - h_hat||^4 (so the
    worst-explained inputs are likeliest), and
        W_dec[:, j] = u,  W_enc[j, :] = encoder_scale * mean_alive ||W_enc[k, :]|| * u,  b_enc[j] = 0,
    with u = (h - b_dec) / ||h - b_dec||. Alive latents are untouched.
    Returns (new SAE, n_dead (L,) long: how many latents were re-initialised).
    """
    if not isinstance(sae, SAE):
        raise ValueError(f"sae must be an SAE, got {type(sae).__name__}")
    h = as_activations(activations, sae.n_hidden)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    encoder_scale = check_float("encoder_scale", encoder_scale, 0.0, 100.0, low_open=True)
    out = _apply(sae, h)
    dead = torch.from_numpy(out["fires"] == 0)                           # (L, d)
    rng = np.random.default_rng(seed)
    W_enc, b_enc, W_dec = sae.W_enc.clone(), sae.b_enc.clone(), sae.W_dec.clone()
    hn = h.numpy().astype(np.float64)
    for inst in range(sae.n_instances):
        idx = torch.nonzero(dead[inst]).flatten()
        if len(idx) == 0:
            continue
        weights = out["sample_sse"][:, inst] ** 2
        if not weights.sum() > 0:
            weights = np.ones_like(weights)
        cum = np.cumsum(weights)
        picks = np.minimum(np.searchsorted(cum, rng.random(len(idx)) * cum[-1], side="right"), len(cum) - 1)
        u = hn[picks] - sae.b_dec[inst].double().numpy()                 # (k, m)
        u = u / np.maximum(_column_norms(u.T[None])[0], _EPS)[:, None]
        alive = ~dead[inst]
        scale = float(_column_norms(W_enc[inst, alive].T[None].numpy())[0].mean()) if alive.any() else 1.0
        u32 = torch.from_numpy(u.astype(np.float32))
        W_dec[inst][:, idx] = u32.T
        W_enc[inst][idx] = torch.from_numpy((encoder_scale * scale * u).astype(np.float32))
        b_enc[inst][idx] = 0.0
    new = replace(sae, W_enc=W_enc, b_enc=b_enc, W_dec=W_dec)
    return new, dead.sum(-1)
