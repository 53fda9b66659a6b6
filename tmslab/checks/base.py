"""Shared machinery for exercise checks."""
from __future__ import annotations

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


def check_close(got, expected, what: str, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """Raise ExerciseError unless ``got`` has ``expected``'s shape and values."""
    if got is None:
        raise ExerciseError(f"{what} returned None: did you forget a `return`?")
    g, e = _as_array(got, what), _as_array(expected, what)
    if g.shape != e.shape:
        raise ExerciseError(f"{what} has shape {g.shape}, expected {e.shape}")
    if not np.all(np.isfinite(g)):
        raise ExerciseError(f"{what} contains NaN or infinity")
    if not np.allclose(g, e, atol=atol, rtol=rtol):
        idx = np.unravel_index(np.argmax(np.abs(g - e)), e.shape) if e.ndim else ()
        raise ExerciseError(f"{what} is wrong: at index {tuple(int(i) for i in idx)} you have "
                            f"{g[idx]:.4g}, expected {e[idx]:.4g}")


def passed(what: str) -> str:
    """The success message every check returns (printed by the lesson)."""
    return f"✅ Correct: {what}"


def report(check, answer) -> str:
    """Run ``check(answer)`` and turn the outcome into one line for the lesson to print.

    '✅ Correct: ...' when the check passes; '❌ Not yet: ...' with the
    check's explanation otherwise (including a stub that is not filled in).
    """
    try:
        return check(answer)
    except NotImplementedError:
        return "❌ Not yet: the function still raises NotImplementedError; write your code in the stub."
    except ExerciseError as err:
        return f"❌ Not yet: {err}"
    except Exception as err:  # the learner's code crashed: say how, without a traceback
        return f"❌ Not yet: your code raised {type(err).__name__}: {err}"
