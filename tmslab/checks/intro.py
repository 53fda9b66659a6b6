"""Checks for the exercises of lessons 00 (welcome) and 01 (what is superposition).

Each check calls the learner's function on a few fixed cases, compares it
with the reference and, when it is wrong, recognises the usual mistakes and
says which one it is. Every check returns ``passed(...)`` or raises
``ExerciseError``.

Lesson 00: ``check_embed`` (h = W x), ``check_density`` (1 - S).
Lesson 01: ``check_rotate`` (W -> R W), ``check_relu_hidden_forward``
(x' = ReLU(W^T ReLU(W x) + b)), ``check_max_abs_cosine``.
"""
from __future__ import annotations

import torch

from ..basis import random_rotation
from ..jl import max_abs_cosine, random_directions
from .base import ExerciseError, _as_array, as_number, check_close, expects_function, passed, same


def _call(fn, *args, what: str):
    """Call the learner's function ``what`` on copies of the tensors (in-place edits cannot leak)."""
    return fn(*[a.clone() if isinstance(a, torch.Tensor) else a for a in args])


# ---------------------------------------------------------------- lesson 00

def _embed_cases():
    W = torch.tensor([[0.8, -0.6, 0.0], [0.6, 0.8, -1.0]], dtype=torch.float64)
    x = torch.tensor([0.9, 0.0, 0.3], dtype=torch.float64)
    gen = torch.Generator().manual_seed(5)
    W2 = torch.randn(3, 5, generator=gen, dtype=torch.float64)
    x2 = torch.rand(5, generator=gen, dtype=torch.float64)
    return [(W, x), (W2, x2)]


@expects_function("embed")
def check_embed(embed) -> str:
    """``embed(W, x)`` must return h = W x (m,) for W (m, n) and x (n,)."""
    for W, x in _embed_cases():
        m, n = W.shape
        try:
            h = _call(embed, W, x, what="embed")
        except NotImplementedError:
            raise                         # the untouched stub: ``report`` says so
        except RuntimeError as err:       # torch's own shape errors, e.g. from W.T @ x
            raise ExerciseError(f"your embed raised for W of shape ({m}, {n}) and x of shape ({n},): "
                                f"{str(err).splitlines()[0]}. W has one column per feature, so h = W @ x "
                                f"(shape ({m},)); W.T @ x would need x to have {m} entries") from None
        if h is None:
            raise ExerciseError("embed returned None: did you forget a `return`?")
        got = _as_array(h, "h")
        if got.shape == (n,) and same(got, W.T @ (W @ x)):
            raise ExerciseError("you returned W^T W x (the reconstruction); h = W x stops after W")
        if got.shape == (m, n) and same(got, W * x):
            raise ExerciseError("you multiplied elementwise (W * x); use the matrix product W @ x, "
                                "which sums x_i W_i over the features")
        if got.shape != (m,):
            raise ExerciseError(f"h should have one entry per hidden dimension: shape ({m},) for a "
                                f"{m} x {n} W, but yours has shape {got.shape}")
        check_close(got, W @ x, "h = W x")
    return passed("h = W x is the sum of the feature directions W_i weighted by x_i.")


_DENSITY_CASES = (0.0, 0.8, 0.9, 0.99, 0.25)
# plausible wrong formulas, recognised only when one formula explains every answer
_DENSITY_MISTAKES = (
    ("you returned the sparsity itself (S); the density is the probability that a feature is NOT zero",
     lambda S: S),
    ("you returned a percentage, 100 (1 - S); return a probability between 0 and 1",
     lambda S: 100 * (1 - S)),
    ("you returned S / (1 - S), the odds that a feature is zero; the density is the probability 1 - S",
     lambda S: S / (1 - S)),
    ("you returned 1 / (1 - S); the density is the probability 1 - S itself (1 / (1 - S) is the paper's "
     "x-axis in the geometry lesson)", lambda S: 1 / (1 - S)),
)


@expects_function("density")
def check_density(density) -> str:
    """``density(S)`` must return the feature density 1 - S for a sparsity S in [0, 1]."""
    values = {}
    for S in _DENSITY_CASES:
        got = _call(density, S, what="density")
        if got is None:
            raise ExerciseError("density returned None: did you forget a `return`?")
        values[S] = as_number(got, "density")
    for message, formula in _DENSITY_MISTAKES:
        if all(abs(v - formula(S)) < 1e-6 * max(1.0, abs(formula(S))) for S, v in values.items()):
            raise ExerciseError(message)
    for S, value in values.items():
        if not abs(value - (1.0 - S)) <= 1e-6:
            raise ExerciseError(f"for S = {S} you returned {value:.4g}, which is wrong: the density is "
                                f"1 - S = {1 - S:.4g}")
    return passed("the density 1 - S is the probability that a feature is active.")


# ---------------------------------------------------------------- lesson 01

@expects_function("rotate")
def check_rotate(rotate) -> str:
    """``rotate(W, R)`` must return R W (m, n): every feature direction W_i rotated by R (m, m)."""
    gen = torch.Generator().manual_seed(11)
    for m, n, seed in ((3, 5, 1), (2, 4, 2)):
        W = torch.randn(m, n, generator=gen, dtype=torch.float64)
        R = random_rotation(m, seed)
        W_copy = W.clone()
        got = rotate(W, R)  # W itself (not a copy): an in-place change is caught below
        if not torch.equal(W, W_copy):
            raise ExerciseError("your function changed W in place; return a new matrix instead")
        if got is None:
            raise ExerciseError("rotate returned None: did you forget a `return`?")
        g = _as_array(got, "rotated W")
        if g.shape == (n, m):
            raise ExerciseError(f"your result has shape {g.shape} = (n, m); the rotated W keeps W's "
                                f"shape (m, n) = ({m}, {n}). Multiply W on the left: R @ W")
        if g.shape != (m, n):
            raise ExerciseError(f"the rotated W should have W's shape ({m}, {n}), yours has {g.shape}")
        if same(g, W):
            raise ExerciseError("you returned W unchanged")
        if same(g, R.T @ W):
            raise ExerciseError("you applied R^T (the inverse rotation); rotate with R itself: R @ W")
        check_close(g, R @ W, "the rotated W")
    return passed("rotating the hidden space maps every feature direction W_i to R W_i, i.e. W -> R W.")


def _forward_case():
    W = torch.tensor([[1.0, -0.5, 0.3, 0.0], [0.2, 0.9, -0.7, 0.5], [-0.4, 0.1, 0.8, 0.6]],
                     dtype=torch.float64)
    b = torch.tensor([-0.1, 0.05, -0.2, 0.1], dtype=torch.float64)
    gen = torch.Generator().manual_seed(3)
    x = torch.rand(16, 4, generator=gen, dtype=torch.float64) * (torch.rand(16, 4, generator=gen) < 0.6)
    return W, b, x


@expects_function("relu_hidden_forward")
def check_relu_hidden_forward(relu_hidden_forward) -> str:
    """``relu_hidden_forward(W, b, x)`` must return ReLU(W^T ReLU(W x) + b) for a batch x (B, n)."""
    W, b, x = _forward_case()
    got = _call(relu_hidden_forward, W, b, x, what="relu_hidden_forward")
    if got is None:
        raise ExerciseError("relu_hidden_forward returned None: did you forget a `return`?")
    g = _as_array(got, "x'")
    if g.shape != tuple(x.shape):
        raise ExerciseError(f"x' should have the batch's shape {tuple(x.shape)} = (B, n), yours has "
                            f"{g.shape}; with one sample per row, h = x @ W.T and x' = h @ W + b")
    h = torch.relu(x @ W.T)
    wrong = {
        "you forgot the ReLU on the hidden layer, h = ReLU(W x); without it this is the ReLU-output "
        "model, whose basis is not privileged": torch.relu(x @ W.T @ W + b),
        "you forgot the ReLU on the output: x' = ReLU(W^T h + b)": h @ W + b,
        "you forgot the bias b (added before the output ReLU)": torch.relu(h @ W),
        "the bias goes inside the output ReLU: x' = ReLU(W^T h + b), not ReLU(W^T h) + b":
            torch.relu(h @ W) + b,
    }
    for message, value in wrong.items():
        if same(g, value):
            raise ExerciseError(message)
    check_close(g, torch.relu(h @ W + b), "x'")
    return passed("x' = ReLU(W^T ReLU(W x) + b): a ReLU on the neurons and one on the output.")


@expects_function("max_abs_cos")
def check_max_abs_cosine(max_abs_cos) -> str:
    """``max_abs_cos(V)`` must return max over pairs a != b of |cos(V_a, V_b)| for V (k, m)."""
    V = random_directions(6, 4, seed=7) * torch.tensor([[1.0], [2.0], [0.5], [3.0], [1.5], [0.7]],
                                                       dtype=torch.float64)
    V[5] = -0.9 * V[1] + 0.2 * V[0]   # one strongly negative cosine
    got = _call(max_abs_cos, V, what="max_abs_cos")
    if got is None:
        raise ExerciseError("max_abs_cos returned None: did you forget a `return`?")
    g = _as_array(got, "max |cos|")
    if g.size != 1:
        raise ExerciseError(f"return a single number, not an array of shape {g.shape}")
    value = float(g.reshape(()))
    U = V / V.norm(dim=1, keepdim=True)
    C = U @ U.T
    off = ~torch.eye(len(V), dtype=torch.bool)
    if abs(value - 1.0) < 1e-6:
        raise ExerciseError("you got 1.0: the diagonal cos(V_a, V_a) = 1 is included; skip pairs with a = b")
    if abs(value - float(C[off].max())) < 1e-6:
        raise ExerciseError("take the absolute value: a cosine of -0.95 is as far from orthogonal as +0.95")
    dots = (V @ V.T)[off].abs().max()
    if abs(value - float(dots)) < 1e-6:
        raise ExerciseError("you returned the largest |dot product|; divide by the norms to get cosines")
    check_close(value, max_abs_cosine(V), "max |cos|")
    return passed("the largest |cos| over distinct pairs measures how far the set is from orthogonal.")
