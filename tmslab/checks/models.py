"""Checks for lesson 03: the forward pass of the two models and the importance-weighted loss.

The learner works with one model (no instance axis):

    forward_pass(x, W, b, relu) -> x'     x (B, n), W (m, n), b (n,) -> (B, n)
        linear (relu=False):   x' = W^T W x + b
        ReLU output (True):    x' = ReLU(W^T W x + b)
    weighted_loss(x_hat, x, importance) -> scalar
        mean over the batch and the features of I_i (x_i - x'_i)^2

The references are ``tmslab.models.forward`` and ``tmslab.models.weighted_mse``;
on a wrong answer the checks compare with the usual mistakes and name the one made.
"""
from __future__ import annotations

import numpy as np
import torch

from .. import models
from .base import ExerciseError, _as_array, check_close, expects_function, first_mistake, passed, same


def _case(seed: int, batch: int = 64, n: int = 6, m: int = 3):
    """Sparse x (B, n) in [0, 1], W (m, n), b (n,) with both signs."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(batch, n, generator=g) * (torch.rand(batch, n, generator=g) < 0.5)
    W = torch.randn(m, n, generator=g) * 0.8
    b = torch.randn(n, generator=g) * 0.3
    return x, W, b


def reference_forward(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor, relu: bool) -> torch.Tensor:
    """tmslab.models.forward for one instance: x (B, n) -> (B, n)."""
    model = "relu_output" if relu else "linear"
    return models.forward(model, x[:, None, :], W[None], b[None])[:, 0, :]


def _forward_mistake(got: np.ndarray, x, W, b, relu: bool) -> str | None:
    """Name the usual mistake that reproduces ``got``, if any."""
    lin = x @ W.T @ W
    if got.shape == (x.shape[1], x.shape[0]):
        return ("your output is transposed: return x' with shape (batch, n), one row per sample "
                "(x' = x W^T W + b in row form)")
    candidates = [
        ("you forgot the ReLU: the ReLU output model clips negative outputs to 0",
         lin + b, relu),
        ("you applied a ReLU in the linear model: x' = W^T W x + b has no nonlinearity",
         torch.relu(lin + b), not relu),
        ("you forgot the bias b", torch.relu(lin) if relu else lin, True),
        ("you forgot the bias b and the ReLU", lin, relu),
        ("you applied the ReLU before adding the bias: it is ReLU(W^T W x + b)",
         torch.relu(lin) + b, relu),
        ("you put a ReLU on the hidden layer h = W x; in this model only the output has a ReLU",
         (torch.relu(torch.relu(x @ W.T) @ W + b) if relu else torch.relu(x @ W.T) @ W + b), True),
        ("you subtracted the bias: the model adds it, x' = ... + b",
         (torch.relu(lin - b) if relu else lin - b), True),
    ]
    return first_mistake(got, [(message, candidate) for message, candidate, applies in candidates if applies])


@expects_function("forward_pass")
def check_forward(forward_pass) -> str:
    """``forward_pass(x, W, b, relu)`` must match ``tmslab.models.forward`` for both models."""
    for seed in (0, 1):
        x, W, b = _case(seed)
        for relu in (False, True):
            name = "ReLU output model" if relu else "linear model"
            try:
                got = forward_pass(x.clone(), W.clone(), b.clone(), relu)
            except RuntimeError as err:
                if "shape" in str(err) or "size" in str(err) or "dimension" in str(err):
                    raise ExerciseError(
                        f"the {name} crashed with a shape error ({err}). Features are columns of "
                        "W (m, n): h = W x has m entries and x' = W^T h has n; with a batch of rows "
                        "that is h = x @ W.T and x' = h @ W") from None
                raise
            if got is None:
                raise ExerciseError("forward_pass returned None: did you forget a `return`?")
            g = _as_array(got, "forward_pass")
            expected = reference_forward(x, W, b, relu)
            if same(g, expected):
                continue
            mistake = _forward_mistake(g, x, W, b, relu)
            if mistake:
                raise ExerciseError(f"{name}: {mistake}")
            check_close(g, expected, f"the {name}'s output x'")
    return passed("both forward passes match tmslab.models.forward "
                  "(x' = W^T W x + b, and ReLU of it)")


def reference_loss(x_hat: torch.Tensor, x: torch.Tensor, importance: torch.Tensor) -> torch.Tensor:
    """tmslab.models.weighted_mse for one instance: a scalar."""
    return models.weighted_mse(x_hat[:, None, :], x[:, None, :], importance[None])[0]


def _loss_mistake(got: float, x_hat, x, importance) -> str | None:
    B, n = x.shape
    ref = float(reference_loss(x_hat, x, importance))
    err = x - x_hat
    candidates = [
        ("you forgot the importance weights I_i (this is the plain MSE)", float((err**2).mean())),
        (f"you summed over the features instead of averaging (your value is n = {n} times too big); "
         "take the mean over batch and features", ref * n),
        ("you summed over the batch instead of averaging; take the mean over samples", ref * B),
        ("you summed over batch and features; take the mean over both", ref * B * n),
        ("you squared the importance too: it is I_i (x_i - x'_i)^2, not (I_i (x_i - x'_i))^2",
         float(((importance * err) ** 2).mean())),
        ("you used |x_i - x'_i| instead of the square", float((importance * err.abs()).mean())),
        ("you took a square root (an RMS): the loss is the mean of squares itself",
         float(torch.sqrt((importance * err**2).mean()))),
    ]
    return first_mistake(got, candidates, atol=1e-8, rtol=1e-4)


@expects_function("weighted_loss")
def check_weighted_loss(weighted_loss) -> str:
    """``weighted_loss(x_hat, x, importance)`` must equal ``tmslab.models.weighted_mse``."""
    for seed in (0, 1):
        x, W, b = _case(seed)
        x_hat = reference_forward(x, W, b, relu=True)
        importance = 0.7 ** torch.arange(x.shape[1], dtype=torch.float32)
        got = weighted_loss(x_hat.clone(), x.clone(), importance.clone())
        if got is None:
            raise ExerciseError("weighted_loss returned None: did you forget a `return`?")
        g = _as_array(got, "weighted_loss")
        if g.size != 1:
            raise ExerciseError(f"weighted_loss should return one number, got shape {g.shape}: "
                                "average over the batch and the features")
        expected = reference_loss(x_hat, x, importance)
        if np.isclose(float(g), float(expected), rtol=1e-4, atol=1e-8):
            continue
        mistake = _loss_mistake(float(g), x_hat, x, importance)
        if mistake:
            raise ExerciseError(mistake)
        check_close(float(g), float(expected), "the weighted loss")
    return passed("your loss equals tmslab.models.weighted_mse, mean of I_i (x_i - x'_i)^2")
