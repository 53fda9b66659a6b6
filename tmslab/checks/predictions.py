"""Predict, then run: compare a prediction the learner recorded with what a model did.

A lesson asks for a prediction before it trains something:

    my_prediction = None          # the learner sets one of the choices, e.g. "pentagon"
    ... a cell trains the model and measures the outcome ...
    compare_prediction(my_prediction, outcome, choices=GEOMETRIES)

``compare_prediction`` prints the prediction next to the measured outcome and
whether they match. It never raises on the learner's input (a prediction that is
not one of the choices, or of the wrong type, is reported as such), so a lesson
always runs on; with the prediction left at ``None`` it says "no prediction
recorded" and still shows the outcome (what a stored notebook shows). Invalid
arguments from the lesson's author (choices that do not contain the outcome, a
negative tolerance) raise ``ValueError``.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing a prediction: ``matched`` is None when there was nothing to compare."""

    matched: bool | None
    text: str


def _plain(value):
    """A Python number or string from a number, a one-element tensor/array or a string."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            return value
        value = value.item()
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return value
        value = value.reshape(()).item()
    if isinstance(value, np.generic):
        value = value.item()
    return value


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _show(value) -> str:
    if _is_number(value):
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    return repr(value)


def _choice_key(value):
    """How choices compare: strings ignore case and spaces ('_' and '-' count as spaces); numbers by value."""
    if isinstance(value, str):
        return " ".join(value.replace("_", " ").replace("-", " ").lower().split())
    return value


def _number_in_quotes(prediction, choices) -> bool:
    """True for a string such as '5' when the choices are numbers."""
    if not isinstance(prediction, str) or not all(_is_number(c) for c in choices):
        return False
    try:
        float(prediction)
    except ValueError:
        return False
    return True


def _list_choices(choices: tuple) -> str:
    """'a, b, c', or 'a whole number from 0 to 20' for a long run of consecutive integers."""
    ints = all(isinstance(c, int) and not isinstance(c, bool) for c in choices)
    if ints and len(choices) > 5 and list(choices) == list(range(choices[0], choices[0] + len(choices))):
        return f"a whole number from {choices[0]} to {choices[-1]}"
    return ", ".join(_show(c) for c in choices)


def prediction_verdict(prediction, outcome, choices=None, tolerance: float = 0.0,
                       name: str = "my_prediction", what: str = "measured") -> Verdict:
    """Compare ``prediction`` with ``outcome`` and describe it in one or two lines.

    prediction: what the learner recorded (None = nothing recorded); a string, a number, or a
    one-element tensor/array.
    outcome: what the lesson measured, of the same kind.
    choices: the allowed predictions (strings or numbers), or None for any number. When
    given, ``outcome`` must be one of them; strings match ignoring case and spaces.
    tolerance >= 0: numeric predictions match when |prediction - outcome| <= tolerance.
    name: the variable the learner sets (named in the message); what: how the outcome is
    labelled ("measured" by default).
    Returns ``Verdict(matched, text)``; ``matched`` is None when no valid prediction was given.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be the prediction variable's name (a non-empty string), got {name!r}")
    if not isinstance(what, str) or not what:
        raise ValueError(f"what must be a non-empty string, got {what!r}")
    if not _is_number(tolerance) or not np.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    outcome = _plain(outcome)
    if not (_is_number(outcome) or isinstance(outcome, str)):
        raise ValueError(f"outcome must be a number or a string, got {type(outcome).__name__}")
    keys = None
    if choices is not None:
        choices = tuple(_plain(c) for c in choices)
        if not choices or not all(_is_number(c) or isinstance(c, str) for c in choices):
            raise ValueError(f"choices must be a non-empty sequence of strings or numbers, got {choices!r}")
        keys = [_choice_key(c) for c in choices]
        if _choice_key(outcome) not in keys:
            raise ValueError(f"outcome {outcome!r} is not one of the choices {choices!r}")
    shown_outcome = f"{what}: {_show(outcome)}"
    listed = "" if choices is None else _list_choices(choices)
    allowed = "" if not listed else f" ({listed})" if listed.startswith("a whole") else f" (one of {listed})"

    prediction = _plain(prediction)
    if prediction is None:
        return Verdict(None, f"No prediction recorded: set `{name}`{allowed} in its cell, then run "
                             f"the cells from there again.\n{shown_outcome}")
    if keys is not None and not (_is_number(prediction) or isinstance(prediction, str)):
        return Verdict(None, f"`{name}` = {prediction!r} is not one of the choices: {listed}.\n"
                             f"{shown_outcome}")
    if _number_in_quotes(prediction, choices if keys is not None else (outcome,)):
        return Verdict(None, f"`{name}` = {prediction!r} is text, not a number: write it without quotes, "
                             f"{name} = {prediction.strip()}.\n{shown_outcome}")
    if keys is not None and _choice_key(prediction) not in keys:
        return Verdict(None, f"`{name}` = {_show(prediction)} is not one of the choices: {listed}.\n"
                             f"{shown_outcome}")
    if keys is None and isinstance(prediction, str) and _is_number(outcome):
        return Verdict(None, f"`{name}` should be a number, got the text {prediction!r}.\n{shown_outcome}")
    if isinstance(outcome, str) or isinstance(prediction, str):
        matched = _choice_key(prediction) == _choice_key(outcome)
    elif _is_number(prediction):
        matched = bool(abs(prediction - outcome) <= tolerance + 1e-12)
    else:
        return Verdict(None, f"`{name}` should be a number, got {type(prediction).__name__}.\n{shown_outcome}")
    within = f" (within {tolerance:g})" if tolerance and _is_number(prediction) else ""
    off = f" (off by {_show(abs(prediction - outcome))})" if _is_number(prediction) and _is_number(outcome) else ""
    verdict = "✓ they match" + within if matched else "✗ they differ" + off
    return Verdict(matched, f"prediction: {_show(prediction)}   {shown_outcome}   {verdict}")


def compare_prediction(prediction, outcome, choices=None, tolerance: float = 0.0,
                       name: str = "my_prediction", what: str = "measured") -> None:
    """Print the prediction next to the measured outcome and whether they match.

    Never raises on the learner's prediction (see ``prediction_verdict`` for the arguments);
    prints "No prediction recorded" and the outcome when ``prediction`` is None.
    """
    print(prediction_verdict(prediction, outcome, choices, tolerance, name, what).text)
