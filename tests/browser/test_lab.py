"""Lessons in JupyterLab in headless chromium: run all cells, move a slider, see it redraw.

Lessons 02 and 04 are picked by name (``lessons/02_*.ipynb``, ``lessons/04_*.ipynb``)
and skipped with a reason while they do not exist; in lesson 04 the live-training
explorer's sparsity slider is moved too (it retrains a model); a miniature lesson written
by the test (``browser_demo.ipynb``) always runs. ``TMSLAB_BROWSER_ALL=1`` also
runs every other lesson top to bottom. The error-path tests check that a
raising cell or a dying kernel is reported with the notebook and cell.
"""
from __future__ import annotations

import os
import time

import pytest
from jupyter_driver import (LessonFailure, find_lesson, move_slider_by_keyboard, open_notebook,
                            run_all_cells, screenshot, show_panel)
from sample_notebooks import DEMO_PATH, DIES_PATH, RAISES_PATH

pytestmark = pytest.mark.browser

SLIDER_LESSONS = (2, 4)


def run_and_move_slider(page, lab, name, artifacts):
    open_notebook(page, lab, name)
    state = run_all_cells(page, name)
    n_code = sum(c["type"] == "code" for c in state["cells"])
    print(f"{name}: {n_code} code cells ran in {state['seconds']:.1f} s in JupyterLab")
    screenshot(page, artifacts, f"lab-{name}-ran")
    before, after = move_slider_by_keyboard(page)
    show_panel(page)
    screenshot(page, artifacts, f"lab-{name}-slider-moved")
    assert after["value"] != before["value"], f"{name}: the slider value did not change"
    assert after["html"] != before["html"], (
        f"{name}: the readout did not change: {before['html']!r}")
    assert after["image"] != before["image"], f"{name}: the figure was not redrawn"
    assert after["width"] > 0, f"{name}: the redrawn figure did not render"
    print(f"{name}: slider {before['value']} -> {after['value']}; readout "
          f"{before['html'][:60]!r} -> {after['html'][:60]!r}")


def test_demo_notebook_runs_and_slider_redraws(page, jupyter_lab, artifacts):
    run_and_move_slider(page, jupyter_lab, DEMO_PATH, artifacts)


@pytest.mark.parametrize("number", SLIDER_LESSONS, ids=[f"lesson{n:02d}" for n in SLIDER_LESSONS])
def test_lesson_runs_and_slider_redraws(page, jupyter_lab, artifacts, number):
    path = find_lesson(number)
    if path is None:
        pytest.skip(f"lesson {number:02d} does not exist yet (no lessons/{number:02d}_*.ipynb)")
    run_and_move_slider(page, jupyter_lab, f"lessons/{path.name}", artifacts)


@pytest.mark.parametrize("number", [n for n in range(10) if n not in SLIDER_LESSONS])
def test_other_lesson_runs(page, jupyter_lab, artifacts, number):
    if os.environ.get("TMSLAB_BROWSER_ALL") != "1":
        pytest.skip("set TMSLAB_BROWSER_ALL=1 to run every lesson in the browser")
    path = find_lesson(number)
    if path is None:
        pytest.skip(f"lesson {number:02d} does not exist yet (no lessons/{number:02d}_*.ipynb)")
    open_notebook(page, jupyter_lab, f"lessons/{path.name}")
    run_all_cells(page, f"lessons/{path.name}")
    screenshot(page, artifacts, f"lab-{path.name}-ran")


@pytest.mark.parametrize("name, expected", [
    (RAISES_PATH, ["cell 2", "x / 0", "raised ZeroDivisionError"]),
    (DIES_PATH, ["kernel died", "cell 2", "os.kill"]),
], ids=["cell-raises", "kernel-dies"])
def test_failure_is_reported_with_lesson_and_cell(page, jupyter_lab, artifacts, name, expected):
    open_notebook(page, jupyter_lab, name)
    start = time.monotonic()
    with pytest.raises(LessonFailure) as failure:
        run_all_cells(page, name, timeout=120)
    seconds = time.monotonic() - start
    screenshot(page, artifacts, f"lab-{name}-failure")
    message = str(failure.value)
    print(f"reported in {seconds:.1f} s: {message}")
    assert message.startswith(name)
    for part in expected:
        assert part in message
    assert "not finished" not in message and seconds < 60, "reported as a timeout"


# ----------------------------------------------------------------------------- the live explorer

_LIVE_JS = """async () => {
  // The live-training explorer: the Panel (widget-vbox) whose controls start with a Play button.
  const play = document.querySelector('.widget-play, .jupyter-widget-play');
  const box = play && play.closest('.widget-vbox');
  if (!box) return {found: false};
  const slider = box.querySelector('.widget-slider');          // the first slider after Play: sparsity S
  const img = box.querySelector('img');
  let bytes = '';
  if (img && img.src) {
    const data = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    bytes = data.length + ':' + data.reduce((h, b) => (h * 31 + b) >>> 0, 7);
  }
  const label = slider && slider.querySelector('.widget-label');
  return {found: true, label: label ? label.innerText.trim() : '',
          value: slider ? (slider.querySelector('.widget-readout') || {}).innerText : null,
          html: Array.from(box.querySelectorAll('.widget-html')).map(e => e.innerText.trim()).join(' | '),
          image: bytes, width: img ? img.naturalWidth : 0};
}"""


def live_state(page) -> dict:
    """The live explorer's sparsity slider (label, value), readout text and a digest of its figure."""
    return page.evaluate(_LIVE_JS)


def test_lesson04_live_explorer_retrains_when_its_sparsity_slider_moves(page, jupyter_lab, artifacts):
    path = find_lesson(4)
    if path is None:
        pytest.skip("lesson 04 does not exist yet (no lessons/04_*.ipynb)")
    name = f"lessons/{path.name}"
    open_notebook(page, jupyter_lab, name)
    run_all_cells(page, name)
    deadline = time.monotonic() + 60
    before = live_state(page)
    while not (before["found"] and before["width"] > 0 and before["html"]):
        assert time.monotonic() < deadline, f"{name}: the live explorer did not render: {before}"
        time.sleep(0.25)
        before = live_state(page)
    assert before["label"].startswith("sparsity"), before["label"]
    handle = page.locator(".widget-vbox:has(.widget-play) .widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    after = before
    for _ in range(3):                       # each press retrains (well under a second) and redraws
        page.keyboard.press("ArrowLeft")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            after = live_state(page)
            if after["value"] != before["value"] and after["image"] != before["image"] \
                    and after["html"] != before["html"]:
                break
            time.sleep(0.25)
        if after["image"] != before["image"]:
            break
    screenshot(page, artifacts, "lab-lesson04-live-explorer-moved")
    assert after["value"] != before["value"], f"{name}: the sparsity slider did not move"
    assert after["image"] != before["image"], f"{name}: the live explorer's figure was not redrawn"
    assert after["html"] != before["html"], f"{name}: the readout did not change: {before['html']!r}"
    assert after["width"] > 0
    print(f"{name}: live explorer sparsity {before['value']} -> {after['value']}; readout "
          f"{before['html'][:80]!r} -> {after['html'][:80]!r}")
