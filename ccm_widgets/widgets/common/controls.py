"""Small pieces the panels share: a button wired to its handler, a file picker that hands
over each file once, a text cut to one line for a list entry."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w

from ccm_widgets.files.tables import MAX_UPLOAD_BYTES, format_megabytes
from ccm_widgets.i18n import t

#: Marks the pickers whose files the page's script checks before sending them (the ``ccm``
#: Voilà template); the limit itself travels as a second class, ``ccm-upload-max-<bytes>``,
#: so that its number lives here only.
UPLOAD_CLASS = "ccm-upload"
NOTE_CLASS = "ccm-upload-note"
#: The look of an error in the panels' status lines (:class:`StatusBar`).
NOTE_STYLE = "color:#fff;background:#b3261e;padding:4px 8px;border-radius:3px;font-weight:bold;"


def button(label: str, handler: Callable[[w.Button], None], style: str = "") -> w.Button:
    """A button as wide as its label, calling ``handler`` when clicked."""
    made = w.Button(description=label, button_style=style, layout=w.Layout(width="auto"))
    made.on_click(handler)
    return made


class FilePicker(w.VBox):
    """A file picker that calls ``on_file(name, content)`` for each file chosen, then empties
    itself, so that choosing the same file again imports it again.

    A file over :data:`MAX_UPLOAD_BYTES` is refused by the page before it is sent: sent, it
    would exceed the websocket's message limit and cut the page from its kernel. The refusal
    (``note``, hidden until then) is written here, from the catalogue; the page's script
    only shows it and fills in the file's name and size.
    """

    def __init__(
        self, on_file: Callable[[str, bytes], object], *, accept: str, description: str = ""
    ) -> None:
        super().__init__()
        self._on_file = on_file
        limit = format_megabytes(MAX_UPLOAD_BYTES)
        options = {"description": description} if description else {}
        self.button = w.FileUpload(
            accept=accept,
            multiple=False,
            tooltip=t("upload.limit", limit=limit),
            layout=w.Layout(width="auto"),
            **options,
        )
        self.button.add_class(UPLOAD_CLASS)
        self.button.add_class(f"{UPLOAD_CLASS}-max-{MAX_UPLOAD_BYTES}")
        self.button.observe(self._chosen, names="value")
        self.note = w.HTML(refusal_note(limit), layout=w.Layout(display="none"))
        self.note.add_class(NOTE_CLASS)
        self.children = (self.button, self.note)

    def _chosen(self, change: dict[str, object]) -> None:
        files = change["new"]
        if not files:
            return
        for item in files:  # type: ignore[attr-defined]
            self._on_file(str(item["name"]), bytes(item["content"]))
        self.button.value = ()


def refusal_note(limit: str) -> str:
    """The refusal of a file too big to send, with empty spans for its name and size."""
    marks = {"name": "\x00name\x00", "size": "\x00size\x00"}
    text = html.escape(t("upload.too_big", limit=limit, **marks))
    decimal = html.escape(t("number.decimal"))
    text = text.replace(marks["name"], '<b class="ccm-upload-name"></b>')
    text = text.replace(
        marks["size"], f'<span class="ccm-upload-size" data-decimal="{decimal}"></span>'
    )
    return f'<span role="alert" style="{NOTE_STYLE}">{text}</span>'


def file_picker(
    on_file: Callable[[str, bytes], object], *, accept: str, description: str = ""
) -> FilePicker:
    """A :class:`FilePicker` (kept for the panels that build theirs this way)."""
    return FilePicker(on_file, accept=accept, description=description)


def short(text: str, limit: int = 70) -> str:
    """One line of at most ``limit`` characters, for a list entry."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
