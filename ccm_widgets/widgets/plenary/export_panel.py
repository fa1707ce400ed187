"""Export panel: pick a format and a part, export to exports/, download from the page.

The export is written by :func:`ccm_widgets.files.exporting.export_download`, which hands
back its bytes; the panel only offers them to the browser.
"""

from __future__ import annotations

import base64
import html
import logging
from pathlib import Path

import ipywidgets as w

from ccm_widgets.files.exporting import Download, export_download
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.status import StatusBar

log = logging.getLogger(__name__)


def download_link(download: Download) -> str:
    """A link that saves the export from the page itself (its bytes inline, escaped name)."""
    payload = base64.b64encode(download.data).decode("ascii")
    name = html.escape(download.path.name)
    return (
        f'<a download="{name}" href="data:{download.mime};base64,{payload}" '
        f'style="font-size:1.1em;color:#0b57d0;text-decoration:underline">'
        f"{html.escape(t('export.download', name=download.path.name))}</a>"
    )


class ExportPanel(w.VBox):
    """Format and part pickers, an export button, and a download link to the file made."""

    def __init__(self, *, store: Store, directory: Path | None = None) -> None:
        super().__init__()
        self.store = store
        #: Where exports go; ``None``: where the exports module says (``CCM_EXPORTS``).
        self.directory = directory
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
            made = export_download(
                self.store, fmt, part, directory=self.directory, mask_contacts=self.mask.value
            )
        except Exception as error:  # the user must see why, whatever it is
            log.exception("export en échec")
            self.status.show(t("export.failed", error=error), "error")
            return None
        finally:
            self.button.disabled = False
        self.last_path = made.path
        self.link.value = download_link(made)
        done = t("export.done", name=made.path.name)
        if made.undecided:
            self.status.show(f"{done} {t('export.undecided', count=made.undecided)}", "warning")
        else:
            self.status.show(done, "ok")
        return made.path
