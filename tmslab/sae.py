"""Sparse autoencoders (SAEs): find the toy model's features after the fact.

The paper's strategic picture (E11) names a second route to "solving
superposition": keep the model as it is and find an *overcomplete basis* of
its activations afterwards. A sparse autoencoder does this by dictionary
learning. For hidden activations h in R^m (here h = W x of a trained toy model)
and a dictionary of d unit vectors (the columns of W_dec; d >= n leaves room
for every feature):

    c     = ReLU(W_enc (h - b_dec) + b_enc)        codes,         (d,)
    h_hat = W_dec c + b_dec                        reconstruction, (m,)
    L     = ||h - h_hat||^2 + lambda ||c||_1       per sample, averaged over a batch

W_enc is d x m, W_dec is m x d with unit-norm columns (renormalised after every
step, so the L1 penalty cannot be dodged by shrinking c and growing W_dec).

Everything is batched over an *instance* axis L, like ``tmslab.train`` batches
toy models: one call trains one SAE per L1 coefficient, side by side, on the
same batches and from the same initial weights. Shapes:

    activations h   (N, m)        one row per sample
    W_enc           (L, d, m)     b_enc (L, d)
    W_dec           (L, m, d)     b_dec (L, m)
    codes c         (B, L, d)     reconstructions h_hat (B, L, m)

Gradients are written out by hand (checked against autograd in the tests) and
the optimiser is a batched Adam: a sweep of 8 SAEs with d = 40, m = 16 and
256 samples per step ran at a few hundred steps per second on one thread of a
shared 2-core machine. With 1 torch thread and a
fixed seed, results are bit-identical from run to run.

Recovery metrics live in ``tmslab.sae_metrics`` and are re-exported here.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch

from .sae_metrics import (cosine_matrix, dead_latents, l0, max_cosines, mmcs,
                          recovered_fraction)
from .validation import as_array, as_tensor, as_weights, check_float, check_int, to_tensor

__all__ = ["SAE", "SAEConfig", "as_activations", "check_params", "concat", "cosine_matrix", "dead_latents", "forward",
           "gradients", "init_sae", "l0", "max_cosines", "mmcs", "recovered_fraction", "resample_dead",
           "sae_loss", "toy_activations", "train_sae"]

_EPS = 1e-8


@dataclass(frozen=True)
class SAEConfig:
    """Hyperparameters shared by every SAE of one batched training call.

    n_latents: dictionary size d (>= 1). l1_coeffs: one lambda >= 0 per
    instance (L of them). steps, batch_size, lr: Adam(betas 0.9, 0.999) with
    a constant learning rate on batches drawn with replacement from the
    activations. seed: initial weights and batch order. log_every: steps per
    entry of ``SAE.loss_history``.
    """

    n_latents: int = 40
    l1_coeffs: tuple[float, ...] = (0.01,)
    steps: int = 2000
    batch_size: int = 512
    lr: float = 3e-3
    seed: int = 0
    log_every: int = 100

    def __post_init__(self):
        check_int("n_latents", self.n_latents, 1, 100_000)
        coeffs = as_array("l1_coeffs", self.l1_coeffs, 0.0, 1e6)
        if coeffs.ndim != 1:
            raise ValueError(f"l1_coeffs must be a flat sequence of numbers >= 0, got shape {coeffs.shape}")
        object.__setattr__(self, "l1_coeffs", tuple(float(v) for v in coeffs))
        check_int("steps", self.steps, 0, 10_000_000)
        check_int("batch_size", self.batch_size, 1, 1_000_000)
        check_float("lr", self.lr, 0.0, 10.0, low_open=True)
        check_int("seed", self.seed, 0, 2**63 - 1)
        check_int("log_every", self.log_every, 1)

    @property
    def n_instances(self) -> int:
        return len(self.l1_coeffs)


@dataclass
class SAE:
    """A batch of L trained sparse autoencoders (one per L1 coefficient), all on the CPU.

    W_enc (L, d, m), b_enc (L, d), W_dec (L, m, d) with unit columns, b_dec (L, m),
    l1_coeffs (L,), loss_history (T, L): mean training loss over each logging
    window ending at history_steps (T,).
    """

    W_enc: torch.Tensor
    b_enc: torch.Tensor
    W_dec: torch.Tensor
    b_dec: torch.Tensor
    l1_coeffs: torch.Tensor
    loss_history: torch.Tensor = field(default_factory=lambda: torch.zeros(0, 0))
    history_steps: torch.Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))

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
        return forward(h, self.W_enc, self.b_enc,
                       self.W_dec, self.b_dec)[0]

    def reconstruct(self, h) -> torch.Tensor:
        """h_hat (B, L, m) for activations h (B, m)."""
        return forward(h, self.W_enc, self.b_enc,
                       self.W_dec, self.b_dec)[1]

    def evaluate(self, h) -> dict[str, torch.Tensor]:
        """Per-instance numbers on activations h (N, m), each (L,) float (n_dead: long).

        mse: mean ||h - h_hat||^2; fvu: mse / mean ||h - mean(h)||^2 (fraction of
        variance unexplained); l0: mean number of active latents per sample;
        l1: mean ||c||_1; n_dead: latents never active on these N samples.
        """
        h = as_activations(h, self.n_hidden)
        c, h_hat = _forward(h, self.W_enc, self.b_enc, self.W_dec, self.b_dec)
        mse = ((h_hat - h[:, None, :]) ** 2).sum(-1).mean(0)
        variance = ((h - h.mean(0)) ** 2).sum(-1).mean().clamp_min(_EPS)
        return {"mse": mse, "fvu": mse / variance, "l0": l0(c), "l1": c.sum(-1).mean(0),
                "n_dead": dead_latents(c).sum(-1)}

    def select(self, index) -> "SAE":
        """The SAEs at the given instance indices (int, list, slice or bool mask)."""
        idx = torch.arange(self.n_instances)[index].reshape(-1)
        hist = self.loss_history[:, idx] if self.loss_history.numel() else self.loss_history
        return replace(self, W_enc=self.W_enc[idx], b_enc=self.b_enc[idx], W_dec=self.W_dec[idx],
                       b_dec=self.b_dec[idx], l1_coeffs=self.l1_coeffs[idx], loss_history=hist)

    def __repr__(self) -> str:
        return (f"SAE(instances={self.n_instances}, n_latents={self.n_latents}, "
                f"n_hidden={self.n_hidden})")


def concat(saes) -> SAE:
    """One SAE batch holding the instances of several (same d and m), in order.

    Useful to train two arms of an experiment side by side in one call.
    """
    saes = list(saes)
    if not saes or not all(isinstance(s, SAE) for s in saes):
        raise ValueError("saes must be a non-empty sequence of SAE objects")
    shapes = {(s.n_latents, s.n_hidden) for s in saes}
    if len(shapes) != 1:
        raise ValueError(f"saes must share n_latents and n_hidden, got (d, m) pairs {sorted(shapes)}")
    cat = lambda name: torch.cat([getattr(s, name) for s in saes])
    return SAE(W_enc=cat("W_enc"), b_enc=cat("b_enc"), W_dec=cat("W_dec"), b_dec=cat("b_dec"),
               l1_coeffs=cat("l1_coeffs"))


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
    return h


def toy_activations(W, sparsity, n_samples: int, seed: int = 0):
    """Hidden activations h = W x of a toy model on fresh data.

    W: (m, n), the toy model's weights. sparsity: S in [0, 1] (a number or (n,)).
    Returns (h (N, m), x (N, n)): every row of h is a sparse non-negative
    combination of the columns W_i, sum_i x_i W_i.
    """
    from .data import sample_features
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
    gen = torch.Generator().manual_seed(seed)
    x = sample_features(n_samples, s, generator=gen)
    return x @ W.float().T, x


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
    """Codes and reconstructions of a batch of SAEs.

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
    """Hand-written gradients of sum_L total loss with respect to the four parameters.

    With e = h_hat - h, z = W_enc (h - b_dec) + b_enc and B samples:
      dL/dh_hat = 2 e / B,  dL/dW_dec = (dL/dh_hat) c^T,
      dL/dc = W_dec^T dL/dh_hat + lambda / B,  dL/dz = dL/dc * [z > 0],
      dL/dW_enc = (dL/dz) (h - b_dec)^T,  dL/db_enc = sum_b dL/dz,
      dL/db_dec = sum_b dL/dh_hat - W_enc^T dL/db_enc.
    h (B, m); params W_enc (L, d, m), b_enc (L, d), W_dec (L, m, d), b_dec (L, m);
    l1_coeffs (L,). Returns (grads dict with the parameters' shapes, total loss (L,)).
    Internally samples sit on axis 1 ((L, B, .) layout) so every product is one bmm.
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


def init_sae(activations, n_latents: int, n_instances: int, seed: int = 0) -> SAE:
    """Initial weights, identical for every instance.

    W_dec: Gaussian columns scaled to unit norm; W_enc = W_dec^T (tied start);
    b_enc = 0; b_dec = the mean activation; l1_coeffs = 0 (``train_sae`` sets them).
    activations (N, m).
    """
    h = as_activations(activations)
    d = check_int("n_latents", n_latents, 1, 100_000)
    L = check_int("n_instances", n_instances, 1, 100_000)
    gen = torch.Generator().manual_seed(check_int("seed", seed, 0, 2**63 - 1))
    W_dec = torch.randn(h.shape[1], d, generator=gen)
    W_dec = W_dec / W_dec.norm(dim=0, keepdim=True).clamp_min(_EPS)
    return SAE(W_enc=W_dec.T.contiguous().expand(L, d, -1).clone(),
               b_enc=torch.zeros(L, d),
               W_dec=W_dec.expand(L, -1, d).clone(),
               b_dec=h.mean(0).expand(L, -1).clone(),
               l1_coeffs=torch.zeros(L))


def _normalise_columns(W_dec: torch.Tensor) -> None:
    W_dec /= W_dec.norm(dim=-2, keepdim=True).clamp_min(_EPS)


def train_sae(activations, config: SAEConfig, init: SAE | None = None) -> SAE:
    """Train ``config.n_instances`` SAEs side by side, one per L1 coefficient.

    activations: (N, m) samples; each step draws ``batch_size`` rows with
    replacement (the same rows for every instance). init: an SAE to continue
    from (its weights are copied; Adam starts afresh), or None for
    ``init_sae(activations, d, L, seed)``. After each Adam step the decoder
    columns are rescaled to unit norm.
    """
    if not isinstance(config, SAEConfig):
        raise ValueError(f"config must be an SAEConfig, got {type(config).__name__}")
    h = as_activations(activations)
    L, d = config.n_instances, config.n_latents
    if init is None:
        init = init_sae(h, d, L, config.seed)
    elif not isinstance(init, SAE):
        raise ValueError(f"init must be an SAE or None, got {type(init).__name__}")
    elif (init.n_instances, init.n_latents, init.n_hidden) != (L, d, h.shape[1]):
        raise ValueError(f"init must have {L} instances, {d} latents and m = {h.shape[1]}; "
                         f"got {init.n_instances}, {init.n_latents} and {init.n_hidden}")
    names = ("W_enc", "b_enc", "W_dec", "b_dec")
    params = {k: getattr(init, k).detach().clone().float() for k in names}
    _normalise_columns(params["W_dec"])
    lam = torch.tensor(config.l1_coeffs, dtype=torch.float32)
    m1 = {k: torch.zeros_like(v) for k, v in params.items()}
    m2 = {k: torch.zeros_like(v) for k, v in params.items()}
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    gen = torch.Generator().manual_seed(config.seed + 1)
    log_steps, log_losses, window = [], [], torch.zeros(L)
    window_steps = 0
    for step in range(1, config.steps + 1):
        batch = h[torch.randint(h.shape[0], (config.batch_size,), generator=gen)]
        grads, total = _gradients(batch, params, lam)
        bias1, bias2 = 1 - beta1**step, 1 - beta2**step
        for k in names:
            m1[k].mul_(beta1).add_(grads[k], alpha=1 - beta1)
            m2[k].mul_(beta2).addcmul_(grads[k], grads[k], value=1 - beta2)
            denom = (m2[k] / bias2).sqrt_().add_(eps)
            params[k].addcdiv_(m1[k], denom, value=-config.lr / bias1)
        _normalise_columns(params["W_dec"])
        window += total
        window_steps += 1
        if step % config.log_every == 0 or step == config.steps:
            log_steps.append(step)
            log_losses.append(window / window_steps)
            window, window_steps = torch.zeros(L), 0
    history = torch.stack(log_losses) if log_losses else torch.zeros(0, L)
    return SAE(l1_coeffs=lam, loss_history=history,
               history_steps=torch.tensor(log_steps, dtype=torch.long), **params)


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
    c, h_hat = _forward(h, sae.W_enc, sae.b_enc, sae.W_dec, sae.b_dec)
    dead = dead_latents(c)                                              # (L, d)
    loss = ((h_hat - h[:, None, :]) ** 2).sum(-1)                       # (N, L)
    gen = torch.Generator().manual_seed(seed)
    W_enc, b_enc, W_dec = sae.W_enc.clone(), sae.b_enc.clone(), sae.W_dec.clone()
    for inst in range(sae.n_instances):
        idx = torch.nonzero(dead[inst]).flatten()
        if len(idx) == 0:
            continue
        weights = loss[:, inst] ** 2
        if float(weights.sum()) <= 0:
            weights = torch.ones_like(weights)
        picks = torch.multinomial(weights, len(idx), replacement=True, generator=gen)
        u = h[picks] - sae.b_dec[inst]                                  # (k, m)
        u = u / u.norm(dim=1, keepdim=True).clamp_min(_EPS)
        alive = ~dead[inst]
        scale = W_enc[inst, alive].norm(dim=1).mean() if alive.any() else torch.tensor(1.0)
        W_dec[inst][:, idx] = u.T
        W_enc[inst][idx] = encoder_scale * scale * u
        b_enc[inst][idx] = 0.0
    new = replace(sae, W_enc=W_enc, b_enc=b_enc, W_dec=W_dec)
    return new, dead.sum(-1)
