"""App mode: voila serves a lesson as an app (no code), and a slider still redraws it.

Uses lesson 02 when it exists (else lesson 04, else the demo notebook), served
from the same temporary copy of the lessons as JupyterLab, like ``make app``.
"""
from __future__ import annotations

import time

import pytest
from jupyter_driver import find_lesson, move_slider_by_keyboard, screenshot, show_panel
from sample_notebooks import DEMO_PATH, RAISES_PATH

pytestmark = pytest.mark.browser

# voila's lab template links Font Awesome's CSS from a CDN; its bundle already carries the
# same icons, so the page works offline without it (the test aborts these requests).
VOILA_ICON_CSS = "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@"

_ERRORS_JS = """() => Array.from(document.querySelectorAll('.jp-Cell, .jp-OutputArea-child'))
  .map((cell, index) => ({index, text: cell.innerText}))
  .filter(c => /Traceback|Error:/.test(c.text) &&
               c.text.match(/^\\w+(Error|Exception)\\b.*$/m))
  .map(c => `output ${c.index}: ${c.text.match(/^\\w+(Error|Exception)\\b.*$/m)[0]}`)"""


def open_app(page, voila, name: str, timeout: float = 300.0) -> float:
    """Open ``name`` in voila; it executes the whole notebook before the page is complete."""
    start = time.perf_counter()
    page.goto(f"{voila.url}/voila/render/{name}?token={voila.token}", timeout=timeout * 1000)
    page.wait_for_function("() => document.querySelector('.jp-OutputArea, .voila-error, body') && "
                           "!document.querySelector('#loading')", timeout=timeout * 1000)
    errors = page.evaluate(_ERRORS_JS)
    if errors:
        raise AssertionError(f"{name} in voila: {errors[0]}")
    return time.perf_counter() - start


def app_lesson() -> str:
    for number in (2, 4):
        path = find_lesson(number)
        if path is not None:
            return f"lessons/{path.name}"
    return DEMO_PATH


def test_app_mode_slider_redraws(page, voila_app, artifacts):
    name = app_lesson()
    seconds = open_app(page, voila_app, name)
    print(f"{name}: rendered by voila in {seconds:.1f} s")
    assert page.locator(".jp-CodeCell .jp-InputArea-editor").count() == 0, "voila should hide the code"
    text = page.inner_text("body")
    for exercise_text in ("Exercise", "Not yet", "NotImplementedError", "lesson continues with"):
        assert exercise_text not in text, f"{name}: app mode shows exercise text {exercise_text!r}"
    screenshot(page, artifacts, f"app-{name}-loaded")
    before, after = move_slider_by_keyboard(page)
    show_panel(page)
    screenshot(page, artifacts, f"app-{name}-slider-moved")
    assert after["value"] != before["value"], f"{name}: the slider value did not change"
    assert after["html"] != before["html"], f"{name}: the readout did not change"
    assert after["image"] != before["image"], f"{name}: the figure was not redrawn"
    assert not [url for url in page.external_requests if not url.startswith(VOILA_ICON_CSS)], \
        page.external_requests


def test_app_mode_reports_a_raising_cell(page, voila_app):
    with pytest.raises(AssertionError, match=f"{RAISES_PATH} in voila: .*ZeroDivisionError"):
        open_app(page, voila_app, RAISES_PATH)
