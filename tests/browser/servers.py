"""Start and stop the local servers the browser tests talk to (127.0.0.1 only).

A ``Server`` runs one command in its own process group, logs to a file, waits
until a URL answers, and is stopped by its PID: SIGTERM (JupyterLab and voila
shut their kernels down on it), then SIGKILL for the whole group if anything
is left after ``grace`` seconds.
"""
from __future__ import annotations

import functools
import http.server
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Server:
    """A command serving HTTP on 127.0.0.1, started and stopped by its PID."""

    def __init__(self, name: str, argv: list[str], cwd: Path, env: dict, ready_url: str,
                 log_path: Path):
        self.name, self.argv, self.cwd, self.env = name, argv, Path(cwd), env
        self.ready_url, self.log_path = ready_url, Path(log_path)
        self.proc: subprocess.Popen | None = None
        self.startup_seconds = float("nan")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, n_chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n_chars:]
        except OSError:
            return ""

    def start(self, timeout: float = 120.0) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.proc.returncode} before it "
                                   f"answered {self.ready_url}; log {self.log_path}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=5) as response:
                    if response.status == 200:
                        self.startup_seconds = time.perf_counter() - start
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {self.ready_url} within {timeout:.0f} s; "
                           f"log {self.log_path}:\n{self.log_tail()}")

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM to the server's PID; SIGKILL to its process group after ``grace`` seconds."""
        if self.proc is None:
            return
        pid = self.proc.pid
        if self.proc.poll() is None:
            os.kill(pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if _alive(pid):  # the server or a kernel it started is still there
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        self.proc = None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class StaticServer:
    """Serve a folder (the built site) over HTTP on 127.0.0.1 from a thread."""

    def __init__(self, folder: Path):
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> StaticServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
