"""A learner's wrong answers never stop a lesson: it runs top to bottom with the reference and says so.

The stored lessons run with their stubs untouched (nbval covers that case). Here lessons 00 (the
first lesson, with its predict-then-run exercise) and 03 (the learner builds the training engine) are
executed with every stub replaced by the plausible wrong answer of ``tests/test_solutions.py``
(``WRONG``): every ``adopt`` cell must report the mistake, continue with the reference and say so, and
every later cell must run without an error. A prediction left at ``None`` or set to a value outside the
choices is reported, never raised.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from test_lesson_files import ADOPT_RE, STUB

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

pytestmark = pytest.mark.slow


def _with_wrong_answers(path: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """The lesson with each stub cell replaced by ``name = WRONG[(lesson, name)]``; the adopted names."""
    nb = nbformat.read(path, as_version=4)
    lesson = f"lesson{path.name[:2]}"
    names = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and STUB in cell.source:
            match = ADOPT_RE.match(nb.cells[i + 1].source.strip())
            name = match.group("name")
            cell.source = f"{name} = WRONG[({lesson!r}, {name!r})]"
            names.append(name)
        elif cell.cell_type == "code" and cell.source.startswith("my_prediction = None"):
            cell.source = 'my_prediction = "not one of the choices"'
    setup = nbformat.v4.new_code_cell(f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n"
                                      "from test_solutions import WRONG")
    nb.cells.insert(0, setup)
    return nb, names


@pytest.mark.parametrize("number", ["00", "03"])
def test_lesson_runs_top_to_bottom_on_wrong_answers_with_the_reference(number):
    path = next((REPO / "lessons").glob(f"{number}_*.ipynb"))
    nb, names = _with_wrong_answers(path)
    assert names, f"{path.name} has no exercises"
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()              # raises CellExecutionError on any failing cell
    reports = {}
    for cell in nb.cells:
        match = ADOPT_RE.match(cell.source.strip()) if cell.cell_type == "code" else None
        if match:
            reports[match.group("name")] = "".join(o.get("text", "") for o in cell.outputs)
    assert sorted(reports) == sorted(names)
    for name, text in reports.items():
        assert text.startswith("❌"), f"{path.name}: the wrong {name} was accepted: {text!r}"
        assert f"continues with the reference `{name}`" in text, f"{path.name}: {text!r}"
        assert "NotImplementedError" not in text, f"{path.name}: {name} reported as a stub: {text!r}"
    predictions = [o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   and "compare_prediction(" in c.source for o in c.outputs]
    assert predictions and all("is not one of the choices" in t for t in predictions), predictions
