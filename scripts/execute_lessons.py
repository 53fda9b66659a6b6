"""Execute lessons top to bottom and store normalised outputs (what nbval checks, what readers see).

    python scripts/execute_lessons.py lessons/03_linear_vs_relu.ipynb [...]
    python scripts/execute_lessons.py --out /tmp/look lessons/04_sparsity_sweeps.ipynb

Each notebook runs in a fresh kernel from its own folder with progress bars
off and matplotlib's inline backend. Stored outputs keep execution counts,
every text output (nbval compares those) and every PNG figure, so a reader of
the committed notebook (on a code host, or in JupyterLab before running it)
sees each figure; a widget (``tmslab.widgets.Panel``) is stored as the PNG of
its initial state. Dropped: widget views and state (a live kernel re-creates
them), timing metadata, and the PNGs' text chunks (matplotlib writes its
version into them), so the stored bytes depend only on the pixels and a rerun
gives identical files. ``--out DIR`` writes the executed notebooks to DIR
instead of over the lessons. Prints, per lesson, the wall time and the size
of its stored PNGs (the budget: ``MAX_PNG_BYTES`` per figure,
``MAX_NOTEBOOK_PNG_BYTES`` per notebook, checked by tests/test_lesson_files.py).
"""
from __future__ import annotations

import argparse
import base64
import os
import struct
import sys
import time
import zlib
from pathlib import Path

import nbformat
from nbclient import NotebookClient

DROP_MIME = ("application/vnd.jupyter.widget-view+json",)
#: PNG chunks that carry no pixels: text (matplotlib's version string), modification time
PNG_METADATA_CHUNKS = (b"tEXt", b"zTXt", b"iTXt", b"tIME")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 150_000
MAX_NOTEBOOK_PNG_BYTES = 1_500_000


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """``[(type, payload), ...]`` of a PNG file; ValueError if it is not one."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file (bad signature)")
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError("truncated PNG chunk header")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        payload = data[pos + 8:pos + 8 + length]
        if len(payload) != length or pos + 12 + length > len(data):
            raise ValueError(f"truncated PNG chunk {kind!r}")
        chunks.append((kind, payload))
        pos += 12 + length
    return chunks


def png_dpi(data: bytes) -> float | None:
    """Dots per inch recorded in the PNG's pHYs chunk (None without one)."""
    for kind, payload in png_chunks(data):
        if kind == b"pHYs":
            x_per_unit, _y, unit = struct.unpack(">IIB", payload)
            return x_per_unit * 0.0254 if unit == 1 else None
    return None


def strip_png_metadata(data: bytes) -> bytes:
    """The same PNG without text and time chunks (pixels and pHYs untouched)."""
    out = [PNG_SIGNATURE]
    for kind, payload in png_chunks(data):
        if kind in PNG_METADATA_CHUNKS:
            continue
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        out.append(struct.pack(">I4s", len(payload), kind) + payload + struct.pack(">I", crc))
    return b"".join(out)


def _normalise_png(b64: str | list) -> str:
    text = "".join(b64) if isinstance(b64, list) else b64
    clean = strip_png_metadata(base64.b64decode(text))
    return base64.b64encode(clean).decode("ascii") + "\n"


def normalise(nb) -> None:
    """Drop widget views, widget state and timing metadata; keep text and metadata-free PNGs."""
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
                if "image/png" in out["data"]:
                    out["data"]["image/png"] = _normalise_png(out["data"]["image/png"])
                out.get("metadata", {}).clear()
                if not out["data"]:
                    continue
            kept.append(out)
        cell.outputs = kept


def png_sizes(nb) -> list[int]:
    """Bytes of every stored PNG of a notebook, in order."""
    sizes = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            png = out.get("data", {}).get("image/png")
            if png:
                sizes.append(len(base64.b64decode("".join(png) if isinstance(png, list) else png)))
    return sizes


def execute(path: Path, out: Path | None = None, timeout: int = 600) -> tuple[float, list[int]]:
    """Run ``path`` top to bottom, normalise, write it to ``out`` (default: in place).

    Returns the wall time in seconds and the stored PNG sizes in bytes.
    """
    nb = nbformat.read(path, as_version=4)
    os.environ["TMSLAB_PROGRESS"] = "0"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    normalise(nb)
    nbformat.write(nb, out if out is not None else path)
    return seconds, png_sizes(nb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="+", type=Path, help="lesson notebooks to execute")
    parser.add_argument("--out", type=Path, default=None,
                        help="write the executed notebooks into this folder (default: in place)")
    args = parser.parse_args(argv)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    for p in args.lessons:
        if p.suffix != ".ipynb" or not p.is_file():
            parser.error(f"{p} is not a notebook file")
        target = args.out / p.name if args.out is not None else None
        seconds, sizes = execute(p, target)
        largest = max(sizes, default=0)
        print(f"{p.name}: {seconds:.1f} s, {len(sizes)} PNGs, {sum(sizes) / 1000:.0f} KB "
              f"(largest {largest / 1000:.0f} KB)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
