"""Installs that fit their users: metadata, pinned sets, Binder, and the built wheel.

- ``pyproject.toml``: SPDX licence with its file, one version source, ranges that contain
  the pins CI runs; the extras match the pinned files in ``requirements/``.
- ``requirements/learner.txt`` (``make lab``) has no test, site or app tooling; the test set
  contains the others; no package index is named in any pinned file.
- Binder: ``repo2docker --no-build`` (no docker needed) picks up ``binder/``, installs the
  learner's pins, the CPU torch and the package; README's badge opens lesson 00.
- ``package`` marker (``make package``, 1-2 min): the wheel, installed outside the repository
  into a fresh venv, has no test/site/app tooling and trains a model.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
REQS = REPO / "requirements"
# Tools a learner never needs; none of them may reach requirements/learner.txt or the wheel's core.
TOOLING = {"pytest", "nbval", "playwright", "voila", "jupytext", "hypothesis", "jupyter-repo2docker"}
INDEX_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links")


def read_pins(path: Path) -> dict[str, Requirement]:
    """Requirements of a pip requirements file, following ``-r`` (relative to the file)."""
    pins: dict[str, Requirement] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r"):
            pins.update(read_pins(path.parent / line[2:].strip()))
            continue
        assert not line.startswith("-"), f"{path.name}: unexpected option {line!r}"
        req = Requirement(line)
        pins[canonicalize_name(req.name)] = req
    return pins


def exact(req: Requirement) -> Version:
    (spec,) = req.specifier
    assert spec.operator == "==", f"{req} is not an exact pin"
    return Version(spec.version)


def project_requirements(items) -> dict[str, Requirement]:
    return {canonicalize_name(r.name): r for r in map(Requirement, items)}


LEARNER = read_pins(REQS / "learner.txt")
SITE = read_pins(REQS / "site.txt")
APP = read_pins(REQS / "app.txt")
TEST = read_pins(REQS / "test.txt")
CORE = project_requirements(PROJECT["dependencies"])
EXTRAS = {name: project_requirements(reqs) for name, reqs in PROJECT["optional-dependencies"].items()}


# --- metadata -------------------------------------------------------------------------------

def test_licence_is_mit_with_its_file():
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 tmslab authors" in text
    setuptools_req = Requirement(PYPROJECT["build-system"]["requires"][0])
    assert setuptools_req.name == "setuptools" and setuptools_req.specifier == SpecifierSet(">=77")


def test_one_version_source():
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "tmslab.__version__"}
    init = (REPO / "tmslab" / "__init__.py").read_text()
    assert len(re.findall(r"^__version__ = \"[0-9][^\"]*\"$", init, flags=re.M)) == 1


def test_python_range_claims_what_ci_runs():
    """One tested Python (3.11): the lower bound, the only version classifier, Binder's and conda's."""
    requires = SpecifierSet(PROJECT["requires-python"])
    assert Version(platform.python_version()) in requires
    tested = "3.11"
    assert requires == SpecifierSet(f">={tested}")
    pattern = r"Programming Language :: Python :: 3\.\d+"
    versions = [c for c in PROJECT["classifiers"] if re.fullmatch(pattern, c)]
    assert versions == [f"Programming Language :: Python :: {tested}"]
    assert (REPO / "binder" / "runtime.txt").read_text().strip() == f"python-{tested}"
    assert f"python={tested}" in yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]


def test_core_ranges_contain_the_learner_pins():
    """The learner's pins are the core dependencies (plus llvmlite, numba's), each inside its range."""
    assert set(LEARNER) - set(CORE) == {"llvmlite"}
    assert set(CORE) <= set(LEARNER)
    for name, req in CORE.items():
        pin = exact(LEARNER[name])
        assert req.specifier.contains(pin, prereleases=False), f"{name}: pin {pin} outside {req}"
        (lower,) = [Version(s.version).release for s in req.specifier if s.operator == ">="]
        assert lower == pin.release[:len(lower)], f"{name}: the lower bound {req} is not the tested pin {pin}"


def test_torch_is_pinned_exactly_and_the_range_is_the_tested_minor():
    assert str(LEARNER["torch"].specifier) == "==2.13.0"
    assert CORE["torch"].specifier == SpecifierSet(">=2.13,<2.14")


def test_learner_set_has_no_tooling():
    assert not TOOLING & set(LEARNER)
    assert not TOOLING & set(CORE)
    assert "nbconvert" not in LEARNER and "nbconvert" not in CORE  # comes with jupyter_server, not asked for


def test_pinned_sets_match_the_extras():
    """site.txt = learner + [site], app.txt = learner + [app], test.txt = all of them + [test]."""
    assert set(SITE) - set(LEARNER) == set(EXTRAS["site"])
    assert set(APP) - set(LEARNER) == set(EXTRAS["app"])
    test_own = {n for n in EXTRAS["test"] if n != "tmslab"}
    assert set(TEST) == set(LEARNER) | set(SITE) | set(APP) | test_own
    assert str(EXTRAS["test"]["tmslab"]) == "tmslab[app,site]"
    assert TOOLING <= set(TEST)
    for extras in EXTRAS.values():
        for name, req in extras.items():
            if name != "tmslab":
                assert req.specifier.contains(exact(TEST[name])), f"{name}: pin outside {req}"


def test_every_pin_is_exact_and_no_index_is_named():
    for path in [REPO / "requirements.txt", *sorted(REQS.glob("*.txt"))]:
        for line in path.read_text().splitlines():
            assert not line.strip().startswith(INDEX_OPTIONS), f"{path.name}: {line}"
    for req in TEST.values():
        exact(req)
    assert read_pins(REPO / "requirements.txt") == LEARNER


def test_installed_versions_are_the_pins():
    """The venv running this is what requirements/test.txt pins (catches a stale install)."""
    wrong = {}
    for name, req in TEST.items():
        have = importlib.metadata.version(name)
        if not req.specifier.contains(have):
            wrong[name] = (have, str(req.specifier))
    assert not wrong, f"installed != pinned (make setup-test): {wrong}"


def test_environment_yml_installs_the_learner_pins_with_cpu_torch():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    (pip_lines,) = [d["pip"] for d in deps if isinstance(d, dict)]
    assert pip_lines == ["--extra-index-url https://download.pytorch.org/whl/cpu",
                         "-r requirements/learner.txt", "-e ."]


# --- Binder ---------------------------------------------------------------------------------

def test_cpu_wheel_wins_over_the_cuda_one_for_the_pin():
    """Why the extra CPU index suffices: ``==2.13.0`` accepts ``2.13.0+cpu``, which sorts above ``2.13.0``."""
    pin = LEARNER["torch"].specifier
    assert pin.contains("2.13.0+cpu") and pin.contains("2.13.0")
    assert Version("2.13.0+cpu") > Version("2.13.0")


def test_binder_requirements_install_learner_pins_cpu_torch_and_the_package():
    text = (REPO / "binder" / "requirements.txt").read_text()
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    assert lines == ["--extra-index-url https://download.pytorch.org/whl/cpu",
                     "-r ../requirements/learner.txt", "."]
    # pip reads nested -r relative to the file and `.` relative to its working directory,
    # which repo2docker sets to the repository (WORKDIR ${REPO_DIR}, checked below).
    assert (REPO / "binder" / "../requirements/learner.txt").resolve() == REQS / "learner.txt"
    assert PROJECT["name"] == "tmslab"


@pytest.fixture(scope="module")
def dockerfile() -> str:
    """The Dockerfile repo2docker would build for this repository; no docker daemon is contacted."""
    env = dict(os.environ, DOCKER_HOST="unix:///nonexistent/docker.sock")
    done = subprocess.run([sys.executable, "-m", "repo2docker", "--no-build", "--user-id", "1000",
                           "--user-name", "jovyan", str(REPO)],
                          capture_output=True, text=True, env=env, timeout=300, cwd=REPO.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Building conda environment for python=3.11" in done.stderr
    return done.stdout


def test_repo2docker_picks_up_binder(dockerfile):
    lines = dockerfile.splitlines()

    def index(fragment: str) -> int:
        found = [i for i, line in enumerate(lines) if fragment in line]
        assert len(found) == 1, (fragment, found)
        return found[0]

    workdir = index("WORKDIR ${REPO_DIR}")
    copy_repo = index("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    pip = index('${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"')
    post = index("RUN ./binder/postBuild")
    assert workdir < copy_repo < pip < post  # the whole repo is there when `.` is installed


def test_postbuild_imports_and_trains():
    post = REPO / "binder" / "postBuild"
    assert os.access(post, os.X_OK)
    assert 'import tmslab; tmslab.train(5, 2, steps=10)' in post.read_text()


def test_readme_badge_opens_lesson_00():
    readme = (REPO / "README.md").read_text()
    urls = re.findall(r"\(https://mybinder\.org/v2/gh/[^)\s]+\)", readme)
    assert urls, "no Binder badge in README.md"
    for url in urls:
        path = re.search(r"urlpath=lab/tree/([^&)]+)", url).group(1)
        assert path == "lessons/00_welcome.ipynb" and (REPO / path).exists()


# --- the wheel, outside the repository -------------------------------------------------------

@pytest.mark.package
def test_wheel_in_a_fresh_venv_has_no_tooling_and_trains(tmp_path):
    """Build the wheel from the package's files only, install it (learner pins as constraints) into a
    fresh venv outside the repository, list what came in, train ``tmslab.train(5, 2, steps=100)``."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "tmslab", src / "tmslab",
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    quiet = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")

    def run(*cmd, cwd=tmp_path, timeout=600):
        done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=quiet, capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", src)
    (wheel,) = (tmp_path / "dist").glob("tmslab-*.whl")
    assert wheel.name == f"tmslab-{_init_version()}-py3-none-any.whl"
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    assert all(n.startswith(("tmslab/", "tmslab-")) for n in names), names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    py = venv / "bin" / "python"
    run(py, "-m", "pip", "install", "-q", "-c", REQS / "learner.txt", wheel)
    installed = {canonicalize_name(p["name"]): p["version"]
                 for p in json.loads(run(py, "-m", "pip", "list", "--format=json"))}
    assert not TOOLING & set(installed), TOOLING & set(installed)
    for name, req in LEARNER.items():
        assert req.specifier.contains(installed[name]), (name, installed[name])

    out = run(py, "-c", "import json, tmslab; run = tmslab.train(5, 2, steps=100, progress=False); "
                        "print(json.dumps({'file': tmslab.__file__, 'W': list(run.W.shape), "
                        "'loss': float(run.final_loss.sum())}))", cwd=tmp_path)
    result = json.loads(out.strip().splitlines()[-1])
    assert Path(result["file"]).is_relative_to(venv), result["file"]
    assert result["W"][-2:] == [2, 5]
    assert 0.0 < result["loss"] < 1.0


def _init_version() -> str:
    init = (REPO / "tmslab" / "__init__.py").read_text()
    return re.search(r"^__version__ = \"([^\"]+)\"$", init, flags=re.M).group(1)
