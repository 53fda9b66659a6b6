"""Automatic checks for the lessons' exercises, one module per lesson topic.

Every check takes the learner's function (or value), compares it with the
reference on a few cases and either returns a short success message or
raises ``ExerciseError`` saying exactly what is wrong.
"""
from .base import ExerciseError, check_close, passed, report

__all__ = ["ExerciseError", "check_close", "passed", "report"]
