"""App mode leaves the exercises out (no browser needed): voila with the course's template.

``make app`` serves the lessons with ``share/jupyter/voila/templates/tmslab``: cells tagged
``exercise`` (task, stub, check) are executed but not shown, so later cells still see what
they define. Checked on a small notebook by fetching the page voila renders.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

pytest.importorskip("voila")
REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_voila_template_runs_exercise_cells_without_showing_them(tmp_path):
    cells = [new_markdown_cell("# A visible heading"),
             new_markdown_cell("### Exercise: HIDDEN_TASK"),
             new_code_cell("def f():\n    raise NotImplementedError('HIDDEN_STUB')"),
             new_code_cell("value = 41\nprint('HIDDEN_CHECK')"),
             new_code_cell("print('VISIBLE', value + 1)")]
    for cell in cells[1:4]:
        cell.metadata["tags"] = ["exercise"]
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), tmp_path / "app.ipynb")
    port, token = _free_port(), secrets.token_hex(8)
    env = dict(os.environ, JUPYTER_PATH=str(REPO / "share" / "jupyter"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log = open(tmp_path / "voila.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "voila", "--no-browser", "--Voila.ip=127.0.0.1",
                             f"--port={port}", f"--Voila.token={token}", "--template=tmslab", "app.ipynb"],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        page, deadline = None, time.monotonic() + 120
        while page is None and time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "voila.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/?token={token}", timeout=60) as r:
                    page = r.read().decode()
            except OSError:
                time.sleep(0.5)
        assert page is not None, (tmp_path / "voila.log").read_text()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()
    assert "A visible heading" in page
    assert "VISIBLE 42" in page                 # the hidden cells ran (value = 41)
    for hidden in ("HIDDEN_TASK", "HIDDEN_STUB", "HIDDEN_CHECK"):
        assert hidden not in page, f"app mode shows {hidden}"
