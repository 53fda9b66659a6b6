"""Honest exercise mechanics: keep the learner's function when it passes, say so when it does not.

After each exercise a lesson runs

    forward_pass = adopt(check_forward, forward_pass, tmslab.solutions.lesson03.forward_pass)

* the check passes: the learner's function is returned (the lesson goes on with it) and
  the output says "✅ Correct: ..." then "the lesson continues with your `forward_pass`";
* the check fails (including the untouched stub that raises NotImplementedError): the
  reference solution is returned and the output says "❌ Not yet: ..." then that the
  lesson continues with the reference, and where to read it.

So "Run All" never silently replaces a learner's code, and a lesson run with every
stub untouched (as CI runs them) still executes top to bottom on the references.
Later cells use ``whose(fn)`` to say "your" only when it is true.
"""
from __future__ import annotations

from typing import Callable

from .base import report

_SOLUTIONS = "tmslab.solutions."


def _is_reference(fn) -> bool:
    return (getattr(fn, "__module__", "") or "").startswith(_SOLUTIONS)


def reference_location(reference) -> str:
    """Where a reference solution can be read: ``tmslab/solutions/lessonNN.py`` (or its module name)."""
    module = getattr(reference, "__module__", "") or ""
    return module.replace(".", "/") + ".py" if module.startswith(_SOLUTIONS) else module or "?"


def run_check(check: Callable, answer) -> tuple[bool, str]:
    """``(passed, message)``: run ``check(answer)`` through ``report`` and record whether it returned.

    ``passed`` is True only when the check returned normally (it raises on every wrong
    answer); ``message`` is the line ``report`` prints ('✅ Correct: ...' or '❌ Not yet: ...').
    """
    if not callable(check):
        raise TypeError(f"check must be a check function (e.g. check_forward), got {type(check).__name__}")
    outcome = {"passed": False}

    def recorded(value):
        result = check(value)
        outcome["passed"] = True
        return result

    message = report(recorded, answer)
    return outcome["passed"], message


def adopt(check: Callable, answer, reference: Callable):
    """Check ``answer`` with ``check``; return it if it passes, else ``reference``; print which.

    ``check``: an exercise check (raises ``ExerciseError`` for a wrong answer, returns
    the success line otherwise). ``answer``: the learner's function (or whatever they
    passed). ``reference``: the reference solution, a function of ``tmslab.solutions``.
    Prints the check's line, then one line saying which function the lesson continues with.
    """
    if not callable(reference):
        raise TypeError(f"reference must be the reference solution (a function), got {type(reference).__name__}")
    passed, message = run_check(check, answer)
    name = getattr(reference, "__name__", "the function")
    print(message)
    if passed and _is_reference(answer):   # e.g. this cell run twice without running the stub again
        print(f"   `{name}` is still the reference solution ({reference_location(answer)}): run your "
              "stub's cell, then this cell, to check yours.")
        return answer
    if passed:
        print(f"   The lesson continues with your `{name}`.")
        return answer
    print(f"   The lesson continues with the reference `{name}` ({reference_location(reference)}); "
          "fix yours, run its cell, then run this cell again to use it.")
    return reference


def whose(fn) -> str:
    """'your' for a learner's function kept by ``adopt``, 'the reference' for a reference solution."""
    if not callable(fn):
        raise TypeError(f"fn must be a function returned by adopt, got {type(fn).__name__}")
    return "the reference" if _is_reference(fn) else "your"
