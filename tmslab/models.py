"""The paper's toy models, written plainly in PyTorch and batched over instances.

Shapes: x (B, I, n) for B samples of I independent instances; W (I, m, n)
(the paper's m x n, column i = feature i's direction); b (I, n).

    linear        h = W x          x' = W^T h + b
    relu_output   h = W x          x' = ReLU(W^T h + b)
    relu_hidden   h = ReLU(W x)    x' = ReLU(W^T h + b)
    abs           h = ReLU(W1 x)   y' = ReLU(W2 h + b),  W2 (I, n, m) untied,
                  inputs in [-1, 1], target y = |x|

These functions are the oracle the compiled trainer is tested against.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .validation import check_choice


@dataclass(frozen=True)
class ModelSpec:
    """What distinguishes the four models."""

    name: str
    hidden_relu: bool
    output_relu: bool
    tied: bool
    signed_inputs: bool


MODELS = {
    "linear": ModelSpec("linear", hidden_relu=False, output_relu=False, tied=True, signed_inputs=False),
    "relu_output": ModelSpec("relu_output", hidden_relu=False, output_relu=True, tied=True, signed_inputs=False),
    "relu_hidden": ModelSpec("relu_hidden", hidden_relu=True, output_relu=True, tied=True, signed_inputs=False),
    "abs": ModelSpec("abs", hidden_relu=True, output_relu=True, tied=False, signed_inputs=True),
}


def model_spec(model: str) -> ModelSpec:
    return MODELS[check_choice("model", model, MODELS)]


def forward(model: str, x: torch.Tensor, W: torch.Tensor, b: torch.Tensor,
            W2: torch.Tensor | None = None) -> torch.Tensor:
    """x (B, I, n) -> x' (B, I, n). ``W2`` (I, n, m) is required for 'abs' only."""
    spec = model_spec(model)
    h = torch.einsum("imn,bin->bim", W, x)                     # (B, I, m)
    if spec.hidden_relu:
        h = torch.relu(h)
    if spec.tied:
        out = torch.einsum("imn,bim->bin", W, h) + b            # (B, I, n)
    else:
        if W2 is None:
            raise ValueError("model 'abs' needs W2 of shape (instances, n, m)")
        out = torch.einsum("inm,bim->bin", W2, h) + b
    return torch.relu(out) if spec.output_relu else out


def target(model: str, x: torch.Tensor) -> torch.Tensor:
    """What the model must reconstruct: x itself, or |x| for the absolute-value task."""
    return x.abs() if model_spec(model).signed_inputs else x


def weighted_mse(x_hat: torch.Tensor, y: torch.Tensor, importance: torch.Tensor) -> torch.Tensor:
    """Per-instance loss (I,): mean over samples and features of I_i (y_i - x'_i)^2.

    x_hat, y: (B, I, n); importance: (I, n). The paper sums over features; the
    mean only divides by n (irrelevant to Adam), and matches the official notebook.
    """
    return (importance * (y - x_hat) ** 2).mean(dim=(0, 2))
