"""A store that cannot be written, in a real page: a full disk and a read-only file.

The store lives on a small tmpfs mounted for the test (a USB stick, in effect), so that the
disk can really fill up and the file can really become read-only while the server runs. In
both cases the page says why in French, the text stays on screen, nothing saved before is
lost, and the same text is saved once the fault is gone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server, start_server, stop_server
from tests.browser.helpers import GRID, open_page, row_editor_text, wait_cell_saved

pytestmark = pytest.mark.browser


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode:
        raise OSError(done.stderr.strip())


def room_ready(server: Server) -> None:
    """Wait until the server has started all the kernels it keeps ready ("salle prête").

    Linux refuses to make a mount read-only while a file is open for writing through it
    ("mount point is busy"). The server's reader of the meeting's state (the warm room) and
    the preheated kernels open the store once and keep it open: one that opened it after the
    stick's bind mount holds it through that mount, and the switch fails for as long as it
    lives (it did on CI, slower); those that opened it before hold it through the tmpfs
    itself, which the switch leaves alone. The room is said ready once they all have."""
    server.wait_logged("salle prête", timeout=120)


def write_protect(disk: Path) -> None:
    """Make ``disk`` read-only, as a stick's switch would. The kernel refuses while a file
    is being opened for writing there at that instant: "mount point is busy"; the switch is
    tried again."""
    for _ in range(40):
        try:
            _mount("-o", "remount,bind,ro", str(disk))
            return
        except OSError as error:
            if "busy" not in str(error):
                raise
            time.sleep(0.25)
    try:
        _mount("-o", "remount,bind,ro", str(disk))
    except OSError as error:
        raise OSError(f"{error}; ouverts sur la clé : {open_on(disk)}") from error


def open_on(disk: Path) -> list[str]:
    """The processes with a file open on ``disk`` and the files, for a failure's message."""
    found = []
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith(str(disk)):
                found.append(f"{fd.parts[2]}:{target}")
    return found


@contextlib.contextmanager
def usb_stick(folder: Path, size: str = "16m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder`` for the test, unmounted after it."""
    folder.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    except OSError as error:
        pytest.skip(f"monter un petit disque demande les droits de root : {error}")
    try:
        yield folder
    finally:
        for _ in range(3):  # the bind mount of the read-only test, then the tmpfs
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(disk: Path, *, leave: int) -> Path:
    """Write a file until only about ``leave`` bytes are free on ``disk``."""
    filler = disk / "remplissage.bin"
    block = b"\0" * 65536
    with filler.open("wb") as out:
        try:
            while True:
                stats = os.statvfs(disk)
                if stats.f_bavail * stats.f_frsize <= leave:
                    break
                out.write(block)
                out.flush()
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
    return filler


def status(page: Any) -> str:
    return str(page.locator(".ccm-status").first.inner_text())


def save_challenge(page: Any, area: Any, text: str) -> str:
    """Type ``text`` in the first row's Défis and leave the box; the status it leads to."""
    before = status(page)
    time.sleep(1.05)  # the status names the second of the save: two saves never look alike
    area.fill(text)
    area.press("Tab")
    try:
        page.wait_for_function(
            "before => { const s = document.querySelector('.ccm-status');"
            " return s && s.innerText !== before && !s.innerText.includes('…'); }",
            arg=before,
            timeout=30_000,
        )
    except Exception as error:  # say what the page said instead
        page.screenshot(path=str(ARTIFACTS / "defaut-stockage-attente.png"), full_page=True)
        statuses = page.locator(".ccm-status").all_inner_texts()
        raise AssertionError(f"statut inchangé ({before!r}) : {statuses}") from error
    return status(page)


def first_challenge(server: Server) -> str:
    with server.store() as store:
        return store.grid.rows("protection")[0].challenges


def test_a_full_disk_says_so_keeps_the_text_and_saves_it_once_there_is_room(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("disque-plein")
    with usb_stick(folder / "cle") as disk:
        server = start_server(folder, disk / "ccm.sqlite")
        try:
            tab = open_page(browser, server.links["Protection"], GRID)
            row_editor_text(tab, 0, 1)
            area = tab.locator(".ccm-row-editor textarea").nth(1)
            filler = fill(disk, leave=192 * 1024)
            saved, refused = "", ""
            for attempt in range(1, 30):  # each save adds some 40 kB to the write-ahead log
                words = "former les agents aux droits des migrants. " * 400
                text = f"Défi n° {attempt} : {words.strip()}"
                said = save_challenge(tab, area, text)
                if "Plus de place" in said:
                    refused = text
                    break
                assert "Enregistré" in said, said
                saved = text
            assert refused, "le disque ne s'est jamais rempli"
            assert area.input_value() == refused  # still on screen
            assert first_challenge(server) == saved  # what was saved before is still there
            filler.unlink()
            said = save_challenge(tab, area, refused + " (enregistré après)")
            assert "Enregistré" in said, said
            wait_cell_saved(tab, 0, "Défis")
            assert first_challenge(server) == refused + " (enregistré après)"
            with server.store() as store:
                assert store.integrity_check() == "ok"
            tab.context.close()
        finally:
            stop_server(server.process)


def test_a_read_only_store_says_so_keeps_the_text_and_saves_it_once_writable(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> None:
    """The stick's write protection goes on while the meeting runs: a tab opened then shows
    the grid and says it is read-only, keeps what is typed, and saves it once the protection
    is off, without reloading the page."""
    folder = tmp_path_factory.mktemp("lecture-seule")
    with usb_stick(folder / "cle") as disk:
        server = start_server(folder, disk / "ccm.sqlite")
        try:
            room_ready(server)
            _mount("--bind", str(disk), str(disk))
            write_protect(disk)
            tab = open_page(browser, server.links["Protection"], GRID)
            assert "lecture seule" in status(tab)  # said as soon as the page opens
            before = row_editor_text(tab, 0, 1)
            area = tab.locator(".ccm-row-editor textarea").nth(1)
            text = "Défi écrit sur une clé protégée en écriture"
            said = save_challenge(tab, area, text)
            assert "lecture seule" in said, said
            tab.screenshot(path=str(artifacts / "lecture-seule.png"), full_page=True)
            assert area.input_value() == text
            assert first_challenge(server) == before
            _mount("-o", "remount,bind,rw", str(disk))
            said = save_challenge(tab, area, text + ", puis enregistré")
            assert "Enregistré" in said, said
            assert first_challenge(server) == text + ", puis enregistré"
            tab.context.close()
        finally:
            stop_server(server.process)


def test_a_store_file_deleted_or_replaced_under_an_open_tab_is_refused_not_written(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> None:
    """A USB stick pulled out, a copy put over the file: the open tab used to go on saying
    "Enregistré" into the deleted file, and the next tab made an empty store."""
    import shutil

    folder = tmp_path_factory.mktemp("fichier-remplace")
    path = folder / "ccm.sqlite"
    server = start_server(folder, path)
    try:
        tab = open_page(browser, server.links["Protection"], GRID)
        row_editor_text(tab, 0, 1)
        area = tab.locator(".ccm-row-editor textarea").nth(1)
        assert "Enregistré" in save_challenge(tab, area, "Avant le retrait de la clé")
        with server.store() as store:
            store.db._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        copy = folder / "copie.sqlite"
        shutil.copy(path, copy)
        for name in ("ccm.sqlite", "ccm.sqlite-wal", "ccm.sqlite-shm"):
            (folder / name).unlink(missing_ok=True)
        said = save_challenge(tab, area, "Tapé clé retirée")
        assert "supprimé" in said, said
        assert area.input_value() == "Tapé clé retirée"  # still on screen
        tab.screenshot(path=str(artifacts / "stockage-supprime.png"), full_page=True)
        newcomer = open_page(browser, server.links["Migration irrégulière"], ".ccm-message")
        assert "introuvable" in newcomer.inner_text("body")
        assert not path.exists()  # no empty store made in its place
        newcomer.context.close()
        shutil.copy(copy, path)  # the stick put back: a copy, another file
        said = save_challenge(tab, area, "Tapé clé remise")
        assert "remplacé" in said, said
        assert first_challenge(server) == "Avant le retrait de la clé"
        tab.reload()  # the page opens the file that is there now, and saves into it
        tab.wait_for_selector(GRID, timeout=60_000)
        assert row_editor_text(tab, 0, 1) == "Avant le retrait de la clé"
        area = tab.locator(".ccm-row-editor textarea").nth(1)
        assert "Enregistré" in save_challenge(tab, area, "Après rechargement")
        assert first_challenge(server) == "Après rechargement"
        tab.context.close()
    finally:
        stop_server(server.process)
