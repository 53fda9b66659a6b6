"""Checks for lesson 02 (three universities): interference matrix, de-embedding, ReLU read-out.

Each check calls the learner's function on the talk's W (2 x 3) and on a
random non-square, non-unit-norm W, compares with the reference and, when
the answer is wrong, recognises the usual slips (W W^T instead of W^T W,
cosines instead of dot products, a missing transpose, the pseudo-inverse,
a missing ReLU, the bias with the wrong sign or outside the ReLU).
"""
from __future__ import annotations

import numpy as np
import torch

from .. import theory
from .base import ExerciseError, _as_array, check_close, expects_function, passed


def _cases() -> list[torch.Tensor]:
    """The talk's W, a random 3 x 5 W with unequal column norms, and a random square 3 x 3 W."""
    gen = torch.Generator().manual_seed(2)
    W_wide = torch.randn(3, 5, generator=gen, dtype=torch.float64) * torch.tensor(
        [0.5, 1.0, 1.5, 0.8, 1.2], dtype=torch.float64)
    W_square = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    return [theory.three_universities_W(), W_wide, W_square]


def _matches(got: np.ndarray, candidate) -> bool:
    c = _as_array(candidate, "candidate")
    return got.shape == c.shape and np.allclose(got, c, atol=1e-6, rtol=1e-5)


def _call(fn, *args):
    """Call the learner's function on copies so that in-place edits cannot corrupt the cases."""
    return fn(*[a.clone() if isinstance(a, torch.Tensor) else a for a in args])


@expects_function("interference")
def check_interference_matrix(fn) -> str:
    """fn(W (m, n)) must return W^T W (n, n): entry (i, j) = W_i . W_j."""
    for W in _cases():
        m, n = W.shape
        got = _call(fn, W)
        if got is None:
            raise ExerciseError("interference(W) returned None: did you forget a `return`?")
        g = _as_array(got, "interference(W)")
        expected = W.T @ W
        if _matches(g, W @ W.T) and m != n:
            raise ExerciseError(f"you returned W W^T ({m}x{m}), expected W^T W ({n}x{n}): "
                                "features are the columns of W, so take dot products of columns")
        if _matches(g, W @ W.T):
            raise ExerciseError("you returned W W^T (dot products of rows), expected W^T W "
                                "(dot products of the feature columns)")
        if _matches(g, W * W) or _matches(g, (W * W).sum(0)):
            raise ExerciseError("you squared entries element-wise; W^T W is a matrix product "
                                "(W.T @ W)")
        unit = W / W.norm(dim=0, keepdim=True)
        if not _matches(expected, unit.T @ unit) and _matches(g, unit.T @ unit):
            raise ExerciseError("you normalised the columns (cosine similarities); the "
                                "interference matrix uses the raw dot products W_i . W_j")
        if _matches(g, expected - torch.eye(n, dtype=W.dtype)):
            raise ExerciseError("you subtracted the identity; return the whole W^T W, "
                                "diagonal ||W_i||^2 included")
        check_close(g, expected, f"interference(W) for a {m}x{n} W")
    return passed("W^T W is the n x n interference matrix; for the universities it has 1 on the "
                  "diagonal and -0.5 everywhere else.")


@expects_function("de_embed")
def check_de_embed(fn) -> str:
    """fn(W (m, n), h (m,)) must return x' = W^T h (n,)."""
    gen = torch.Generator().manual_seed(3)
    for W in _cases():
        m, n = W.shape
        h = torch.tensor([0.0, 0.9], dtype=W.dtype) if m == 2 else torch.randn(m, generator=gen,
                                                                             dtype=W.dtype)
        expected = W.T @ h
        try:
            got = _call(fn, W, h)
        except (RuntimeError, ValueError) as err:
            if m != n and any(word in str(err) for word in ("shape", "size", "dimension", "mismatch")):
                raise ExerciseError(f"you forgot the transpose: W is {m}x{n} and h has {m} entries, "
                                    f"so only W^T ({n}x{m}) can multiply h (numpy/torch said: "
                                    f"{str(err).splitlines()[0]})") from None
            raise
        if got is None:
            raise ExerciseError("de_embed(W, h) returned None: did you forget a `return`?")
        g = _as_array(got, "de_embed(W, h)")
        if m == n and _matches(g, W @ h) and not _matches(g, expected):
            raise ExerciseError("you forgot the transpose: you computed W h, the de-embedding is W^T h")
        if _matches(g, torch.linalg.pinv(W) @ h) and not _matches(g, expected):
            raise ExerciseError("you used the pseudo-inverse W^+ h; the talk's de-embedding reads each "
                                "feature by a dot product: x' = W^T h")
        if _matches(g, torch.relu(expected)) and not _matches(g, expected):
            raise ExerciseError("you applied a ReLU; the plain de-embedding x' = W^T h keeps negative "
                                "values (that is exercise 3)")
        check_close(g, expected, f"de_embed(W, h) for a {m}x{n} W")
    return passed("x' = W^T h: for h = (0, 0.9) the universities read (0.45, 0.45, -0.9).")


@expects_function("relu_readout")
def check_relu_readout(fn) -> str:
    """fn(W (m, n), h (m,), b (n,)) must return ReLU(W^T h + b) (n,)."""
    gen = torch.Generator().manual_seed(4)
    for W in _cases():
        m, n = W.shape
        if m == 2:
            h = torch.tensor([0.0, 0.9], dtype=W.dtype)
            b = torch.full((n,), -0.1, dtype=W.dtype)
        else:
            h = torch.randn(m, generator=gen, dtype=W.dtype)
            b = -0.3 * torch.rand(n, generator=gen, dtype=W.dtype)
        lin = W.T @ h
        expected = torch.relu(lin + b)
        got = _call(fn, W, h, b)
        if got is None:
            raise ExerciseError("relu_readout(W, h, b) returned None: did you forget a `return`?")
        g = _as_array(got, "relu_readout(W, h, b)")
        if _matches(g, expected):
            continue
        if _matches(g, lin + b):
            raise ExerciseError("you forgot the ReLU: negative read-outs must be clipped to 0")
        if _matches(g, torch.relu(lin - b)):
            raise ExerciseError("wrong sign of the bias: the read-out is ReLU(W^T h + b), you "
                                "computed ReLU(W^T h - b)")
        if _matches(g, torch.relu(lin) + b):
            raise ExerciseError("the bias goes inside the ReLU: ReLU(W^T h + b), not ReLU(W^T h) + b")
        if _matches(g, torch.relu(lin)):
            raise ExerciseError("you forgot to add the bias b before the ReLU")
        if m == n and _matches(g, torch.relu(W @ h + b)):
            raise ExerciseError("you forgot the transpose: use W^T h, not W h")
        check_close(g, expected, f"relu_readout(W, h, b) for a {m}x{n} W")
    return passed("ReLU(W^T h + b) clips the negative interference; with b = -0.1 the ambiguous "
                  "h = (0, 0.9) reads (0.35, 0.35, 0).")
