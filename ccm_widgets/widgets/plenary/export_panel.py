"""Export panel: pick a format and a part, export to exports/, download from the page."""

from __future__ import annotations

import base64
import html
import mimetypes
import os
from pathlib import Path

import ipywidgets as w

from ccm_widgets.files.exporting import export_meeting, undecided_rows
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.status import StatusBar


class ExportPanel(w.VBox):
    """Format and part pickers, an export button, and a download link to the file made."""

    def __init__(self, *, store: Store, directory: Path | None = None) -> None:
        super().__init__()
        self.store = store
        self.directory = directory or Path(os.environ.get("CCM_EXPORTS", "exports"))
        self.format = w.Dropdown(
            options=[
                ("HTML", "html"),
                ("PDF", "pdf"),
                ("Word (DOCX)", "docx"),
                ("CSV", "csv"),
                ("Excel (XLSX)", "xlsx"),
            ],
            value="html",
            description=t("export.format"),
        )
        self.part = w.Dropdown(
            options=[
                (t("export.part_synthesis"), "synthesis"),
                (t("export.part_report"), "report"),
                (t("export.part_decisions"), "decisions"),
            ],
            value="synthesis",
            description=t("export.part"),
        )
        self.mask = w.Checkbox(value=False, description=t("export.mask"), indent=False)
        self.button = w.Button(description=t("export.button"), button_style="success")
        self.button.on_click(self._on_export)
        self.link = w.HTML()
        self.status = StatusBar()
        self.last_path: Path | None = None
        self.children = (
            w.HBox([self.format, self.part, self.mask, self.button]),
            self.link,
            self.status,
        )

    def _on_export(self, _button: object = None) -> None:
        self.export()

    def export(self) -> Path | None:
        """Export with the chosen format and part; show a download link. ``None`` on failure."""
        fmt, part = self.format.value, self.part.value
        if fmt in {"csv", "xlsx"} and part == "report":  # a table: the synthesis's, or the ledger
            part = "synthesis"
        self.button.disabled = True
        self.status.show(t("export.working"))
        try:
            path = export_meeting(
                self.store, fmt, part, directory=self.directory, mask_contacts=self.mask.value
            )
        except Exception as error:  # the user must see why, whatever it is
            self.status.show(t("export.failed", error=error), "error")
            return None
        finally:
            self.button.disabled = False
        self.last_path = path
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        payload = base64.b64encode(path.read_bytes()).decode("ascii")
        name = html.escape(path.name)
        self.link.value = (
            f'<a download="{name}" href="data:{mime};base64,{payload}" '
            f'style="font-size:1.1em;color:#0b57d0;text-decoration:underline">'
            f"{html.escape(t('export.download', name=path.name))}</a>"
        )
        pending = undecided_rows(self.store)
        if pending:
            done = t("export.done", name=path.name)
            self.status.show(f"{done} {t('export.undecided', count=pending)}", "warning")
        else:
            self.status.show(t("export.done", name=path.name), "ok")
        return path
