"""Reference solutions of the lessons' exercises, one module per lesson.

They are readable on purpose, but they live here rather than next to the
exercise, so a reader who wants to try first is not shown the answer. A lesson
never runs them directly: after each exercise,

    forward_pass = tmslab.checks.adopt(check_forward, forward_pass,
                                       tmslab.solutions.lesson03.forward_pass)

keeps the learner's function when it passes its check and otherwise continues
with the reference here, saying so (``tmslab.checks.adopt``).

Every module ``lessonNN`` defines the reference functions under the names the
lesson's stubs use, plus ``CHECKS``: a dict mapping each function name to the
check that accepts it (``tests/test_solutions.py`` runs every pair). A new
lesson adds ``lessonNN.py`` here; nothing else needs registering.

    tmslab.solutions.show(tmslab.solutions.lesson03.forward_pass)   # print the source
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

_LESSON = re.compile(r"lesson\d\d")


def lesson_modules() -> dict:
    """``{"lesson00": module, ...}``: every ``lessonNN`` module of this package, imported."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if _LESSON.fullmatch(m.name))
    return {name: importlib.import_module(f"{__name__}.{name}") for name in names}


def show(reference) -> None:
    """Print the source code of a reference solution (a function of a ``lessonNN`` module)."""
    if not callable(reference):
        raise TypeError(f"reference must be a function of tmslab.solutions, got {type(reference).__name__}")
    module = getattr(reference, "__module__", "") or ""
    if not module.startswith(__name__ + "."):
        raise ValueError(f"reference must come from tmslab.solutions.lessonNN, got a function of {module!r}")
    print(inspect.getsource(reference).rstrip())


def __getattr__(name: str):
    # ``tmslab.solutions.lesson03`` works after a plain ``import tmslab.solutions``
    if _LESSON.fullmatch(name):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":   # a real import error inside the module
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["lesson_modules", "show"]
