"""A tab is woken when another tab saves, on SQLite (the ``-wal`` file written) and on
PostgreSQL (``NOTIFY``), without reading the store in between; a deaf signal falls back to
reading the counter at the watcher's pace."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ccm_widgets.store import Store
from ccm_widgets.store.changes import ChangeSignal, file_system
from ccm_widgets.widgets.common.watcher import ChangeWatcher


def watched(store: Store, *, interval: float) -> tuple[ChangeWatcher, threading.Event, list[int]]:
    woken = threading.Event()
    counters: list[int] = []
    watcher = ChangeWatcher(store, interval=interval)
    watcher.on_change(lambda counter: (counters.append(counter), woken.set()))
    return watcher, woken, counters


def test_a_save_in_another_tab_wakes_the_watcher_at_once(any_store: Store) -> None:
    # Read the counter only every minute: only the signal can wake the watcher in time.
    watcher, woken, counters = watched(any_store, interval=60)
    reads: list[int] = []
    counter = any_store.session.change_counter

    def counted() -> int:
        reads.append(1)
        return counter()

    any_store.session.change_counter = counted  # type: ignore[method-assign]
    watcher.start()
    time.sleep(0.5)  # the signal's source is listening (PostgreSQL's wakes it once, then)
    listening = len(reads)
    time.sleep(0.5)
    idle_reads = len(reads) - listening
    with Store(any_store.location) as other:  # another tab's kernel
        saved_at = time.monotonic()
        other.session.set_progress(phase="review", actor="test")
        assert woken.wait(2), "le stockage a changé, la surveillance dort encore"
        delay = time.monotonic() - saved_at
    watcher.stop()
    assert counters == [counter()]
    assert delay < 0.5
    assert idle_reads == 0  # idle, nothing was read


def test_an_idle_store_wakes_nobody(tmp_path: Path) -> None:
    with Store(tmp_path / "calme.sqlite") as store:
        signal = store.db.change_signal()
        time.sleep(0.3)
        seen = signal.generation
        store.groups.all()  # reading writes nothing that wakes the others
        store.session.change_counter()
        assert signal.wait(seen, 0.5) == seen


def test_a_deaf_signal_falls_back_to_reading_the_counter(tmp_path: Path) -> None:
    with Store(tmp_path / "sourd.sqlite") as store:
        signal = store.db.change_signal()
        signal.failed = True  # a mount that reports nothing
        watcher, woken, _ = watched(store, interval=0.1)
        watcher.start()
        with Store(store.location) as other:
            other.session.set_progress(phase="review", actor="test")
            assert woken.wait(2)
        watcher.stop()


def test_own_commits_unheard_make_a_signal_deaf() -> None:
    signal = ChangeSignal()
    assert not signal.deaf
    signal.committed()
    assert not signal.deaf
    signal._unheard = time.monotonic() - 5  # committed five seconds ago, nothing heard
    assert signal.deaf
    signal.notify()
    assert not signal.deaf


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
server:/salle /mnt/salle nfs4 rw 0 0
/dev/sdb1 /media/cle\\040usb vfat rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/home/animatrice/ccm/data", "ext4"),
        ("/mnt/salle/ccm", "nfs4"),
        ("/mnt/sallee", "ext4"),
        ("/media/cle usb/ccm", "vfat"),
    ],
)
def test_the_file_system_of_a_store_is_found(path: str, kind: str) -> None:
    assert file_system(Path(path), MOUNTS) == kind
