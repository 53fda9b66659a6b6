"""The committed lessons as a reader meets them (no execution: reads the files only).

* every figure output (text/plain ``<Figure size ...>``) and every widget output
  (``<...: interactive widget>``) carries its PNG; PNGs are metadata-free, at least
  100 dpi, and within the size budget per figure and per lesson;
* exercises follow the honest pattern: task, stub and an ``adopt`` cell, all tagged
  ``exercise`` (app mode leaves them out), the reference in ``tmslab/solutions/lessonNN.py``,
  no hidden solution cells, no printed "your" outside the exercises;
* the repository is self-contained: no tracked file points at files outside it, and every
  link to an anchor of ``docs/references.md`` or to a solutions module resolves.
"""
from __future__ import annotations

import base64
import importlib.util
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

import tmslab.solutions as solutions

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "lessons").glob("[0-9][0-9]_*.ipynb"))
_spec = importlib.util.spec_from_file_location("execute_lessons", REPO / "scripts" / "execute_lessons.py")
execute_lessons = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute_lessons)

ADOPT_RE = re.compile(r"^(?P<name>\w+) = adopt\((?P<check>[\w.]+), (?P=name), "
                      r"solutions\.(?P<lesson>lesson\d\d)\.(?P=name)\)$")
STUB = 'raise NotImplementedError("your code here")'


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def _outputs(path):
    for index, cell in enumerate(_cells(path)):
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                yield index, out


def _png(out) -> bytes | None:
    data = out.get("data", {}).get("image/png")
    if not data:
        return None
    return base64.b64decode("".join(data) if isinstance(data, list) else data)


def test_there_are_lessons():
    assert len(LESSONS) >= 10


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_figure_and_widget_output_stores_its_image(path):
    missing = []
    for index, out in _outputs(path):
        text = out.get("data", {}).get("text/plain", "")
        text = "".join(text) if isinstance(text, list) else text
        if (text.startswith("<Figure size") or text.endswith("interactive widget>")) and _png(out) is None:
            missing.append(f"cell {index}: {text}")
    assert not missing, f"{path.name}: outputs without image/png (re-execute with " \
                        f"scripts/execute_lessons.py): {missing}"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_stored_pngs_are_crisp_clean_and_within_budget(path):
    total = 0
    for index, out in _outputs(path):
        png = _png(out)
        if png is None:
            continue
        total += len(png)
        kinds = [kind for kind, _ in execute_lessons.png_chunks(png)]
        assert not set(kinds) & set(execute_lessons.PNG_METADATA_CHUNKS), \
            f"{path.name} cell {index}: PNG with metadata chunks {kinds}"
        dpi = execute_lessons.png_dpi(png)
        assert dpi is not None and dpi >= 99.5, f"{path.name} cell {index}: {dpi} dpi"
        assert len(png) <= execute_lessons.MAX_PNG_BYTES, \
            f"{path.name} cell {index}: PNG of {len(png)} bytes > {execute_lessons.MAX_PNG_BYTES}"
    assert total <= execute_lessons.MAX_NOTEBOOK_PNG_BYTES, \
        f"{path.name}: {total} bytes of PNG > {execute_lessons.MAX_NOTEBOOK_PNG_BYTES}"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_exercises_are_tagged_and_continue_honestly(path):
    cells = _cells(path)
    lesson = f"lesson{path.name[:2]}"
    module = getattr(solutions, lesson)
    adopted = []
    for i, cell in enumerate(cells):
        tags = cell.metadata.get("tags", [])
        assert "solution" not in tags and not cell.metadata.get("jupyter", {}).get("source_hidden"), \
            f"{path.name} cell {i}: hidden solution cells are gone; solutions live in tmslab/solutions/"
        if cell.cell_type != "code" or STUB not in cell.source:
            continue
        task, check = cells[i - 1], cells[i + 1]
        assert task.cell_type == "markdown" and "exercise" in task.metadata.get("tags", []), \
            f"{path.name} cell {i - 1}: the task before a stub is a markdown cell tagged 'exercise'"
        assert "exercise" in tags, f"{path.name} cell {i}: stub not tagged 'exercise'"
        assert "exercise" in check.metadata.get("tags", []), f"{path.name} cell {i + 1}: not tagged"
        match = ADOPT_RE.match(check.source.strip())
        assert match, f"{path.name} cell {i + 1}: expected `name = adopt(check, name, " \
                      f"solutions.{lesson}.name)`, got {check.source!r}"
        name = match.group("name")
        assert match.group("lesson") == lesson, f"{path.name}: uses solutions.{match.group('lesson')}"
        assert name in module.CHECKS, f"{lesson}.CHECKS has no {name!r}"
        assert match.group("check").split(".")[-1] == module.CHECKS[name].__name__, \
            f"{path.name} cell {i + 1}: {match.group('check')} is not the check of {lesson}.{name}"
        stored = "".join(o.get("text", "") for o in check.get("outputs", []))
        assert stored.startswith(("✅", "❌")) and "The lesson continues with" in stored, \
            f"{path.name} cell {i + 1}: stored output does not say how the lesson continues: {stored!r}"
        adopted.append(name)
    assert sorted(adopted) == sorted(module.CHECKS), \
        f"{path.name}: exercises {adopted} vs tmslab/solutions/{lesson}.py {sorted(module.CHECKS)}"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_no_printed_your_outside_the_exercises(path):
    for i, cell in enumerate(_cells(path)):
        if cell.cell_type != "code" or "exercise" in cell.metadata.get("tags", []):
            continue
        for line in cell.source.splitlines():
            if "print(" in line or line.lstrip().startswith(("f\"", "\"")):
                assert not re.search(r"\byour\b", line, re.I), \
                    f"{path.name} cell {i}: prints 'your' (use tmslab.checks.whose): {line.strip()}"


def _tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    for name in names:
        path = REPO / name
        if path.suffix in {".png", ".jpg", ".ico", ".woff", ".woff2"} or name == "package-lock.json":
            continue
        try:
            yield name, path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue


def test_no_tracked_file_points_outside_the_repository():
    # spelled in pieces so that this file does not match itself
    patterns = ["../" + "shared", "shared/" + "reference", "shared/" + "seed", "paper" + ".md",
                "superposition-" + "talk.txt"]
    hits = [f"{name}: {pattern}" for name, text in _tracked_text_files() for pattern in patterns
            if pattern in text]
    assert not hits, "files that point outside the repository (cite docs/references.md): " + \
        "; ".join(hits[:20])


def test_links_to_references_and_solutions_resolve():
    references = (REPO / "docs" / "references.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', references))
    assert {"paper", "talk", "replication", "e1", "e2", "e11", "mikolov", "jl", "olah"} <= anchors
    broken = []
    for name, text in _tracked_text_files():
        for anchor in re.findall(r"references\.md#([\w-]+)", text):
            if anchor not in anchors:
                broken.append(f"{name}: #{anchor}")
        for module in re.findall(r"tmslab/solutions/(lesson\d\d)\.py", text):
            if not (REPO / "tmslab" / "solutions" / f"{module}.py").exists():
                broken.append(f"{name}: {module}.py")
    assert not broken, broken
