"""Build the course as a static, offline web site in ``_site/``.

    python scripts/build_site.py                      # every lessons/NN_*.ipynb -> _site/
    python scripts/build_site.py --out /tmp/site lessons/02_three_universities.ipynb

Every lesson is EXECUTED top to bottom in a fresh kernel (the stored lesson
files keep their figures as PNGs but no widget state), with progress bars off,
inline matplotlib figures and the widget state saved, so the page's widgets are
live, then converted to one HTML page with nbconvert (JupyterLab's look; cells
tagged ``solution`` or with hidden source, if a notebook has any, are folded). ``lessons/`` is never
written to. ``index.html`` holds the lesson table. require.js, the Jupyter
widget HTML manager and MathJax 2 come from ``node_modules`` (``npm ci``, see
package.json) and are copied to ``_site/static/``, so the pages load nothing
from the network. Exits non-zero, naming the lesson and cell, when a lesson
fails; the other lessons are still built.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

REPO = Path(__file__).resolve().parents[1]
SITE_SOURCES = Path(__file__).resolve().parent / "site"
NODE_MODULES = REPO / "node_modules"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

REQUIRE_JS = "static/require.js"
WIDGET_MANAGER = "static/html-manager/embed-amd.js"
MATHJAX = "static/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"

# MathJax 2 files the TeX-AMS_CHTML-full,Safe configuration loads (CommonHTML output,
# the fast-preview pass and the TeX web fonts); the rest of the package is not needed.
MATHJAX_PARTS = ("MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions",
                 "jax/input/TeX", "jax/element", "jax/output/CommonHTML", "jax/output/PreviewHTML",
                 "localization/en", "fonts/HTML-CSS/TeX/woff", "fonts/HTML-CSS/TeX/otf")


@dataclass
class Lesson:
    """One row of the index: the notebook, its page (None if it failed) and facts for the table."""
    path: Path
    number: str
    title: str
    time: str | None
    n_goals: int | None
    href: str | None = None
    seconds: float | None = None
    error: str | None = None


def lesson_facts(path: Path, nb) -> Lesson:
    """Number, title (first ``#`` heading), time estimate and number of learning goals."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    heading = re.search(r"^#\s+(.+)$", first, flags=re.M)
    title = heading.group(1).strip() if heading else path.stem
    title = re.sub(r"^\d+\s*[·:.\-–]\s*", "", title)  # the table has its own number column
    time_match = re.search(r"\bTime\b[^:\n]*:\**\s*([^.(;\n]+)", first)
    goals_text = first.split("Learning goals", 1)[1] if "Learning goals" in first else ""
    goals = re.findall(r"^\s*(?:\d+\.|[-*])\s+\S", goals_text.split("**Time", 1)[0], flags=re.M)
    number = path.name.split("_", 1)[0]
    number = number if number.isdigit() else ""
    return Lesson(path=path, number=number, title=title,
                  time=time_match.group(1).strip(" *,") if time_match else None,
                  n_goals=len(goals) or None)


def copy_assets(out: Path, node_modules: Path = NODE_MODULES) -> None:
    """Copy require.js, the widget HTML manager and MathJax 2 into ``out/static``."""
    sources = {"requirejs/require.js": "require.js",
               "@jupyter-widgets/html-manager/dist": "html-manager"}
    sources.update({f"mathjax/{part}": f"mathjax/{part}" for part in MATHJAX_PARTS})
    missing = [src for src in sources if not (node_modules / src).exists()]
    if missing:
        raise SystemExit(f"missing site assets in {node_modules}: {', '.join(missing)}; "
                         "run `npm ci` in the repository root (make site does)")
    static = out / "static"
    for src, dst in sources.items():
        source, target = node_modules / src, static / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            # source maps and the non-AMD bundle of the widget manager are never loaded
            shutil.copytree(source, target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.map", "embed.js"))
        else:
            shutil.copy2(source, target)
    # The widget manager's stylesheet asks for its icon fonts (the Play button's Font Awesome glyphs)
    # at "@jupyter-widgets/<hash>.<ext>" relative to the page: serve them there too.
    fonts = out / "@jupyter-widgets"
    fonts.mkdir(parents=True, exist_ok=True)
    for font in (node_modules / "@jupyter-widgets/html-manager/dist").iterdir():
        if font.suffix in {".woff2", ".woff", ".ttf", ".eot", ".svg"}:
            shutil.copy2(font, fonts / font.name)


class LessonError(RuntimeError):
    """A lesson failed to execute; the message names the cell (index in the notebook)."""


def execute(nb, cwd: Path, timeout: int) -> float:
    """Run every cell in a fresh python3 kernel started in ``cwd``, storing the widget state.

    Returns the wall time in seconds; raises ``LessonError`` naming the cell
    that raised, timed out or was running when the kernel died.
    """
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(cwd)}})
    current = {"index": None}

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index

    client.on_cell_start = on_cell_start
    start = time.perf_counter()
    try:
        client.execute()
    except Exception as error:  # noqa: BLE001 - re-raised with the cell
        where = f"cell {current['index']}" if current["index"] is not None else "kernel start-up"
        if isinstance(error, DeadKernelError):
            raise LessonError(f"the kernel died while running {where}") from error
        if isinstance(error, CellExecutionError):
            raise LessonError(f"{where} raised {error.ename}: {error.evalue}") from error
        if isinstance(error, CellTimeoutError):
            raise LessonError(f"{where} ran past the {timeout} s cell timeout") from error
        raise LessonError(f"{where}: {type(error).__name__}: {error}") from error
    return time.perf_counter() - start


def exporter() -> HTMLExporter:
    return HTMLExporter(template_name="tmslab", extra_template_basedirs=[str(SITE_SOURCES / "templates")],
                        require_js_url=REQUIRE_JS, widget_renderer_url=WIDGET_MANAGER,
                        mathjax_url=MATHJAX)


def build(lesson_paths: list[Path], out: Path, timeout: int = 900) -> list[Lesson]:
    """Execute and convert ``lesson_paths`` into ``out``; write the index; return the rows."""
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    os.environ["TMSLAB_PROGRESS"] = "0"
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    notebooks = [nbformat.read(p, as_version=4) for p in lesson_paths]
    lessons = [lesson_facts(p, nb) for p, nb in zip(lesson_paths, notebooks)]
    html = exporter()
    for i, (lesson, nb) in enumerate(zip(lessons, notebooks)):
        try:
            lesson.seconds = execute(nb, lesson.path.parent, timeout)
        except LessonError as error:
            lesson.error = str(error)
            print(f"{lesson.path.name}: FAILED: {lesson.error}", flush=True)
            continue
        neighbours = {}
        for key, j in (("tmslab_prev", i - 1), ("tmslab_next", i + 1)):
            if 0 <= j < len(lessons):
                neighbours[key] = {"href": lessons[j].path.stem + ".html", "title": lessons[j].title}
        body, _ = html.from_notebook_node(nb, resources={"metadata": {"name": lesson.title},
                                                         **neighbours})
        lesson.href = lesson.path.stem + ".html"
        (out / lesson.href).write_text(body, encoding="utf-8")
        print(f"{lesson.path.name}: executed in {lesson.seconds:.1f} s -> {out / lesson.href}",
              flush=True)
    write_index(out, lessons)
    return lessons


def write_index(out: Path, lessons: list[Lesson]) -> Path:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(SITE_SOURCES), autoescape=True)
    page = env.get_template("index.html.j2").render(
        title="Toy Models of Superposition: a hands-on course",
        subtitle="Lessons with the tmslab library, after Elhage et al. (2022).", lessons=lessons)
    (out / "index.html").write_text(page, encoding="utf-8")
    (out / "lessons.json").write_text(json.dumps(
        [{"number": l.number, "title": l.title, "href": l.href, "time": l.time,
          "seconds": None if l.seconds is None else round(l.seconds, 1), "error": l.error}
         for l in lessons], indent=1), encoding="utf-8")
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", type=Path,
                        help="lesson notebooks (default: every lessons/NN_*.ipynb)")
    parser.add_argument("--out", type=Path, default=REPO / "_site", help="output folder (default _site)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell (default 900)")
    args = parser.parse_args(argv)
    paths = args.lessons or sorted((REPO / "lessons").glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        parser.error("no lessons found (lessons/NN_*.ipynb)")
    for p in paths:
        if p.suffix != ".ipynb" or not p.is_file():
            parser.error(f"lessons: {p} is not a notebook file")
    out = args.out.resolve()
    if out in {p.resolve().parent for p in paths}:
        parser.error(f"--out {out} is a lesson folder: the site must not overwrite lessons")
    start = time.perf_counter()
    lessons = build([p.resolve() for p in paths], out, timeout=args.timeout)
    failed = [l for l in lessons if l.error]
    print(f"site: {len(lessons) - len(failed)} of {len(lessons)} lessons built in "
          f"{time.perf_counter() - start:.1f} s -> {out / 'index.html'}", flush=True)
    for lesson in failed:
        print(f"FAILED {lesson.path.name}: {lesson.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
