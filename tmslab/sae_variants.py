"""The SAE families in readable PyTorch: the oracle the compiled trainer is tested against.

One SAE, one batch, autograd for the gradients (micrograd style: read this
file to learn the maths, read ``tmslab.sae_kernels`` to see it made fast).
Shapes: h (B, m); W_enc (d, m); b_enc (d,); W_dec (m, d) with columns D_j
(the dictionary); b_dec (m,); theta (d,). Pre-activations

    z = W_enc (h - b_dec) + b_enc                                   (B, d)

and the families (``kind``):

* ``"l1"`` (lesson 09): c = ReLU(z); penalty lambda * sum_j c_j; decoder columns
  are rescaled to unit norm after every step.
* ``"l1_decoder_norm"`` (Anthropic's April 2024 recipe): c = ReLU(z); penalty
  lambda * sum_j c_j ||D_j||; no rescaling (the penalty itself makes shrinking
  c and growing D_j pointless).
* ``"topk"`` (Gao et al. 2024): keep the k largest z_j, ReLU, zero the rest; no
  penalty: the sparsity is set directly, L0 <= k. Optional AuxK loss against
  dead latents: reconstruct the residual h - h_hat from the aux_k largest
  pre-activations of dead latents, aux_coeff * ||(h - h_hat) - W_dec c_aux||^2,
  with the residual held constant.
* ``"jumprelu"`` (Rajamanoharan et al. 2024): c_j = z_j H(z_j - theta_j), a ReLU
  that jumps from 0 to theta_j; penalty lambda * ||c||_0. H has zero derivative
  almost everywhere, so theta is trained with straight-through
  *pseudo-gradients* through a rectangle kernel of width eps:
      dc_j/dtheta_j := -(theta_j / eps) K((z_j - theta_j) / eps),
      dH(z_j - theta_j)/dtheta_j := -(1 / eps) K((z_j - theta_j) / eps),
  K(u) = 1 for |u| < 1/2, else 0; and dc_j/dz_j := H(z_j - theta_j).

Matryoshka (Bussmann et al. 2025) wraps any family: with prefix ends
M_1 < ... < M_P = d, prefix p reconstructs alone, h_hat_p = W_dec[:, :M_p] c[:M_p] + b_dec,
and the reconstruction loss is the sum over prefixes.

Every loss is a batch mean of the per-sample sum over hidden dimensions.
"""
from __future__ import annotations

import torch

FAMILIES = ("l1", "l1_decoder_norm", "topk", "jumprelu")


def pre_activations(h: torch.Tensor, W_enc: torch.Tensor, b_enc: torch.Tensor,
                    b_dec: torch.Tensor) -> torch.Tensor:
    """z = W_enc (h - b_dec) + b_enc, (B, d)."""
    return (h - b_dec) @ W_enc.T + b_enc


def topk_relu(z: torch.Tensor, k: int) -> torch.Tensor:
    """TopK activation: ReLU of the k largest entries of each row of z (B, d), zeros elsewhere."""
    k = min(int(k), z.shape[-1])
    values, index = z.topk(k, dim=-1)
    return torch.zeros_like(z).scatter(-1, index, torch.relu(values))


def _window(z, theta, bandwidth):
    return ((z - theta).abs() < bandwidth / 2).to(z.dtype)


def jumprelu_pseudo_derivative(z: torch.Tensor, theta: torch.Tensor, bandwidth: float) -> torch.Tensor:
    """Element-wise straight-through dc/dtheta of c = z H(z - theta): -(theta / eps) K((z - theta) / eps).

    z (B, d), theta (d,), eps = bandwidth > 0; K(u) = 1 for |u| < 1/2, else 0. (B, d).
    """
    return -(theta / bandwidth) * _window(z, theta, bandwidth)


class JumpReLU(torch.autograd.Function):
    """c = z * H(z - theta); backward: dc/dz = H(z - theta), dc/dtheta = -(theta/eps) K((z - theta)/eps)."""

    @staticmethod
    def forward(ctx, z, theta, bandwidth):
        ctx.save_for_backward(z, theta)
        ctx.bandwidth = float(bandwidth)
        return z * (z > theta).to(z.dtype)

    @staticmethod
    def backward(ctx, grad):
        z, theta = ctx.saved_tensors
        eps = ctx.bandwidth
        grad_z = grad * (z > theta).to(z.dtype)
        grad_theta = (jumprelu_pseudo_derivative(z, theta, eps) * grad).sum(0)
        return grad_z, grad_theta, None


class Step(torch.autograd.Function):
    """H(z - theta); backward: 0 for z, -(1/eps) K((z - theta)/eps) for theta."""

    @staticmethod
    def forward(ctx, z, theta, bandwidth):
        ctx.save_for_backward(z, theta)
        ctx.bandwidth = float(bandwidth)
        return (z > theta).to(z.dtype)

    @staticmethod
    def backward(ctx, grad):
        z, theta = ctx.saved_tensors
        eps = ctx.bandwidth
        grad_theta = (-(1.0 / eps) * _window(z, theta, eps) * grad).sum(0)
        return torch.zeros_like(z), grad_theta, None


def encode(h, W_enc, b_enc, b_dec, kind: str = "l1", k: int | None = None, theta=None,
           bandwidth: float | None = None) -> torch.Tensor:
    """Codes c (B, d) of one SAE of family ``kind`` (see the module docstring)."""
    z = pre_activations(h, W_enc, b_enc, b_dec)
    if kind in ("l1", "l1_decoder_norm"):
        return torch.relu(z)
    if kind == "topk":
        return topk_relu(z, k)
    if kind == "jumprelu":
        return JumpReLU.apply(z, theta, bandwidth)
    raise ValueError(f"kind must be one of {', '.join(map(repr, FAMILIES))}; got {kind!r}")


def loss(h, W_enc, b_enc, W_dec, b_dec, kind: str = "l1", lam: float = 0.0, k: int | None = None,
         theta=None, bandwidth: float | None = None, prefixes=None, dead=None, aux_k: int = 0,
         aux_coeff: float = 0.0) -> dict[str, torch.Tensor]:
    """Loss terms of one SAE on one batch h (B, m), each a scalar batch mean.

    rec: sum over prefixes of ||h - h_hat_p||^2 (one prefix, d, unless ``prefixes``
    lists the ends M_1 < ... < M_P = d); penalty: lambda * sum_j c_j (l1),
    lambda * sum_j c_j ||D_j|| (l1_decoder_norm), lambda * #{c_j != 0} (jumprelu),
    0 (topk); aux: the AuxK loss on the latents marked in ``dead`` (d,) bool
    (topk only); total = rec + penalty + aux. Also returns c (B, d) and the
    full reconstruction h_hat (B, m).
    """
    d = W_enc.shape[0]
    ends = list(prefixes) if prefixes is not None else [d]
    c = encode(h, W_enc, b_enc, b_dec, kind, k, theta, bandwidth)
    rec = h.new_zeros(())
    for end in ends:
        h_hat = c[:, :end] @ W_dec[:, :end].T + b_dec
        rec = rec + ((h - h_hat) ** 2).sum(-1).mean()
    if kind == "l1":
        penalty = lam * c.sum(-1).mean()
    elif kind == "l1_decoder_norm":
        penalty = lam * (c * W_dec.norm(dim=0)).sum(-1).mean()
    elif kind == "jumprelu":
        z = pre_activations(h, W_enc, b_enc, b_dec)
        penalty = lam * Step.apply(z, theta, bandwidth).sum(-1).mean()
    else:
        penalty = h.new_zeros(())
    aux = h.new_zeros(())
    if kind == "topk" and aux_k > 0 and dead is not None and bool(torch.as_tensor(dead).any()):
        dead = torch.as_tensor(dead, dtype=torch.bool)
        z = pre_activations(h, W_enc, b_enc, b_dec)
        z_dead = z.masked_fill(~dead, float("-inf"))
        n_dead = int(dead.sum())
        c_aux = topk_relu(z_dead, min(aux_k, n_dead)).nan_to_num(0.0)
        residual = (h - h_hat).detach()
        aux = aux_coeff * ((residual - c_aux @ W_dec.T) ** 2).sum(-1).mean()
    return {"rec": rec, "penalty": penalty, "aux": aux, "total": rec + penalty + aux,
            "c": c, "h_hat": h_hat}
