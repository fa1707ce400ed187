"""Adding many rows at once: a block pasted from Word or Excel, or a CSV/XLSX file."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w
from ipywidgets import CallbackDispatcher

from ccm_widgets.i18n import t
from ccm_widgets.widgets.common.controls import file_picker


class GridImportPanel(w.VBox):
    """A paste area and a file picker. Reports ``on_paste(text)`` and ``on_file(name, bytes)``."""

    def __init__(self) -> None:
        super().__init__()
        self.paste_area = w.Textarea(
            placeholder=t("paste.label"), layout=w.Layout(width="100%", height="90px")
        )
        self.paste_button = w.Button(description=t("paste.button"), layout=w.Layout(width="auto"))
        self.paste_button.on_click(self._on_paste)
        self._paste = CallbackDispatcher()
        self._file = CallbackDispatcher()
        self.upload = file_picker(
            self._file, accept=".csv,.tsv,.txt,.xlsx", description=t("upload.choose")
        )
        self.children = (
            w.HTML(f"<b>{html.escape(t('paste.label'))}</b>"),
            self.paste_area,
            self.paste_button,
            w.HTML(f"<b>{html.escape(t('upload.label'))}</b>"),
            self.upload,
        )

    def on_paste(self, callback: Callable[[str], object], remove: bool = False) -> None:
        """Register ``callback(text)`` for the "add pasted rows" button."""
        self._paste.register_callback(callback, remove=remove)

    def on_file(self, callback: Callable[[str, bytes], None], remove: bool = False) -> None:
        """Register ``callback(name, content)`` for an uploaded file."""
        self._file.register_callback(callback, remove=remove)

    def _on_paste(self, _button: object = None) -> None:
        self._paste(self.paste_area.value)
