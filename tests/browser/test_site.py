"""The static site: built by scripts/build_site.py, opened in headless chromium over HTTP.

The session builds a small site (the demo notebook and lessons 02 and 04 when
they exist) with the real command; ``TMSLAB_SITE_DIR=_site`` tests an existing
full build (``make site``) instead. Every request must stay on 127.0.0.1 and
succeed: require.js, the widget manager and MathJax are served from ``static/``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO
from jupyter_driver import find_lesson, screenshot
from sample_notebooks import DEMO_PATH, DIES_NAME, DIES_PATH, RAISES_NAME, RAISES_PATH
from servers import StaticServer

pytestmark = pytest.mark.browser

BUILD = [sys.executable, str(REPO / "scripts" / "build_site.py")]

_MATH_JS = """() => {
  const hub = window.MathJax && window.MathJax.Hub;
  if (!hub || hub.queue.pending || hub.queue.running) return null;
  return {scripts: document.querySelectorAll('script[type^="math/tex"]').length,
          rendered: document.querySelectorAll('.MathJax_CHTML').length,
          errors: document.querySelectorAll('.MathJax_Error, .MathJax_CHTML merror, .mjx-merror').length};
}"""

_FIGURES_JS = """() => ({
  figures: Array.from(document.querySelectorAll('.jp-OutputArea-output img')).map(i => i.naturalWidth),
  sliders: document.querySelectorAll('.widget-slider').length,
  widget_images: Array.from(document.querySelectorAll('img.widget-image')).map(i => i.naturalWidth),
})"""


def _require_assets():
    if not (REPO / "node_modules" / "mathjax" / "MathJax.js").exists():
        message = "site assets missing: run `npm ci` in the repository root (make browser does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def built_site(served_root, tmp_path_factory, artifacts) -> Path:
    existing = os.environ.get("TMSLAB_SITE_DIR")
    if existing:
        site = (REPO / existing).resolve()
        assert (site / "index.html").is_file(), f"TMSLAB_SITE_DIR={existing} has no index.html"
        return site
    _require_assets()
    site = tmp_path_factory.mktemp("site")
    lessons = [served_root / DEMO_PATH] + [p for p in (find_lesson(2), find_lesson(4)) if p]
    start = time.perf_counter()
    done = subprocess.run(BUILD + ["--out", str(site)] + [str(p) for p in lessons],
                          capture_output=True, text=True, timeout=1200)
    seconds = time.perf_counter() - start
    (artifacts / "site-build.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, f"site build failed:\n{done.stdout}\n{done.stderr}"
    print(f"\nsite build of {len(lessons)} notebooks: {seconds:.1f} s\n{done.stdout}")
    return site


def lesson_page(site: Path) -> str:
    rows = json.loads((site / "lessons.json").read_text())
    for wanted in ("02", "04"):
        for row in rows:
            if row["number"] == wanted and row["href"]:
                return row["href"]
    return next(row["href"] for row in rows if row["href"])


def test_index_lists_every_lesson(page, built_site, artifacts):
    rows = json.loads((built_site / "lessons.json").read_text())
    with StaticServer(built_site) as server:
        page.goto(f"{server.url}/index.html", wait_until="networkidle")
        links = page.eval_on_selector_all("#lessons tbody a", "as => as.map(a => a.getAttribute('href'))")
        screenshot(page, artifacts, "site-index")
        assert links == [row["href"] for row in rows if row["href"]]
        for href in links:
            assert page.request.get(f"{server.url}/{href}").ok, href
    assert not page.failed_requests, page.failed_requests
    assert not page.external_requests, page.external_requests


def test_lesson_page_renders_math_figures_and_widgets_offline(page, built_site, artifacts):
    href = lesson_page(built_site)
    with StaticServer(built_site) as server:
        page.goto(f"{server.url}/{href}", wait_until="networkidle")
        page.wait_for_function(_MATH_JS, timeout=60_000)
        math = page.evaluate(_MATH_JS)
        page.wait_for_function("() => document.querySelectorAll('img.widget-image').length > 0",
                               timeout=60_000)
        page.wait_for_load_state("networkidle")
        shown = page.evaluate(_FIGURES_JS)
        screenshot(page, artifacts, f"site-{href}")
        page.locator(".widget-slider").first.scroll_into_view_if_needed()
        screenshot(page, artifacts, f"site-{href}-widget")
    print(f"{href}: {math['rendered']} formulas, {len(shown['figures'])} figures, "
          f"{shown['sliders']} sliders from saved state")
    assert math["rendered"] > 0 and math["rendered"] >= math["scripts"], math
    assert math["errors"] == 0, math
    assert shown["figures"] and all(width > 0 for width in shown["figures"]), shown
    assert shown["sliders"] > 0 and all(width > 0 for width in shown["widget_images"]), shown
    assert not page.failed_requests, page.failed_requests
    assert not page.external_requests, page.external_requests
    assert not page.page_errors, page.page_errors


def test_every_lesson_page_loads_offline(page, built_site):
    """Each page: math typeset without errors, every image drawn, no failed or off-machine request."""
    rows = [row for row in json.loads((built_site / "lessons.json").read_text()) if row["href"]]
    with StaticServer(built_site) as server:
        for row in rows:
            page.goto(f"{server.url}/{row['href']}", wait_until="networkidle")
            page.wait_for_function(_MATH_JS, timeout=60_000)
            math, shown = page.evaluate(_MATH_JS), page.evaluate(_FIGURES_JS)
            print(f"{row['href']}: {math['rendered']} formulas, {len(shown['figures'])} figures, "
                  f"{shown['sliders']} sliders")
            assert math["errors"] == 0 and math["rendered"] >= math["scripts"], (row["href"], math)
            assert all(width > 0 for width in shown["figures"] + shown["widget_images"]), \
                (row["href"], shown)
    assert not page.failed_requests, page.failed_requests
    assert not page.external_requests, page.external_requests
    assert not page.page_errors, page.page_errors


def test_site_build_names_the_failing_lesson_and_cell(served_root, tmp_path):
    _require_assets()
    done = subprocess.run(BUILD + ["--out", str(tmp_path / "site"), str(served_root / RAISES_PATH),
                                   str(served_root / DIES_PATH)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"FAILED {RAISES_NAME}: cell 2 raised ZeroDivisionError" in done.stderr, done.stderr
    assert f"FAILED {DIES_NAME}: the kernel died while running cell 2" in done.stderr, done.stderr
    index = (tmp_path / "site" / "index.html").read_text()
    assert "not built" in index
