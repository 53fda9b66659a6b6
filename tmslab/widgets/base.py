"""Building blocks shared by the lessons' interactive pieces.

Rules that keep widgets testable and nbval strict:
  * results live in widget traits: an ``Image`` whose PNG bytes are redrawn,
    an ``HTML`` readout whose value is rewritten; nothing is printed;
  * a ``Panel`` shows a short fixed text as its plain-text repr (nbval
    compares it), and exposes its controls by name for pytest
    (``panel.controls["sparsity"].value = 0.9``);
  * displaying a ``Panel`` also sends a static PNG of its current figure
    (``image/png`` next to the widget view): JupyterLab and voila show the live
    widget, while a stored notebook (the widget view is not stored) and a code
    host show the widget's initial state as a picture.
"""
from __future__ import annotations

import base64
import io
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt


def figure_to_png(fig) -> bytes:
    """Render a matplotlib figure to PNG bytes (``savefig.dpi``, no metadata) and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


class Panel(widgets.VBox):
    """A lesson widget: named controls, a redrawn figure and an HTML readout.

    ``draw(values) -> (figure or None, html)`` is called with a dict of the
    controls' current values on construction and after every change.
    """

    def __init__(self, description: str, controls: dict[str, widgets.ValueWidget],
                 draw: Callable[[dict], tuple], image_width: str = "720px"):
        self.description = description
        self.controls = controls
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width=image_width))
        self.readout = widgets.HTML()
        self._draw = draw
        self.redraws = 0
        for control in controls.values():
            control.observe(self._on_change, names="value")
        super().__init__([widgets.HBox(list(controls.values()),
                                       layout=widgets.Layout(flex_flow="row wrap")),
                          self.readout, self.image])
        self.refresh()

    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        fig, html = self._draw(self.values)
        if fig is not None:
            self.image.value = figure_to_png(fig)
        self.readout.value = html
        self.redraws += 1

    def _on_change(self, _change) -> None:
        self.refresh()

    def __repr__(self) -> str:
        return f"<{self.description}: interactive widget>"

    def _repr_mimebundle_(self, **kwargs):
        """The widget view plus a PNG of the current figure (what a reader without a kernel sees)."""
        data = super()._repr_mimebundle_(**kwargs)
        if self.image.value:
            data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return data


def slider(description: str, value: float, low: float, high: float, step: float,
           readout_format: str = ".2f") -> widgets.FloatSlider:
    """A float slider that does not update while being dragged (one redraw per move)."""
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=False, readout_format=readout_format,
                               style={"description_width": "initial"})
