"""Input checks shared by every public function.

Each check raises ``ValueError`` naming the argument, the allowed range and the
value received, so that a learner never sees a NaN or a traceback from deep
inside torch or numba.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import torch


def check_int(name: str, value, minimum: int, maximum: int | None = None) -> int:
    """An integer in [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and <= {maximum}" if maximum is not None else ""
        raise ValueError(f"{name} must be an integer >= {minimum}{upper}, got {value}")
    return value


def check_float(name: str, value, low: float, high: float = math.inf,
                low_open: bool = False) -> float:
    """A finite real number in [low, high] (or (low, high] when ``low_open``).

    Strings and booleans are refused (``float("1e-3")`` would otherwise let a
    typo through); numpy scalars and one-element tensors are accepted.
    """
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    bad = not math.isfinite(x) or x > high or x < low or (low_open and x == low)
    if bad:
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be a finite number in {bracket}{low}, {high}], got {value!r}")
    return x


def check_choice(name: str, value, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def as_array(name: str, value, low: float, high: float, dtype=np.float64) -> np.ndarray:
    """A numeric array (any shape) with every entry finite and in [low, high]."""
    try:
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric, got {value!r}") from None
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must not contain NaN or infinity")
    if arr.min() < low or arr.max() > high:
        raise ValueError(f"{name} must lie in [{low}, {high}], got values from "
                         f"{arr.min():.4g} to {arr.max():.4g}")
    return arr


def as_tensor(name: str, value, low: float, high: float, dtype=torch.float32) -> torch.Tensor:
    """``as_array``'s checks (finite, every entry in [low, high]), returned as a torch tensor."""
    return torch.as_tensor(as_array(name, value, low, high), dtype=dtype)


def to_tensor(name: str, value, shape_text: str) -> torch.Tensor:
    """Any array-like as a torch tensor, or a ValueError saying the expected shape."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if isinstance(value, torch.Tensor):
        return value
    try:
        return torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"{name} must be an array of shape {shape_text}, got {type(value).__name__}") from None


MAX_WEIGHT = 1e12   # |W| bound of as_weights: sums of squares over m, n <= 1e5 stay finite in float32


def as_weights(name: str, W, min_dims: int = 2, n_features: int | None = None) -> torch.Tensor:
    """A finite float tensor of shape (..., m, n): the paper's W, feature i = column i.

    Entries must lie in [-1e12, 1e12] (``MAX_WEIGHT``): W^T W, ||W||_F^2 and the
    squared overlaps of the metrics then stay finite in float32.
    """
    W = to_tensor(name, W, "(..., m, n)")
    if W.dim() < min_dims:
        raise ValueError(f"{name} must have shape (..., m, n) with at least {min_dims} dimensions, "
                         f"got shape {tuple(W.shape)}")
    if W.shape[-1] < 1 or W.shape[-2] < 1:
        raise ValueError(f"{name} must have m >= 1 and n >= 1, got shape {tuple(W.shape)}")
    if n_features is not None and W.shape[-1] != n_features:
        raise ValueError(f"{name} must have n = {n_features} columns (one per feature), "
                         f"got shape {tuple(W.shape)}")
    if not W.is_floating_point():
        W = W.float()
    if not torch.isfinite(W).all():
        raise ValueError(f"{name} must not contain NaN or infinity")
    if W.numel() and W.abs().max() > MAX_WEIGHT:
        raise ValueError(f"{name} entries must lie in [-{MAX_WEIGHT:g}, {MAX_WEIGHT:g}] (squared norms and "
                         f"overlaps of larger weights overflow float32), got a largest |entry| of "
                         f"{float(W.abs().max()):.3g}")
    return W


def check_device(name: str, device) -> str:
    """A torch device that exists here, as a string; every CPU spelling becomes 'cpu'.

    None, 'cpu', 'cpu:0' and ``torch.device('cpu')`` all give 'cpu' (the numba
    backend). 'cuda', 'cuda:1', 'mps', 'xpu' are checked against what this torch
    build and machine provide, so a missing GPU is a ValueError here rather
    than an AssertionError deep inside torch.
    """
    if device is None:
        return "cpu"
    if not isinstance(device, (str, torch.device)):
        raise ValueError(f"{name} must be a device string such as 'cpu' or 'cuda', got "
                         f"{type(device).__name__}")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError, TypeError):
        raise ValueError(f"{name} must be 'cpu' or an accelerator such as 'cuda', 'cuda:0' or 'mps', "
                         f"got {device!r}") from None
    if dev.type == "cpu":
        return "cpu"
    if dev.type not in ("cuda", "mps", "xpu"):
        raise ValueError(f"{name} must be 'cpu', 'cuda', 'mps' or 'xpu' (with an optional index), "
                         f"got {device!r}")
    backend = getattr(torch, dev.type, None) if dev.type != "mps" else torch.backends.mps
    available = bool(backend is not None and backend.is_available())
    if not available:
        raise ValueError(f"{name}={str(device)!r}, but this torch build ({torch.__version__}) has no "
                         f"usable {dev.type} device here; use device='cpu'")
    if dev.index is not None and dev.type != "mps":
        count = backend.device_count()
        if dev.index >= count:
            raise ValueError(f"{name}={str(device)!r}, but only {count} {dev.type} device(s) exist "
                             f"(indices 0..{count - 1})")
    return str(dev)


def check_threads(name: str, threads) -> int | None:
    """None (numba's default) or an integer in [1, numba.config.NUMBA_NUM_THREADS]."""
    if threads is None:
        return None
    import numba
    limit = int(numba.config.NUMBA_NUM_THREADS)
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise TypeError(f"{name} must be None or an integer in [1, {limit}], got "
                        f"{type(threads).__name__} {threads!r}")
    return check_int(name, threads, 1, limit)
