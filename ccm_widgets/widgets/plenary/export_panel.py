"""Export panel: pick a format and a part, export to exports/, and the browser saves it;
the panel says the full path of the file written.

The export is written by :func:`ccm_widgets.files.exporting.export_download`, which hands
back its bytes; the panel hands them to the browser as a download that starts by itself
(:mod:`ccm_widgets.widgets.common.download`), with a link to save it again.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import ipywidgets as w

from ccm_widgets.files.exporting import Download, export_download
from ccm_widgets.i18n import t
from ccm_widgets.store import Store
from ccm_widgets.widgets.common.download import download_anchor
from ccm_widgets.widgets.common.status import StatusBar

log = logging.getLogger(__name__)


def download_link(download: Download) -> str:
    """The export as a download the page starts by itself, where its file was written on
    the server (its full path), and a link to save it again (its bytes inline, its name
    escaped)."""
    anchor = download_anchor(
        download.path.name,
        download.mime,
        download.data,
        t("export.download", name=download.path.name),
    )
    said = t("export.downloading", path=download.path.resolve())
    return f"{html.escape(said)} {anchor}"


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
            options=self._parts("html"), value="synthesis", description=t("export.part")
        )
        self.format.observe(self._on_format, names="value")
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

    @staticmethod
    def _parts(fmt: str) -> list[tuple[str, str]]:
        """The parts a format can hold: a table (CSV, XLSX) holds no whole report."""
        parts = [
            (t("export.part_synthesis"), "synthesis"),
            (t("export.part_report"), "report"),
            (t("export.part_decisions"), "decisions"),
        ]
        return [p for p in parts if not (fmt in {"csv", "xlsx"} and p[1] == "report")]

    def _on_format(self, change: dict[str, object]) -> None:
        chosen = self.part.value
        self.part.options = self._parts(str(change["new"]))
        self.part.value = chosen if chosen in {v for _, v in self.part.options} else "synthesis"

    def _on_export(self, _button: object = None) -> None:
        self.export()

    def export(self) -> Path | None:
        """Export with the chosen format and part; show a download link. ``None`` on failure."""
        fmt, part = self.format.value, self.part.value
        if fmt in {"csv", "xlsx"} and part == "report":  # said, never swapped for another part
            self.status.show(t("export.tables_only"), "error")
            return None
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
