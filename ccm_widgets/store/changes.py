"""Tabs woken when the store changes, instead of asking it four times a second.

Every tab that shows others' work watches the store's change counter
(:class:`~ccm_widgets.widgets.common.watcher.ChangeWatcher`). Read every 250 ms, a save
showed in the other tabs 0.4–0.6 s later (p95, 12 tabs), and each idle tab still read the
store four times a second. A :class:`ChangeSignal` wakes the watchers as soon as another
connection may have committed:

- **SQLite**: a commit writes the store's ``-wal`` file (WAL mode); the operating system says
  so (inotify on Linux, through ``watchfiles``, which the kit keeps for this), within a few
  tens of milliseconds. Reads write nothing there, so an idle room wakes nobody.
- **PostgreSQL**: each write transaction that moves the counter sends ``NOTIFY ccm_changes``
  (delivered at its commit, to every connection of that database that listens); each tab
  listens on a connection of its own.

A signal can be deaf (a file system that reports nothing, such as some network or FUSE
mounts; a listener connection that cannot be made): it says so (:attr:`ChangeSignal.deaf`)
once one of this connection's own commits was not heard within :data:`DEAF_AFTER` seconds,
or its source failed; the watchers then read the counter at their own pace again.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from ccm_widgets.i18n import t

log = logging.getLogger(__name__)

#: The PostgreSQL channel a write transaction notifies.
CHANNEL = "ccm_changes"
#: Seconds after one of its own commits with nothing heard before a signal counts as deaf.
DEAF_AFTER = 1.0
#: Milliseconds between two looks at the file system's events (``watchfiles``' step): a
#: commit is heard within about two of them.
STEP_MS = 20


class ChangeSignal:
    """Wakes the threads that :meth:`wait` on it when the store may have changed.

    Fed by a background thread (:func:`watch_sqlite`, :func:`listen_postgresql`) that calls
    :meth:`notify`; the connection calls :meth:`committed` after each of its own commits.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.generation = 0
        self.failed = False
        self._unheard: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def notify(self) -> None:
        """Something changed: wake every waiter."""
        with self._condition:
            self.generation += 1
            self._unheard = None
            self._condition.notify_all()

    def committed(self) -> None:
        """This connection committed a change: it should be heard soon."""
        with self._condition:
            if self._unheard is None:
                self._unheard = time.monotonic()

    @property
    def deaf(self) -> bool:
        """Whether the signal cannot be relied on: its source failed, or one of this
        connection's own commits went unheard for :data:`DEAF_AFTER` seconds."""
        unheard = self._unheard
        return self.failed or (unheard is not None and time.monotonic() - unheard > DEAF_AFTER)

    def wait(self, seen: int, timeout: float) -> int:
        """Wait until the generation differs from ``seen`` (or ``timeout`` seconds, or the
        signal stops); returns the generation now."""
        with self._condition:
            self._condition.wait_for(
                lambda: self.generation != seen or self._stop.is_set(), timeout
            )
            return self.generation

    def start(self, target: Any, *args: Any) -> ChangeSignal:
        """Run ``target(self, *args)`` as the signal's source, in a daemon thread."""

        def run() -> None:
            try:
                target(self, *args)
            except Exception:  # the watchers go back to reading the counter
                log.exception(t("changes.signal_failed"))
            finally:
                if not self._stop.is_set():
                    self.failed = True
                with self._condition:
                    self._condition.notify_all()

        self._thread = threading.Thread(target=run, name="ccm-changes", daemon=True)
        self._thread.start()
        return self

    @property
    def stopping(self) -> threading.Event:
        """Set when the signal is closed: its source stops."""
        return self._stop

    def close(self) -> None:
        """Stop the source; wake the waiters (they see the store closed)."""
        self._stop.set()
        with self._condition:
            self._condition.notify_all()


#: File systems whose changes made elsewhere the kernel does not report (inotify).
REMOTE_FILE_SYSTEMS = ("nfs", "cifs", "smb", "fuse", "9p", "afs", "ceph", "glusterfs")


def file_system(path: Path, mounts: str | None = None) -> str:
    """The type of the file system ``path`` is on ("" when unknown): the mount point that
    is the longest prefix of ``path``, in ``/proc/self/mounts`` (or ``mounts``)."""
    if mounts is None:
        try:
            mounts = Path("/proc/self/mounts").read_text()
        except OSError:
            return ""
    found, best = "", -1
    resolved = str(path)
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and len(point) > best:
            found, best = fields[2], len(point)
    return found


def watch_sqlite(signal: ChangeSignal, database: Path) -> None:
    """Notify ``signal`` whenever the SQLite store ``database`` or its ``-wal`` file is
    written, until the signal closes. On a network file system, whose writes by other
    machines nobody reports, the signal is deaf from the start."""
    if file_system(database.parent).startswith(REMOTE_FILE_SYSTEMS):
        signal.failed = True
        return
    import watchfiles

    names = {database.name, f"{database.name}-wal"}

    def ours(_change: object, path: str) -> bool:
        return Path(path).name in names

    for _changes in watchfiles.watch(
        database.parent,
        watch_filter=ours,
        debounce=100,
        step=STEP_MS,
        stop_event=signal.stopping,
        rust_timeout=0,
        raise_interrupt=False,
        recursive=False,
    ):
        signal.notify()


def listen_postgresql(signal: ChangeSignal, location: str) -> None:
    """Notify ``signal`` at each ``NOTIFY`` on :data:`CHANNEL`, on a connection of its own
    (made again after the server went away), until the signal closes."""
    import psycopg

    while not signal.stopping.is_set():
        try:
            with psycopg.connect(location, autocommit=True) as connection:
                connection.execute(f"LISTEN {CHANNEL}")
                signal.notify()  # anything missed while there was no connection
                while not signal.stopping.is_set():
                    for _ in connection.notifies(timeout=1.0):
                        signal.notify()
        except psycopg.OperationalError as error:
            log.warning(t("changes.listen_retry", error=error))
            signal.stopping.wait(2.0)
