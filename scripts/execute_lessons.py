"""Execute lessons top to bottom and store normalised outputs (what nbval checks).

    python scripts/execute_lessons.py lessons/03_linear_vs_relu.ipynb [...]

Each notebook runs in a fresh kernel from the lessons/ folder with progress
bars off. Stored outputs keep execution counts and every text output (nbval
compares those) but drop PNG images, widget state and timing metadata, so
the committed files stay small and diffs stay readable. Prints the wall time
of every lesson.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

DROP_MIME = ("image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json")


def normalise(nb) -> None:
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if "data" in out:
                for mime in DROP_MIME:
                    out["data"].pop(mime, None)
                out.get("metadata", {}).clear()
                if not out["data"]:
                    continue
            kept.append(out)
        cell.outputs = kept


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    os.environ["TMSLAB_PROGRESS"] = "0"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    normalise(nb)
    nbformat.write(nb, path)
    return seconds


def main(paths: list[str]) -> int:
    for p in paths:
        seconds = execute(Path(p))
        print(f"{Path(p).name}: {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
