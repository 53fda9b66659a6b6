"""The course's figures as a reader meets them: crisp, keyed, labelled in real units, stored.

Style (100 dpi), the widget Panel's static PNG (its initial state, shown where no
kernel runs), metadata-free and reproducible PNG bytes, colour bars and legends on
the course's standard pictures, log axes labelled with values, math-text labels.
"""
from __future__ import annotations

import base64
import importlib.util
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import tmslab
from tmslab import neurons, plots
from tmslab.widgets.base import Panel, figure_to_png, slider

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("execute_lessons", REPO / "scripts" / "execute_lessons.py")
execute_lessons = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute_lessons)


@pytest.fixture(autouse=True)
def course_style():
    tmslab.setup_lesson(seed=0)
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def run():
    return tmslab.train(5, 2, sparsity=[0.0, 0.8, 0.9], importance=0.9, steps=300, progress=False)


def _pentagon():
    a = 2 * np.pi * np.arange(5) / 5
    return torch.tensor(np.stack([np.cos(a), np.sin(a)]), dtype=torch.float32)


def _draw(values):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, values["s"]])
    return fig, f"<b>{values['s']:.2f}</b>"


def test_course_style_is_100_dpi():
    assert plt.rcParams["figure.dpi"] == plots.DPI == 100
    assert plt.rcParams["savefig.dpi"] == 100


def test_panel_displays_a_png_of_its_current_figure_next_to_the_widget():
    panel = Panel("Demo", {"s": slider("s", 0.2, 0.0, 1.0, 0.1)}, _draw)
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "<Demo: interactive widget>"          # what nbval compares
    assert "application/vnd.jupyter.widget-view+json" in bundle         # the live widget
    png = base64.b64decode(bundle["image/png"])
    assert png == panel.image.value and png.startswith(execute_lessons.PNG_SIGNATURE)
    panel.controls["s"].value = 0.9                                     # a redraw changes the image
    assert base64.b64decode(panel._repr_mimebundle_()["image/png"]) == panel.image.value != png


def test_panel_without_a_figure_sends_no_image():
    panel = Panel("Text only", {"s": slider("s", 0.2, 0.0, 1.0, 0.1)}, lambda v: (None, "text"))
    assert "image/png" not in panel._repr_mimebundle_()


def test_widget_pngs_are_reproducible_metadata_free_and_100_dpi():
    first = figure_to_png(plots.plot_features_2d(_pentagon()))
    second = figure_to_png(plots.plot_features_2d(_pentagon()))
    assert first == second
    kinds = [kind for kind, _ in execute_lessons.png_chunks(first)]
    assert not set(kinds) & set(execute_lessons.PNG_METADATA_CHUNKS), kinds
    assert execute_lessons.png_dpi(first) == pytest.approx(100, abs=0.1)


def test_stored_pngs_lose_their_text_chunks_and_keep_their_pixels():
    import io
    fig = plots.plot_features_2d(_pentagon())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")                      # matplotlib writes its version as tEXt
    raw = buffer.getvalue()
    assert b"tEXt" in [kind for kind, _ in execute_lessons.png_chunks(raw)]
    clean = execute_lessons.strip_png_metadata(raw)
    kinds = [kind for kind, _ in execute_lessons.png_chunks(clean)]
    assert b"tEXt" not in kinds and kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    pixels = [p for k, p in execute_lessons.png_chunks(raw) if k == b"IDAT"]
    assert [p for k, p in execute_lessons.png_chunks(clean) if k == b"IDAT"] == pixels
    with pytest.raises(ValueError, match="PNG"):
        execute_lessons.png_chunks(b"not a png")


def test_headline_figure_has_an_importance_key(run):
    fig = plots.plot_features_2d_row(list(run.W), ["0%", "80%", "90%"], suptitle="5 in 2")
    assert len(fig.axes) == 4                                      # three panels + the colour bar
    bar = fig.axes[-1]
    assert "most important" in bar.get_ylabel()
    assert [t.get_text() for t in bar.get_yticklabels()] == ["0", "1", "2", "3", "4"]


def test_headline_figure_with_names_gets_a_legend():
    W = tmslab.theory.three_universities_W()
    fig = plots.plot_features_2d_row([W, W], ["a", "b"], labels=list(tmslab.theory.UNIVERSITIES))
    assert len(fig.axes) == 2 and fig.legends
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(tmslab.theory.UNIVERSITIES)
    with pytest.raises(ValueError, match="labels"):
        plots.plot_features_2d(W, labels=["only one"])
    with pytest.raises(ValueError, match="titles"):
        plots.plot_features_2d_row([W, W], ["a"])


def test_sweep_has_colour_bars_and_math_labels(run):
    fig = plots.plot_sweep(run)
    k = run.n_instances
    assert len(fig.axes) == 2 * k + 2                              # bars, matrices, two colour bars
    labels = [ax.get_ylabel() for ax in fig.axes[2 * k:]]
    assert "superposition" in labels[0] and r"W_i\cdot W_j" in labels[1]
    assert fig.axes[0].get_ylabel() == plots.NORM_WI == r"$\|W_i\|$"
    assert fig.axes[k].get_xlabel().startswith(plots.WTW)
    with pytest.raises(ValueError, match="titles"):
        plots.plot_sweep(run, titles=["only one"])


def test_phase_diagram_axes_are_logarithmic_and_labelled_with_values():
    r = np.logspace(-1, 1, 5)
    p = np.logspace(0, -2, 5)
    labels = np.where(p[:, None] < 0.2 + 0 * r[None, :], "superposition", "not learned")
    fig = plots.plot_phase_diagram(labels, r, p)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    fig.canvas.draw()
    ticks = {t.get_text() for t in ax.get_yticklabels()}
    assert {"0.01", "0.1", "1"} <= ticks, ticks                       # values, not log10 exponents
    assert "density" in ax.get_ylabel() and "log10" not in ax.get_xlabel()
    with pytest.raises(ValueError, match="positive"):
        plots.plot_phase_diagram(labels, -r, p)


def test_importance_colours_come_from_one_colour_map():
    assert plots.IMPORTANCE_CMAP == "viridis"
    np.testing.assert_allclose(plots.feature_colors(3)[0], plt.get_cmap("viridis")(0.0))
    fig, ax = plt.subplots()
    bar = plots.importance_colorbar(fig, ax, 32)
    assert isinstance(bar, matplotlib.colorbar.Colorbar)
    with pytest.raises(ValueError, match="n_features"):
        plots.feature_colors(0)


def test_many_feature_stacked_bars_name_their_large_blocks():
    gen = torch.Generator().manual_seed(0)
    W = torch.zeros(6, 32)
    for k in range(6):                                 # each neuron: one big feature, some small ones
        W[k, 5 * k] = 1.0
        W[k, torch.randint(0, 32, (4,), generator=gen)] += 0.05
    fig = neurons.plot_neuron_stack(W)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"0", "5", "10", "15", "20", "25"} <= texts
    plain = neurons.plot_neuron_stack(W, annotate=False)
    assert not plain.axes[0].texts
    assert plain.axes[0].get_ylabel() == "weights $W_{k,i}$ (stacked)"
