"""Small notebooks the browser tests write into ``FIXTURES`` of the served folder (never lessons/).

* ``demo``: a miniature lesson (LaTeX maths, a trained model, a figure, a
  ``tmslab.widgets.Panel`` with a slider), so the machinery is tested even
  before lessons 02 and 04 exist;
* ``raises``: a cell raises, and ``dies``: the kernel process exits; the
  error-path tests assert these are reported with the notebook and cell.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

#: the folder of the served root that holds these notebooks (next to, never inside, lessons/)
FIXTURES = "browser-fixtures"
DEMO_NAME = "browser_demo.ipynb"
RAISES_NAME = "browser_raises.ipynb"
DIES_NAME = "browser_dies.ipynb"
#: their paths relative to the served root (what JupyterLab and voila URLs use)
DEMO_PATH, RAISES_PATH, DIES_PATH = (f"{FIXTURES}/{name}" for name in (DEMO_NAME, RAISES_NAME, DIES_NAME))

_DEMO_CELLS = [
    new_markdown_cell(
        "# Browser demo: features in two dimensions\n\n"
        "A model $h = Wx$, $x' = \\mathrm{ReLU}(W^T h + b)$ with $W \\in \\mathbb{R}^{m \\times n}$ "
        "stores $n = 5$ features in $m = 2$ dimensions:\n\n"
        "$$L = \\sum_x \\sum_i I_i \\, (x_i - x'_i)^2 .$$"),
    new_code_cell(
        "import matplotlib.pyplot as plt\n"
        "import tmslab\n"
        "import tmslab.widgets\n"
        "tmslab.setup_lesson(seed=0)\n"
        "S_VALUES = [0.0, 0.7, 0.9, 0.97]\n"
        "run = tmslab.train(5, 2, sparsity=S_VALUES, importance=0.7, steps=1500, eval_samples=4096)\n"
        "print(len(S_VALUES), 'models trained')"),
    new_code_cell(
        "fig = tmslab.plots.plot_features_2d(run.W[-1], title='S = 0.97')\n"
        "plt.show()"),
    new_code_cell(
        "def draw(values):\n"
        "    i = min(range(len(S_VALUES)), key=lambda k: abs(S_VALUES[k] - values['sparsity']))\n"
        "    title = f'slider at {values[\"sparsity\"]:.2f}: model trained at S = {S_VALUES[i]:.2f}'\n"
        "    fig = tmslab.plots.plot_features_2d(run.W[i], title=title)\n"
        "    return fig, f'<b>slider {values[\"sparsity\"]:.2f}</b>: S = {S_VALUES[i]:.2f}, '\\\n"
        "                f'loss = {run.final_loss[i]:.4f}'\n"
        "\n"
        "tmslab.widgets.Panel('demo', {'sparsity': tmslab.widgets.slider('sparsity S', 0.0, 0.0, 0.97, 0.01)},\n"
        "                     draw)"),
    new_markdown_cell("The end: $\\|W_i\\| \\approx 1$ means feature $i$ is represented."),
]


def _write(cells, path: Path) -> Path:
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC,
                                             "language_info": {"name": "python"}})
    nbformat.write(nb, path)
    return path


def write_demo(folder: Path) -> Path:
    """The miniature lesson: maths, a 5 -> 2 model per sparsity, a figure and a slider panel."""
    return _write(_DEMO_CELLS, Path(folder) / DEMO_NAME)


def write_raises(folder: Path) -> Path:
    """Cell 2 (the third cell, second code cell) raises ZeroDivisionError."""
    return _write([new_markdown_cell("# A broken lesson"),
                   new_code_cell("x = 1\nprint('fine')"),
                   new_code_cell("y = x / 0  # the broken cell"),
                   new_code_cell("print('never reached')")], Path(folder) / RAISES_NAME)


def write_dies(folder: Path) -> Path:
    """Cell 2 (second code cell) kills its own kernel process mid-computation, as a crash would."""
    return _write([new_markdown_cell("# A lesson whose kernel dies"),
                   new_code_cell("print('alive')"),
                   new_code_cell("import os, signal, time; time.sleep(0.5); os.kill(os.getpid(), signal.SIGKILL)"),
                   new_code_cell("print('never reached')")], Path(folder) / DIES_NAME)
