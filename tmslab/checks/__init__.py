"""Automatic checks for the lessons' exercises, one module per lesson topic.

Every check takes the learner's function (or value), compares it with the
reference on a few cases and either returns a short success message or
raises ``ExerciseError`` saying exactly what is wrong. ``adopt`` runs a check
after an exercise and decides, out loud, whether the lesson continues with the
learner's function or with the reference solution (``tmslab.solutions``).
"""
from .adopt import adopt, run_check, whose
from .base import ExerciseError, check_close, passed, report

__all__ = ["ExerciseError", "adopt", "check_close", "passed", "report", "run_check", "whose"]
