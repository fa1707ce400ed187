"""What only the browser knows, handed to the kernel: how wide the page is, and what this
browser chose and keeps.

The kernel cannot see the page, and one meeting is seen on many screens. The page's script
(the ``ccm`` Voilà template, "what only the browser knows") fills two kinds of hidden text
fields:

- :class:`PageWidth` receives the width, in pixels, of the box it is in, when the page is
  shown and again whenever that box is resized (the group grid's columns are pixel widths:
  they are shared out from it). A box that is not displayed has no width and reports none.
- :class:`Remembered` keeps a value in the browser (``localStorage``): the script stores
  it each time the kernel changes it (the field carries it in a class), and hands the kept
  one back when the page opens. The projection's text size is one: it belongs to the
  projector's screen and room, not to the meeting, and the projection key may not write.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import ipywidgets as w
from ipywidgets import CallbackDispatcher

#: The class the page script looks for; the box measured is the widget's parent.
WIDTH_CLASS = "ccm-width-probe"
#: Wider than any screen: a page could send anything.
MAX_WIDTH = 10_000
#: The classes of a remembered value: the field, its name, its value.
REMEMBER_CLASS = "ccm-remember"
_KEY_PREFIX = "ccm-remember-key-"
_VALUE_PREFIX = "ccm-remember-value-"
_VALUE = re.compile(r"[\w.-]{1,40}")


class PageWidth(w.Text):
    """A hidden text field the page script fills with its box's width in pixels."""

    def __init__(self) -> None:
        super().__init__(layout=w.Layout(display="none"))
        self.add_class(WIDTH_CLASS)
        self._width = CallbackDispatcher()
        self.observe(self._on_value, names="value")

    def on_width(self, callback: Callable[[int], object], remove: bool = False) -> None:
        """Register ``callback(pixels)``, called each time the page reports a width."""
        self._width.register_callback(callback, remove=remove)

    @property
    def pixels(self) -> int:
        """The last width reported, 0 if none (or if what came is not a width)."""
        try:
            width = int(str(self.value).strip())
        except ValueError:
            return 0
        return width if 0 < width <= MAX_WIDTH else 0

    def _on_value(self, _change: object = None) -> None:
        if self.pixels:
            self._width(self.pixels)


class Remembered(w.Text):
    """A value this browser keeps for the page, under ``name``.

    :meth:`keep` is what the kernel chose (the script stores it); :meth:`on_recall` reports
    what the browser had kept, when the page opens.
    """

    def __init__(self, name: str, value: str) -> None:
        super().__init__(layout=w.Layout(display="none"))
        self.add_class(REMEMBER_CLASS)
        self.add_class(_KEY_PREFIX + name)
        self._recall = CallbackDispatcher()
        self._keeping = False
        self.keep(value)
        self.observe(self._on_value, names="value")

    def on_recall(self, callback: Callable[[str], object], remove: bool = False) -> None:
        """Register ``callback(value)``: the value the browser had kept."""
        self._recall.register_callback(callback, remove=remove)

    def keep(self, value: str) -> None:
        """Have the browser keep ``value`` (letters, digits, ``.``, ``-``, ``_``)."""
        if not _VALUE.fullmatch(value):
            raise ValueError(value)
        _set_class(self, _VALUE_PREFIX, _VALUE_PREFIX + value)
        self._keeping = True
        try:
            self.value = value
        finally:
            self._keeping = False

    def _on_value(self, change: dict[str, object]) -> None:
        if not self._keeping:
            self._recall(str(change["new"]))


def _set_class(widget: w.DOMWidget, prefix: str, name: str) -> None:
    """Give ``widget`` the class ``name`` in place of the one starting with ``prefix``."""
    kept = [c for c in widget._dom_classes if not c.startswith(prefix)]
    widget._dom_classes = (*kept, name)
