"""Interactive pieces of the lessons, one module per lesson topic (see ``base``)."""
from .base import Panel, figure_to_png, slider

__all__ = ["Panel", "figure_to_png", "slider"]
