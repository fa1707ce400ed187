"""A store that cannot be written, under a group's open page: a full disk, a read-only file, a
file deleted or replaced.

The store lives on a small tmpfs mounted for the test (a USB stick, in effect), so that the
disk can really fill up and the file can really become read-only while the server runs. In
both cases the group's light page says why in French in its status line, the text stays on
screen and on the device (its localStorage), nothing saved before is lost, and the page sends
the same text by itself once the fault is gone, without being reloaded (it tries again every
few seconds while the server answers 5xx). A store file deleted or replaced under an open
page is refused, never written into a file that is gone, and no empty store is made.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.store import Store
from tests.browser.conftest import ARTIFACTS, Server, start_server, stop_server
from tests.browser.helpers import LAPTOP, cell, open_group, open_page, type_cell

pytestmark = pytest.mark.browser

#: The cell every test types in: the first row's Défis of Protection.
SECTION, ROW, FIELD = "protection", 0, "challenges"
SAVED = "(ligne 1, Défis)"  # what the status line says of that cell once saved
#: The page tries again every 3 s: a fault gone is seen within a few of them.
RESEND = 20_000


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode:
        raise OSError(done.stderr.strip())


def write_protect(disk: Path) -> None:
    """Make ``disk`` read-only, as a stick's switch would. The kernel refuses while a file
    is being opened for writing there at that instant: "mount point is busy"; the switch is
    tried again (Linux refuses to make a mount read-only while a file is open for writing
    through it)."""
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
    return str(page.inner_text("#statut"))


def save(page: Any, text: str) -> str:
    """Type ``text`` in the cell and leave it (the page sends it at once); what the status
    line then says. The line is emptied first, so that two saves never look alike."""
    page.evaluate("() => { document.getElementById('statut').textContent = ''; }")
    type_cell(page, ROW, FIELD, text)
    try:
        page.wait_for_function(
            "() => document.getElementById('statut').textContent !== ''", timeout=30_000
        )
    except Exception as error:  # say what the page showed instead
        page.screenshot(path=str(ARTIFACTS / "defaut-stockage-attente.png"), full_page=True)
        raise AssertionError(f"statut resté vide : {page.inner_text('body')[:600]}") from error
    return status(page)


def resent(page: Any, timeout: float = RESEND) -> str:
    """Wait, hands off, for the page to say the cell was saved (its own retries)."""
    page.locator("#statut", has_text=SAVED).wait_for(timeout=timeout)
    return status(page)


def kept(page: Any) -> str:
    """What the page keeps on the device until the server has it."""
    return str(page.evaluate("() => JSON.stringify(localStorage)"))


def stored(server: Server) -> str:
    with server.store() as store:
        return store.grid.rows(SECTION)[ROW].challenges


def test_a_full_disk_says_so_keeps_the_text_and_saves_it_once_there_is_room(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> None:
    folder = tmp_path_factory.mktemp("disque-plein")
    with usb_stick(folder / "cle") as disk:
        server = start_server(folder, disk / "ccm.sqlite")
        try:
            page = open_group(browser, server.links["Protection"], LAPTOP)
            filler = fill(disk, leave=192 * 1024)
            saved, refused, said = "", "", ""
            for attempt in range(1, 30):  # each save adds some 40 kB to the write-ahead log
                words = "former les agents aux droits des migrants. " * 400
                text = f"Défi n° {attempt} : {words.strip()}"
                said = save(page, text)
                if "Plus de place" in said:
                    refused = text
                    break
                assert SAVED in said, said
                saved = text
            assert refused, "le disque ne s'est jamais rempli"
            assert saved, "refusé dès le premier envoi"
            # Said in French, the text still on screen and kept on the device.
            assert "rien n'a pu être enregistré" in said, said
            assert "gardé sur cet appareil" in said, said
            assert cell(page, ROW, FIELD).input_value() == refused
            assert refused in kept(page)
            assert stored(server) == saved  # what was saved before is still there
            page.screenshot(path=str(artifacts / "disque-plein.png"), full_page=True)
            # Room again: the page sends the text by itself, no key pressed, no reload.
            filler.unlink()
            said = resent(page)
            assert "Enregistré" in said, said
            assert stored(server) == refused
            page.wait_for_function("() => !localStorage.length", timeout=5_000)
            with server.store() as store:
                assert store.integrity_check() == "ok"
            page.context.close()
        finally:
            stop_server(server.process)


def test_a_read_only_store_says_so_keeps_the_text_and_saves_it_once_writable(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> None:
    """The stick's write protection goes on while the meeting runs: a group's page opened
    then shows the grid, says at its first save that the store is read-only, keeps what is
    typed, and saves it by itself once the protection is off, without being reloaded.

    A bind mount's protection binds only the files opened through it: the page is opened
    after the switch, so that the server's connections for it are (the server's watcher of
    changes, opened at its start, holds the file through the tmpfs itself, which the switch
    leaves alone, as Linux requires of a mount made read-only)."""
    folder = tmp_path_factory.mktemp("lecture-seule")
    with usb_stick(folder / "cle") as disk:
        server = start_server(folder, disk / "ccm.sqlite")
        try:
            before = stored(server)
            _mount("--bind", str(disk), str(disk))
            write_protect(disk)
            page = open_group(browser, server.links["Protection"], LAPTOP)
            assert cell(page, ROW, FIELD).input_value() == before
            text = "Défi écrit sur une clé protégée en écriture"
            said = save(page, text)
            assert "lecture seule" in said, said
            assert "gardé sur cet appareil" in said, said
            page.screenshot(path=str(artifacts / "lecture-seule.png"), full_page=True)
            assert cell(page, ROW, FIELD).input_value() == text
            assert text in kept(page)
            assert stored(server) == before
            _mount("-o", "remount,bind,rw", str(disk))
            said = resent(page)
            assert "Enregistré" in said, said
            assert stored(server) == text
            page.wait_for_function("() => !localStorage.length", timeout=5_000)
            page.context.close()
        finally:
            stop_server(server.process)


def pull_out(folder: Path) -> None:
    """The stick pulled out: the store's file and the two beside it gone."""
    for name in ("ccm.sqlite", "ccm.sqlite-wal", "ccm.sqlite-shm"):
        (folder / name).unlink(missing_ok=True)


def test_a_store_file_deleted_or_replaced_under_an_open_page_is_refused_not_written(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> None:
    """A USB stick pulled out, then put back; an older copy put in place of the file. The
    server used to go on saying "Enregistré" into the deleted file, and the next page made an
    empty store. Now nothing is written while the file is gone, the page keeps its text and
    sends it into the file put back; and a text typed over a text the file put in its place
    does not hold is not written over it: the page shows both."""
    folder = tmp_path_factory.mktemp("fichier-remplace")
    path = folder / "ccm.sqlite"
    server = start_server(folder, path)
    try:
        older = folder / "ancienne.sqlite"  # the demo as it was loaded: an older copy
        with server.store() as store:
            demo = store.grid.rows(SECTION)[ROW].challenges
            store.db._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(path, older)
        page = open_group(browser, server.links["Protection"], LAPTOP)
        assert SAVED in save(page, "Avant le retrait de la clé"), status(page)
        with server.store() as store:
            store.db._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        copy = folder / "copie.sqlite"
        shutil.copy(path, copy)
        pull_out(folder)
        said = save(page, "Tapé clé retirée")
        assert "introuvable (clé USB retirée" in said, said
        assert "gardé sur cet appareil" in said, said
        assert cell(page, ROW, FIELD).input_value() == "Tapé clé retirée"  # still on screen
        assert "Tapé clé retirée" in kept(page)
        page.screenshot(path=str(artifacts / "stockage-supprime.png"), full_page=True)
        newcomer = open_page(browser, server.links["Migration irrégulière"], "main, body")
        assert "introuvable" in newcomer.inner_text("body")
        newcomer.context.close()
        time.sleep(4)  # the open page tried again meanwhile
        assert not path.exists()  # no empty store made in its place
        # The stick put back (a copy: another file). The page sends its text into it, typed
        # over the text the copy holds.
        shutil.copy(copy, path)
        said = resent(page)
        assert "Enregistré" in said, said
        with Store(str(path)) as store:
            assert store.grid.rows(SECTION)[ROW].challenges == "Tapé clé retirée"
        page.wait_for_function("() => !localStorage.length", timeout=5_000)
        # The server follows the file that is there now: another device's change to it
        # reaches the open page live.
        with Store(str(path)) as store:
            second = store.grid.rows(SECTION)[1]
            store.grid.update_cell(second.id, FIELD, "Changé ailleurs après la remise",
                                   seen=second.challenges, actor="animateur")  # fmt: skip
            store.db._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page.wait_for_function(
            "() => document.querySelectorAll('#lignes textarea[name=challenges]')[1].value"
            " === 'Changé ailleurs après la remise'",
            timeout=10_000,
        )
        # A phone out of the Wi-Fi types on, while an older copy is put in place of the file.
        # Back, it sends what it kept, typed over a text the copy does not hold: not written
        # over the copy's text, the page shows both, and the user chooses.
        second_before = second.challenges
        page.context.set_offline(True)
        page.locator("#banniere").wait_for(state="visible", timeout=5_000)
        type_cell(page, ROW, FIELD, "Tapé hors ligne, avant la copie ancienne")
        pull_out(folder)
        shutil.copy(older, path)
        page.context.set_offline(False)
        conflict = page.locator("#lignes > li.row").first.locator(".conflict")
        conflict.wait_for(timeout=15_000)
        shown = conflict.inner_text()
        assert demo in shown, shown
        assert "Tapé hors ligne, avant la copie ancienne" in shown, shown
        # The rest of the page shows the copy's texts: the server follows the file there.
        page.wait_for_function(
            "text => document.querySelectorAll('#lignes textarea[name=challenges]')[1].value"
            " === text",
            arg=second_before,
            timeout=10_000,
        )
        page.screenshot(path=str(artifacts / "stockage-remplace.png"), full_page=True)
        with Store(str(path)) as store:
            assert store.grid.rows(SECTION)[ROW].challenges == demo
        conflict.get_by_role("button", name="Garder mon texte").click()
        page.locator("#statut", has_text=SAVED).wait_for(timeout=10_000)
        with Store(str(path)) as store:
            assert store.grid.rows(SECTION)[ROW].challenges == (
                "Tapé hors ligne, avant la copie ancienne"
            )
        page.context.close()
    finally:
        stop_server(server.process)
