"""Shared machinery for exercise checks."""
from __future__ import annotations

import functools

import numpy as np
import torch


class ExerciseError(AssertionError):
    """Raised by a check: the message tells the learner what to fix."""


def _as_array(value, what: str) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what} should be numeric (a tensor or array), got {type(value).__name__}") from None


def where(index, axes) -> str:
    """'sample 3, instance 1, feature 4' for an index tuple and the names of its axes."""
    return ", ".join(f"{axis} {int(i)}" for axis, i in zip(axes, index, strict=True))


def same(got, expected, atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    """True when ``got`` has ``expected``'s shape and values (tensors, arrays or numbers; float64)."""
    g, e = _as_array(got, "result"), _as_array(expected, "result")
    return g.shape == e.shape and bool(np.allclose(g, e, atol=atol, rtol=rtol))


def first_mistake(got, candidates, atol: float = 1e-5, rtol: float = 1e-4) -> str | None:
    """The message of the first ``(message, wrong value)`` in ``candidates`` that ``got`` equals, else None.

    Checks name a learner's mistake by recomputing each plausible wrong answer and comparing.
    """
    for message, candidate in candidates:
        if same(got, candidate, atol, rtol):
            return message
    return None


def check_close(got, expected, what: str, atol: float = 1e-5, rtol: float = 1e-4, axes=None) -> None:
    """Raise ExerciseError unless ``got`` has ``expected``'s shape and values.

    The message names the entry with the largest difference: by index, or by the names in
    ``axes`` (one per dimension, e.g. ("sample", "instance", "feature")) when given.
    """
    if got is None:
        raise ExerciseError(f"{what} returned None: did you forget a `return`?")
    g, e = _as_array(got, what), _as_array(expected, what)
    if g.shape != e.shape:
        raise ExerciseError(f"{what} has shape {g.shape}, expected {e.shape}")
    if not np.all(np.isfinite(g)):
        raise ExerciseError(f"{what} contains NaN or infinity")
    if not np.allclose(g, e, atol=atol, rtol=rtol):
        idx = np.unravel_index(np.argmax(np.abs(g - e)), e.shape) if e.ndim else ()
        values = f"you have {g[idx]:.4g}, expected {e[idx]:.4g}"
        if axes is None:
            raise ExerciseError(f"{what} is wrong: at index {tuple(int(i) for i in idx)} {values}")
        raise ExerciseError(f"{what} is wrong at {where(idx, axes)}: {values}")


def as_number(value, what: str) -> float:
    """One number from a Python number, a 0-d or one-element array or tensor (grad or not)."""
    arr = _as_array(value, what)
    if arr.size != 1:
        raise ExerciseError(f"{what} should be one number, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def _detach(value):
    """``value`` with every tensor in it (also inside tuples, lists and dicts) detached from autograd."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, tuple):
        items = [_detach(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, list):
        return [_detach(v) for v in value]
    if isinstance(value, dict):
        return {k: _detach(v) for k, v in value.items()}
    return value


def _kind(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, torch.Tensor):
        return f"a Tensor of shape {tuple(value.shape)}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    return f"a {type(value).__name__}"


def require_function(check_name: str, name: str, answer) -> None:
    """Raise ExerciseError unless ``answer`` is callable, saying how to pass a function."""
    if not callable(answer):
        raise ExerciseError(f"{check_name} expects your function `{name}`, you passed {_kind(answer)} "
                            f"(did you call it? pass the function itself, `{name}`, not `{name}(...)`)")


def expects_function(name: str):
    """Decorator for a check whose answer is the learner's function ``name``.

    The decorated check (1) says clearly when it is handed a value instead of a
    function (the usual harness slip: ``check(f(x))`` for ``check(f)``) and (2) calls
    the learner's function through a wrapper that detaches every returned tensor, so a
    right answer that still requires grad is compared like any other.
    """
    def decorate(check):
        @functools.wraps(check)
        def wrapper(answer, *args, **kwargs):
            require_function(check.__name__, name, answer)

            @functools.wraps(answer)
            def learner(*a, **kw):
                return _detach(answer(*a, **kw))

            return check(learner, *args, **kwargs)

        wrapper.expects = name
        return wrapper
    return decorate


def passed(what: str) -> str:
    """The success message every check returns (printed by the lesson)."""
    return f"✅ Correct: {what}"


def report(check, answer) -> str:
    """Run ``check(answer)`` and turn the outcome into one line for the lesson to print.

    '✅ Correct: ...' when the check passes; '❌ Not yet: ...' with the
    check's explanation otherwise (including a stub that is not filled in).
    """
    if getattr(answer, "expects", None) and not getattr(check, "expects", None):
        return (f"❌ Not yet: the arguments are swapped: write report({answer.__name__}, "
                f"{answer.expects}): the check first, then your function")
    if not callable(check):
        return f"❌ Not yet: report's first argument must be a check function, got {_kind(check)}"
    try:
        return check(answer)
    except NotImplementedError:
        return "❌ Not yet: the function still raises NotImplementedError; write your code in the stub."
    except ExerciseError as err:
        return f"❌ Not yet: {err}"
    except Exception as err:  # the learner's code crashed: say how, without a traceback
        return f"❌ Not yet: your code raised {type(err).__name__}: {err}"
