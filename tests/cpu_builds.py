"""Subprocess builds for the cross-CPU tests: kernels compiled for the host, AVX2 and baseline x86-64.

``cpu_builds(tmp_path)`` gives, per build name, the environment that makes numba compile for that CPU
(``NUMBA_CPU_NAME``) and turns torch's and numpy's SIMD dispatch down to match, each with its own
compile cache under ``tmp_path``; AVX2 only when the host has it, and no x86 builds on other machines.
``spawn`` runs a fingerprint script in such an environment (nothing of the caller's CPU settings leaks
in) and ``output`` waits for it and returns what it printed.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

NO_AVX512 = "X86_V4 AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"
CPU_SETTINGS = ("NUMBA_CPU_NAME", "ATEN_CPU_CAPABILITY", "NPY_DISABLE_CPU_FEATURES", "NUMBA_CACHE_DIR")


def cpu_flags() -> set[str]:
    """The host's CPU flags from /proc/cpuinfo (empty where it cannot be read)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_builds(tmp_path: Path) -> dict[str, dict[str, str]]:
    """{'host': ..., 'avx2': ... (if the host has AVX2), 'baseline': ...}: environment per build."""
    builds = {"host": {}}
    if platform.machine() in ("x86_64", "AMD64"):
        if "avx2" in cpu_flags():
            builds["avx2"] = {"NUMBA_CPU_NAME": "haswell", "ATEN_CPU_CAPABILITY": "avx2",
                              "NPY_DISABLE_CPU_FEATURES": NO_AVX512}
        builds["baseline"] = {"NUMBA_CPU_NAME": "generic", "ATEN_CPU_CAPABILITY": "default",
                              "NPY_DISABLE_CPU_FEATURES": NO_AVX512 + " X86_V3 AVX2 FMA3 AVX F16C"}
    for name, env in builds.items():
        env["NUMBA_CACHE_DIR"] = str(tmp_path / f"cache-{name}")
    return builds


def spawn(script: Path, build: dict[str, str]) -> subprocess.Popen:
    """Start ``python script`` with one build's environment, two numba threads and no progress bars."""
    env = {k: v for k, v in os.environ.items() if k not in CPU_SETTINGS}
    env.update(build, TMSLAB_PROGRESS="0", NUMBA_NUM_THREADS="2")
    return subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def output(proc: subprocess.Popen) -> str:
    """Wait for a spawned script; its stdout (the test fails with its stderr if it failed)."""
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-3000:]
    return out
