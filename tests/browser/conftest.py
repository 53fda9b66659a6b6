"""Fixtures for the browser tests: headless Debian chromium, JupyterLab, voila.

Every test here carries the ``browser`` marker (``pytest tests -m "not browser"``
skips them all). Servers listen on 127.0.0.1 only, use a fresh token, run from
a temporary folder laid out like the repository (copies of the lessons in
``lessons/``, the sample notebooks in ``browser-fixtures/``, never inside the real
``lessons/``) and are stopped by their PID. Screenshots and server logs go to
``artifacts/browser/``.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LESSONS = REPO / "lessons"
ARTIFACTS = REPO / "artifacts" / "browser"
sys.path.insert(0, str(HERE))

from sample_notebooks import FIXTURES, write_demo, write_dies, write_raises  # noqa: E402
from servers import Server, free_port  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

# JupyterLab settings for a quiet, deterministic session: no news or update checks
# (no network), no autosave (the copy of the lessons stays as it was), every cell
# kept in the DOM (no windowing) and the default kernel started without a dialog.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none", "autoStartDefaultKernel": True},
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def server_env(tmp: Path) -> dict:
    """Environment for JupyterLab / voila and their kernels: isolated config, inline plots."""
    env = dict(os.environ)
    env.update(TMSLAB_PROGRESS="0", MPLBACKEND=INLINE_BACKEND, PYTHONUNBUFFERED="1",
               JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"))
    env.pop("JUPYTER_TOKEN", None)
    return env


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = os.environ.get("TMSLAB_CHROMIUM", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        message = (f"chromium not found at {path}: run `bash scripts/install_browser.sh` "
                   "(`make browser` does it first)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_executable, headless=True,
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab (own context) that records failed requests and page errors.

    Requests to anything but 127.0.0.1 are aborted and listed in ``external_requests``
    (the course must work offline).
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.failed_requests, tab.page_errors, tab.external_requests = [], [], []

    def local_only(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            tab.external_requests.append(url)
            route.abort()

    context.route("**/*", local_only)
    tab.on("requestfailed",
           lambda r: tab.failed_requests.append(f"{r.url} ({r.failure})"))
    tab.on("response",
           lambda r: tab.failed_requests.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    tab.on("pageerror", lambda e: tab.page_errors.append(str(e)))
    yield tab
    context.close()


@pytest.fixture(scope="session")
def served_root(tmp_path_factory) -> Path:
    """The served folder: ``lessons/`` (copies of the lessons) and ``browser-fixtures/`` (the sample
    notebooks), like the repository root that ``make lab`` serves; the real lessons/ is never written."""
    root = tmp_path_factory.mktemp("course")
    (root / "lessons").mkdir()
    for nb in sorted(LESSONS.glob("*.ipynb")):
        shutil.copy2(nb, root / "lessons" / nb.name)
    fixtures = root / FIXTURES
    fixtures.mkdir()
    write_demo(fixtures)
    write_raises(fixtures)
    write_dies(fixtures)
    return root


@pytest.fixture(scope="session")
def jupyter_lab(served_root, tmp_path_factory, artifacts):
    """JupyterLab on 127.0.0.1 with a random token; yields the ``Server`` (``.url``, ``.token``)."""
    tmp = tmp_path_factory.mktemp("lab-state")
    for rel, values in LAB_SETTINGS.items():
        target = tmp / "settings" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served_root}",
            "--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=False",
            "--allow-root"]
    server = Server("JupyterLab", argv, served_root, server_env(tmp),
                    f"http://127.0.0.1:{port}/api/status?token={token}", artifacts / "jupyterlab.log")
    server.url, server.token = f"http://127.0.0.1:{port}", token
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def voila_app(served_root, tmp_path_factory, artifacts):
    """voila serving the folder as apps like ``make app``: sources stripped, the course's template
    (``share/jupyter/voila/templates/tmslab``: exercise cells run but are not shown)."""
    tmp = tmp_path_factory.mktemp("voila-state")
    port, token = free_port(), secrets.token_hex(16)
    argv = [sys.executable, "-m", "voila", "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}",
            "--Voila.port_retries=0", f"--token={token}", "--show_tracebacks=True", "--template=tmslab",
            str(served_root)]
    env = server_env(tmp)
    env["JUPYTER_PATH"] = str(REPO / "share" / "jupyter")
    server = Server("voila", argv, served_root, env,
                    f"http://127.0.0.1:{port}/?token={token}", artifacts / "voila.log")
    server.url, server.token = f"http://127.0.0.1:{port}", token
    server.start()
    yield server
    server.stop()
