"""Every lesson ``lessons/NN_topic.ipynb`` has a reviewable text form ``lessons/py/NN_topic.py``.

The pairing is jupytext's (``jupytext.toml`` at the repository root, percent format). The
text form must be exactly what ``make sync`` (``jupytext --sync``) writes from the notebook
now; syncing a notebook whose text form is current must leave the notebook's bytes alone,
and nbval (``pytest --nbval lessons``) must collect the notebooks only. Lessons are found
by glob, so a new lesson is checked as soon as it exists.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
from jupytext.config import load_jupytext_config

REPO = Path(__file__).resolve().parents[1]
LESSONS = REPO / "lessons"
TEXT = LESSONS / "py"
NOTEBOOKS = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
JUPYTEXT = [sys.executable, "-m", "jupytext"]


def test_there_are_lessons_to_pair():
    assert len(NOTEBOOKS) >= 10, [p.name for p in NOTEBOOKS]


def test_config_pairs_every_lesson_with_a_percent_script():
    config = load_jupytext_config(str(LESSONS))
    assert config is not None, "jupytext.toml not found above lessons/"
    assert jupytext.config.find_jupytext_configuration_file(str(LESSONS)) == str(REPO / "jupytext.toml")
    formats = config.formats if isinstance(config.formats, str) else ",".join(config.formats)
    assert formats == "lessons///ipynb,lessons/py///py:percent"
    assert config.notebook_metadata_filter == "-all"


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    """A copy of the notebooks (and the config), synced with jupytext there: what `make sync` writes."""
    root = tmp_path_factory.mktemp("pairs")
    shutil.copy2(REPO / "jupytext.toml", root / "jupytext.toml")
    (root / "lessons").mkdir()
    for nb in NOTEBOOKS:
        shutil.copy2(nb, root / "lessons" / nb.name)
    names = [f"lessons/{nb.name}" for nb in NOTEBOOKS]
    done = subprocess.run([*JUPYTEXT, "--sync", *names], cwd=root, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return root


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_text_form_is_in_sync(notebook, synced):
    text = TEXT / f"{notebook.stem}.py"
    assert text.exists(), f"{text.relative_to(REPO)} is missing: run `make sync`"
    expected = (synced / "lessons" / "py" / text.name).read_text(encoding="utf-8")
    assert text.read_text(encoding="utf-8") == expected, (
        f"{text.relative_to(REPO)} differs from its notebook: run `make sync` (the newer side wins)")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_sync_leaves_the_notebook_alone(notebook, synced):
    assert (synced / "lessons" / notebook.name).read_bytes() == notebook.read_bytes()


def test_text_form_round_trips_cells_and_their_metadata():
    """Reading the .py gives the notebook's cells: types, sources, tags and hidden solutions."""
    for notebook in NOTEBOOKS:
        text = TEXT / f"{notebook.stem}.py"
        if not text.exists():
            continue  # reported by test_text_form_is_in_sync
        nb, back = jupytext.read(notebook), jupytext.read(text)
        assert len(back.cells) == len(nb.cells), notebook.name
        for i, (a, b) in enumerate(zip(nb.cells, back.cells, strict=True)):
            where = f"{notebook.name} cell {i}"
            assert (a.cell_type, a.source) == (b.cell_type, b.source), where
            assert a.metadata.get("tags", []) == b.metadata.get("tags", []), where
            assert a.metadata.get("jupyter", {}) == b.metadata.get("jupyter", {}), where


def test_no_text_form_without_its_notebook():
    orphans = sorted(p.name for p in TEXT.glob("*.py") if not (LESSONS / f"{p.stem}.ipynb").exists())
    assert not orphans, f"lessons/py/ has text forms of no lesson (renamed or removed?): {orphans}"


def test_nbval_collects_only_the_notebooks():
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "--nbval", "--nbval-current-env", "lessons"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    items = [line for line in done.stdout.splitlines() if "::" in line]
    files = {line.split("::")[0] for line in items}
    assert files == {f"lessons/{nb.name}" for nb in NOTEBOOKS}, files
