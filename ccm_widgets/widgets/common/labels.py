"""A form control's name: the words shown above it, given to it as its label.

The panels show a field's name in bold above the field (a ``w.HTML``), which a screen reader
does not tie to the field: it announced "zone de texte" and nothing else. ipywidgets links
a control's ``description`` to its input (``<label for>``), but draws it on the left, in a
narrow column that cuts it. :func:`labelled` does both: the bold words stay where they are
for the eye (hidden from screen readers, which would read them twice), and the control's own
label, which says the same, is kept for screen readers only (:data:`NAMED_CLASS`, the rule
is in :data:`~ccm_widgets.widgets.common.page_style.DEVICE_CSS`).

Controls drawn by a panel that does not use it are named by the page's script (the ``ccm``
Voilà template) from the words just before them.
"""

from __future__ import annotations

import html

import ipywidgets as w

#: Marks a control whose label is read by screen readers and not drawn (``DEVICE_CSS``).
NAMED_CLASS = "ccm-named"


def named(control: w.DescriptionWidget, text: str) -> w.DescriptionWidget:
    """Give ``control`` the name ``text`` for screen readers, drawing nothing more."""
    control.description = text
    control.add_class(NAMED_CLASS)
    return control


def labelled(text: str, control: w.DescriptionWidget) -> w.VBox:
    """``control`` under ``text`` in bold, ``text`` being its label too."""
    heading = w.HTML(f"<b aria-hidden='true'>{html.escape(text)}</b>")
    return w.VBox([heading, named(control, text)])
