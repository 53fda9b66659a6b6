"""Drive JupyterLab and voila pages as a learner does, with Playwright.

Actions go through the real interface (menus, the keyboard on a slider
handle); JupyterLab's state (kernel status, each cell's execution count,
state and error output) is read from the app object that
``--LabApp.expose_app_in_browser`` exposes, so a failing lesson is reported
with its name and cell instead of as a timeout.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

LESSONS = Path(__file__).resolve().parents[2] / "lessons"


class LessonFailure(AssertionError):
    """A lesson raised in a cell, lost its kernel, or did not finish: names the lesson and cell."""


def find_lesson(number: int) -> Path | None:
    """``lessons/NN_*.ipynb`` for lesson ``number``, or None while it does not exist."""
    found = sorted(LESSONS.glob(f"{number:02d}_*.ipynb"))
    return found[0] if found else None


def screenshot(page, folder: Path, name: str) -> Path:
    """Save a PNG of the visible page as a test artifact and return its path."""
    path = Path(folder) / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path))
    return path


# ----------------------------------------------------------------------------- JupyterLab

_STATE_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.map((cell, index) => {
    const model = cell.model;
    const tags = (model.getMetadata && model.getMetadata('tags')) || [];
    const info = {index, type: model.type, source: model.sharedModel.getSource().split('\\n')[0].slice(0, 100)};
    if (model.type === 'code') {
      const outputs = model.outputs.toJSON();
      const error = outputs.find(o => o.output_type === 'error');
      info.count = model.executionCount;
      info.state = model.executionState || 'idle';
      info.error = error && !tags.includes('raises-exception') ? `${error.ename}: ${error.evalue}` : null;
    }
    return info;
  });
  // the cell the kernel last announced (execute_input) that has not finished
  const started = cells.filter(c => c.type === 'code' && c.count === null &&
    panel.content.widgets[c.index].model.sharedModel.getSource() === window.__tmslabLastInput);
  return {kernel: kernel ? kernel.status : 'none', history: window.__tmslabKernelHistory || [], cells,
          started: started.length ? started[0].index : -1};
}"""

_WATCH_KERNEL_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  window.__tmslabKernelHistory = [];
  window.__tmslabLastInput = null;
  panel.sessionContext.iopubMessage.connect((_, msg) => {
    if (msg.header.msg_type === 'execute_input') window.__tmslabLastInput = msg.content.code;
  });
  panel.sessionContext.statusChanged.connect((_, status) => {
    const running = panel.content.widgets.findIndex(c => c.model.type === 'code' && c.model.executionState === 'running');
    window.__tmslabKernelHistory.push({status, running});
  });
}"""

_KERNEL_IDLE_JS = """(name) => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== name || !panel.content) return false;
  const kernel = panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && panel.content.widgets.length > 0;
}"""

DEAD = ("dead", "autorestarting", "restarting")


def open_notebook(page, lab, name: str, timeout: float = 120.0) -> None:
    """Open ``name`` alone (``reset``: no tabs restored) and wait until its kernel is idle."""
    page.goto(f"{lab.url}/lab/tree/{name}?reset&token={lab.token}")
    page.wait_for_function(_KERNEL_IDLE_JS, arg=name, timeout=timeout * 1000)
    page.evaluate(_WATCH_KERNEL_JS)


def menu(page, menu_label: str, command: str) -> None:
    """Click ``menu_label`` in the menu bar, then the item that runs ``command``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu_label}$")).click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').first.click()


def _describe(cell: dict) -> str:
    return f"cell {cell['index']} (`{cell['source']}`)"


def run_all_cells(page, name: str, timeout: float = 300.0, poll: float = 0.25) -> dict:
    """Clear all outputs and run every cell from the Run menu; wait until all have run.

    Raises ``LessonFailure`` naming the lesson and the cell as soon as a cell
    shows an error output (one not tagged ``raises-exception``), as soon as the
    kernel dies or restarts, or when ``timeout`` passes (naming the cell still
    running). Returns the final state and the wall time in ``seconds``.
    """
    menu(page, "Edit", "editmenu:clear-all")
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.widgets"
                           ".every(c => c.model.type !== 'code' || c.model.executionCount === null)",
                           timeout=30_000)
    start = time.perf_counter()
    menu(page, "Run", "runmenu:run-all")
    deadline = time.monotonic() + timeout
    while True:
        state = page.evaluate(_STATE_JS)
        code = [c for c in state["cells"] if c["type"] == "code"]
        for cell in code:
            if cell["error"]:
                raise LessonFailure(f"{name}: {_describe(cell)} raised {cell['error']}")
        died = [h for h in state["history"] if h["status"] in DEAD] or (
            [{"status": state["kernel"], "running": -1}] if state["kernel"] in DEAD else [])
        if died:
            # Blame the cell the kernel last announced (execute_input) and did not finish;
            # failing that, the first code cell that never got an execution count (counts
            # were cleared first). A kernel killed within milliseconds of finishing a cell
            # can lose that cell's reply, so this names the cell that was started last.
            time.sleep(1.0)
            state = page.evaluate(_STATE_JS)
            pending = [c for c in state["cells"] if c["type"] == "code" and c["count"] is None]
            running = state["started"] if state["started"] >= 0 else (
                pending[0]["index"] if pending else died[0]["running"])
            where = _describe(state["cells"][running]) if running >= 0 else "a cell"
            raise LessonFailure(f"{name}: the kernel died ({died[0]['status']}) while running {where}")
        if state["kernel"] == "idle" and all(c["count"] is not None and c["state"] == "idle"
                                             for c in code):
            state["seconds"] = time.perf_counter() - start
            return state
        if time.monotonic() > deadline:
            running = [c for c in code if c["state"] == "running"] or [
                c for c in code if c["count"] is None]
            where = _describe(running[0]) if running else "no cell"
            raise LessonFailure(f"{name}: not finished after {timeout:.0f} s; still at {where}")
        time.sleep(poll)


# ----------------------------------------------------------------------------- widgets

_PANEL_JS = """async (index) => {
  // The index-th slider that sits in a panel with an image (tmslab.widgets.Panel).
  const sliders = Array.from(document.querySelectorAll('.widget-slider')).filter(s => {
    const box = s.closest('.widget-vbox');
    return box && box.querySelector('img');
  });
  if (index >= sliders.length) return {count: sliders.length};
  const slider = sliders[index];
  const box = slider.closest('.widget-vbox');
  const img = box.querySelector('img');
  let bytes = '';
  if (img && img.src) {
    const data = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    bytes = Array.from(data.slice(0, 64)).join(',') + ':' + data.length + ':' +
            data.reduce((h, b) => (h * 31 + b) >>> 0, 7);
  }
  const readouts = Array.from(box.querySelectorAll('.widget-html')).map(e => e.innerText.trim());
  const handle = slider.querySelector('.noUi-handle');
  return {count: sliders.length, value: (slider.querySelector('.widget-readout') || {}).innerText,
          now: handle && Number(handle.getAttribute('aria-valuenow')),
          min: handle && Number(handle.getAttribute('aria-valuemin')),
          max: handle && Number(handle.getAttribute('aria-valuemax')),
          html: readouts.join(' | '), image: bytes, width: img ? img.naturalWidth : 0};
}"""


def panel_state(page, index: int = 0) -> dict:
    """Slider value, panel readout text and a digest of the panel's figure (PNG bytes)."""
    return page.evaluate(_PANEL_JS, index)


def wait_for_panel(page, timeout: float = 60.0) -> dict:
    """Wait until a slider panel has rendered with a drawn figure; return its state."""
    deadline = time.monotonic() + timeout
    while True:
        state = panel_state(page)
        if state["count"] and state["width"] > 0 and state["html"]:
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"no slider panel with a figure rendered within {timeout:.0f} s "
                                 f"({state['count']} slider panels found)")
        time.sleep(0.25)


def move_slider_by_keyboard(page, presses: int = 6, per_press: float = 10.0) -> tuple[dict, dict]:
    """Focus the first panel slider's handle and press an arrow key until the panel redraws.

    Moves towards the farther end of the range one key press at a time; after
    each press waits (up to ``per_press`` seconds) for the slider value and the
    figure to change, and stops once the value, the readout and the figure have
    all changed. Returns the panel state (before, after).
    """
    before = wait_for_panel(page)
    handle = page.locator(".widget-vbox .widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    key = "ArrowRight" if before["max"] - before["now"] >= before["now"] - before["min"] else "ArrowLeft"
    after = previous = before
    for _ in range(presses):
        page.keyboard.press(key)
        deadline = time.monotonic() + per_press
        while time.monotonic() < deadline:
            after = panel_state(page)
            if after["value"] != previous["value"] and after["image"] != previous["image"]:
                break
            time.sleep(0.25)
        if all(after[k] != before[k] for k in ("value", "image", "html")):
            break
        previous = after
    return before, after


def show_panel(page) -> None:
    """Scroll the first slider panel to the top of the view (controls, readout and figure)."""
    page.evaluate("""() => {
      const slider = document.querySelector('.widget-vbox .widget-slider');
      const box = slider && slider.closest('.widget-vbox');
      if (box) box.scrollIntoView({block: 'start'});
    }""")
    page.wait_for_timeout(300)
