"""The room is warm before the groups open their links.

Ten groups scan their QR codes within the same minute. A kernel takes a core for a second or
two to start (Python, pandas, the widgets, the workbook) and then a few tenths of a second to
build a group's grid; started for the requests, all at once, ten of them took 44–49 s on a
two-core laptop. So, as the meeting reaches the group work, the server gets ready for each
group beforehand:

- **when**: the breakout was started in the plenary (its countdown set), the facilitator's
  guide is at the group work, or the facilitator opened the home page with the links; until
  the breakout is closed (the grids are read-only then) or the guide has moved past it;
- **what**: one kernel per group that has no grid open yet, each holding that group's grid,
  built for it before any request (the server names the group over the kernel's
  ``voila/query`` socket, :data:`PREPARE`; the kernel answers :data:`PREPARED` once the grid
  is built), plus one spare kernel for a second tab or a reload; otherwise the ``--preheat``
  kernels of a room at rest;
- **how**: one kernel at a time (the next starts once the last one has run its workbook, or
  has built its grid), and only while no page is loading (the rule of
  :mod:`ccm_widgets.server.pacing`): a starting kernel never takes the core a group's page
  needs;
- **whose**: the door (:mod:`ccm_widgets.server.patches`) checks a request's key first, then
  hands the request for group X the kernel prepared for X (:meth:`WarmRoom.choose`); the
  kernel checks the key again before it shows the grid (:mod:`ccm_widgets.pages`).

The decisions are pure functions of what the room knows (:func:`plan`, :func:`at_group_work`,
:func:`choose`), tested without a server; :class:`WarmRoom` gathers what they need from the
store, the door and Voilà's pool (:mod:`ccm_widgets.server.pool`) and carries them out.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: What the server sends a pooled kernel to have it build a group's grid: ``{PREPARE: slug}``.
PREPARE = "ccm_prepare"
#: What the kernel answers once it has: ``{PREPARED: slug, "ok": bool}``.
PREPARED = "ccm_prepared"
GROUP_NOTEBOOK = "groupe.ipynb"
#: Kernels kept ready beyond one per group: a second tab, a reload, a group whose own
#: kernel is not ready yet.
SPARE = 1
#: Seconds a kernel may take to start and run its workbook before the next one starts anyway.
START_TIMEOUT = 90.0
#: Seconds a kernel may take to build a group's grid before it is no longer waited for.
PREPARE_TIMEOUT = 30.0
#: Seconds between two reads of the meeting's state (its groups, the breakout, the phase).
READ_INTERVAL = 1.0
#: Guide phases after the group work: the room is back at rest.
PAST_GROUP_WORK = frozenset({"plenary", "export"})


@dataclass(frozen=True)
class MeetingState:
    """What the store says of the meeting, as the server reads it."""

    #: The groups' slugs, in the order of their numbers.
    groups: tuple[str, ...] = ()
    #: The facilitator guide's phase ("" when never set).
    phase: str = ""
    breakout_open: bool = True
    #: When the breakout's countdown ends (ISO UTC), "" when it was never started.
    breakout_end: str = ""


def at_group_work(state: MeetingState, *, home_opened: bool) -> bool:
    """Whether the meeting has reached the group work: the breakout started in the plenary
    (its countdown set), the guide at the breakout, or the facilitator's home page (the
    links and their QR codes) opened; and not over (the breakout closed, the guide past it).
    """
    if not state.breakout_open or state.phase in PAST_GROUP_WORK:
        return False
    return state.phase == "breakout" or bool(state.breakout_end) or home_opened


@dataclass(frozen=True)
class Pooled:
    """A kernel waiting in the pool, as the room sees it."""

    #: Its id; "" while it starts.
    kernel_id: str = ""
    #: It has run its workbook up to the request's wait (its query socket is open).
    listening: bool = False
    #: The group it was asked to prepare, if any.
    group: str | None = None
    #: It has said that group's grid is built.
    ready: bool = False
    #: When it started (or was asked to prepare), on the room's clock.
    since: float = 0.0
    #: It could not build a grid: a plain spare from now on.
    failed: bool = False


@dataclass(frozen=True)
class Plan:
    """What the room does now: at most one kernel started, kernels told their group, kernels
    retired."""

    start: bool = False
    prepare: tuple[tuple[str, str], ...] = ()
    retire: tuple[str, ...] = ()


def wanted_groups(groups: Sequence[str], open_groups: Iterable[str]) -> list[str]:
    """The groups that need a kernel of their own: those without an open grid."""
    opened = set(open_groups)
    return [g for g in groups if g not in opened]


def _busy(kernel: Pooled, now: float) -> bool:
    """Whether ``kernel`` is still taking a core: starting, or building a grid."""
    if not kernel.listening:
        return bool(now - kernel.since < START_TIMEOUT)
    preparing = kernel.group is not None and not kernel.ready and not kernel.failed
    return preparing and now - kernel.since < PREPARE_TIMEOUT


def plan(
    *,
    warm: bool,
    groups: Sequence[str],
    open_groups: Iterable[str],
    pool: Sequence[Pooled],
    base: int,
    loading: bool,
    now: float,
    spare: int = SPARE,
) -> Plan:
    """What to do with the pool now.

    At group work, the pool holds one kernel per group in ``groups`` without an open grid,
    each prepared for its group, and ``spare`` more; otherwise ``base`` kernels. While
    ``loading`` (a page is loading) nothing starts nor is prepared nor retired; and only one
    kernel is busy at a time (starting, or building its grid), so each takes the core alone.
    Groups are prepared in order; a kernel prepared for a group that has opened its grid
    since (with another kernel) counts as a spare, and may be prepared for another group.
    """
    wanted = wanted_groups(groups, open_groups) if warm else []
    size = len(wanted) + spare if warm else base
    if loading:
        return Plan()
    if len(pool) > size:
        # Surplus: the least useful waiting kernels go (spares first, then the groups last
        # in order), never one that is starting or building.
        def usefulness(kernel: Pooled) -> int:
            return wanted.index(kernel.group) if kernel.group in wanted else -1

        idle = [k for k in pool if k.kernel_id and not _busy(k, now)]
        idle.sort(key=usefulness)
        return Plan(retire=tuple(k.kernel_id for k in idle[: len(pool) - size]))
    if any(_busy(k, now) for k in pool):
        return Plan()
    covered = set()
    free = []
    for kernel in pool:
        if kernel.group in wanted and kernel.group not in covered and not kernel.failed:
            covered.add(kernel.group)
        elif kernel.listening and not kernel.failed:
            free.append(kernel)
    uncovered = [g for g in wanted if g not in covered]
    if uncovered and free:
        return Plan(prepare=((free[0].kernel_id, uncovered[0]),))
    if len(pool) < size:
        return Plan(start=True)
    return Plan()


def ready(*, warm: bool, groups: Sequence[str], open_groups: Iterable[str],
          pool: Sequence[Pooled], base: int, spare: int = SPARE) -> bool:  # fmt: skip
    """Whether the room is as :func:`plan` wants it: every wanted group's kernel ready, the
    spares listening."""
    wanted = wanted_groups(groups, open_groups) if warm else []
    size = len(wanted) + spare if warm else base
    prepared = {k.group for k in pool if k.ready and k.group in wanted}
    listening = sum(1 for k in pool if k.listening)
    return prepared == set(wanted) and listening >= size and len(pool) == size


def choose(pool: Sequence[Pooled], group: str | None, open_groups: Iterable[str] = ()) -> str:
    """The kernel a page request should get ("" to leave Voilà's own order).

    For a group's page (``group``, the key having been checked): the kernel that holds its
    grid, else the one building it, else a spare, else a kernel prepared for a group that has
    its grid open already, else any kernel that has run its workbook. For another page (the
    facilitator's, on a group's grid), a spare first.
    """
    opened = set(open_groups)
    ranked = [
        lambda k: group is not None and k.group == group and k.ready,
        lambda k: group is not None and k.group == group and k.listening,
        lambda k: k.listening and (k.group is None or k.failed),
        lambda k: k.listening and k.group in opened,
        lambda k: k.listening and k.group != group,
    ]
    for rank in ranked:
        for kernel in pool:
            if kernel.kernel_id and rank(kernel):
                return kernel.kernel_id
    return ""


# -- the room, in a server ---------------------------------------------------------------------


@dataclass
class _Kernel:
    """What the room remembers of a pooled kernel between two ticks."""

    since: float
    group: str | None = None
    ready: bool = False
    failed: bool = False


@dataclass
class WarmRoom:
    """The warm room of one server: what it knows, and the tick that acts on it.

    Parameters
    ----------
    kernel_manager:
        Voilà's (preheating) kernel manager.
    read_state:
        Reads the meeting's state from the store (called in a thread).
    open_groups:
        The groups whose grid is open in a tab now (the door knows).
    loading:
        Whether a page is loading now (the pacer knows), given the room's clock.
    send:
        Sends a message to a pooled kernel over its query socket; False if it has none.
    base:
        Kernels kept in the pool at rest (``--preheat``).
    """

    kernel_manager: Any
    read_state: Callable[[], MeetingState]
    open_groups: Callable[[], set[str]]
    loading: Callable[[float], bool]
    send: Callable[[str, dict[str, Any]], bool]
    base: int = 2
    notebook: str = GROUP_NOTEBOOK
    clock: Callable[[], float] = time.monotonic
    state: MeetingState = field(default_factory=MeetingState)
    home_opened: bool = False
    #: Kernel ids whose query socket is open.
    listening: set[str] = field(default_factory=set)
    _kernels: dict[str, _Kernel] = field(default_factory=dict)
    _starting: dict[int, float] = field(default_factory=dict)
    _ready_said: bool = False
    #: Stops the room's tick (set by :func:`install`).
    stop: Callable[[], None] = lambda: None

    # -- what the server tells the room ----------------------------------------------------

    def page_admitted(self, notebook: str, facilitator: bool) -> None:
        """The door let a page in: the facilitator's home page warms the room."""
        if facilitator and notebook == "animateur.ipynb" and not self.home_opened:
            self.home_opened = True
            log.info("page d'accueil de l'animateur ouverte : la salle se prépare")

    def socket_opened(self, kernel_id: str) -> dict[str, Any] | None:
        """A kernel opened its query socket; returns the preparation to send it again (it
        reconnected before saying it was done), if any."""
        self.listening.add(kernel_id)
        kernel = self._kernels.get(kernel_id)
        if kernel is not None and kernel.group is not None and not kernel.ready:
            return {PREPARE: kernel.group}
        return None

    def socket_closed(self, kernel_id: str) -> None:
        self.listening.discard(kernel_id)

    def answered(self, kernel_id: str, message: dict[str, Any]) -> None:
        """A kernel's message on its query socket: its grid is built (or could not be)."""
        kernel = self._kernels.get(kernel_id)
        if kernel is None or message.get(PREPARED) != kernel.group:
            return
        if message.get("ok"):
            kernel.ready = True
            log.info("noyau %s prêt pour le groupe %s", kernel_id, kernel.group)
        else:
            kernel.failed = True
            log.warning("noyau %s : grille du groupe %s impossible", kernel_id, kernel.group)

    # -- what the room sees -----------------------------------------------------------------

    @property
    def warm(self) -> bool:
        return at_group_work(self.state, home_opened=self.home_opened)

    def pooled(self) -> list[Pooled]:
        """The pool as the room sees it, in Voilà's order."""
        from ccm_widgets.server import pool

        now = self.clock()
        seen = []
        for item, kernel_id in pool.items(self.kernel_manager, self.notebook):
            if not kernel_id:
                since = self._starting.setdefault(id(item), now)
                seen.append(Pooled(since=since))
                continue
            known = self._kernels.get(kernel_id)
            if known is None:
                known = self._kernels[kernel_id] = _Kernel(self._starting.pop(id(item), now))
            seen.append(
                Pooled(
                    kernel_id, kernel_id in self.listening, known.group, known.ready,
                    known.since, known.failed,
                )
            )  # fmt: skip
        return seen

    def choose(self, group: str | None) -> str:
        """Put first in the pool the kernel the request of ``group`` should get; its id."""
        from ccm_widgets.server import pool

        chosen = choose(self.pooled(), group, self.open_groups())
        if chosen:
            pool.hand_first(self.kernel_manager, self.notebook, chosen)
            kernel = self._kernels.get(chosen)
            if group is not None and kernel is not None and kernel.group == group:
                state = "prête" if kernel.ready else "en préparation"
                log.info("groupe %s : noyau %s, sa grille %s", group, chosen, state)
        return chosen

    # -- what the room does -----------------------------------------------------------------

    def tick(self, fill: Callable[..., None]) -> Plan:
        """Act once on the pool: start, prepare or retire, as :func:`plan` says."""
        from ccm_widgets.server import pool

        now = self.clock()
        pooled = self.pooled()
        present = {k.kernel_id for k in pooled if k.kernel_id}
        for gone in set(self._kernels) - present:  # handed to a page, or shut down
            del self._kernels[gone]
        warm, open_groups = self.warm, self.open_groups()
        decided = plan(
            warm=warm, groups=self.state.groups, open_groups=open_groups, pool=pooled,
            base=self.base, loading=self.loading(now), now=now,
        )  # fmt: skip
        for kernel_id, group in decided.prepare:
            kernel = self._kernels[kernel_id]
            kernel.group, kernel.ready, kernel.since = group, False, now
            if not self.send(kernel_id, {PREPARE: group}):
                self.listening.discard(kernel_id)
        if decided.start:
            item = pool.start_one(self.kernel_manager, self.notebook, fill)
            self._starting[id(item)] = now
        for kernel_id in decided.retire:
            if pool.retire(self.kernel_manager, self.notebook, kernel_id):
                log.info("noyau %s de la réserve arrêté : la salle n'en a plus besoin", kernel_id)
        is_ready = ready(
            warm=warm, groups=self.state.groups, open_groups=open_groups,
            pool=self.pooled(), base=self.base,
        )  # fmt: skip
        if is_ready and not self._ready_said:
            wanted = wanted_groups(self.state.groups, open_groups) if warm else []
            log.info(  # the facilitator's terminal says it (room_set_up: INFO)
                "salle prête : %d groupe(s) préparé(s), %d noyau(x) en réserve",
                len(wanted), len(pooled) - len(wanted),
            )  # fmt: skip
        self._ready_said = is_ready
        return decided


class StateReader:
    """Reads the meeting's state from the store, on its own connection (in a thread)."""

    def __init__(self, location: str) -> None:
        self.location = location
        self._store: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> MeetingState:
        from ccm_widgets.store import Store, StoreError

        with self._lock:
            try:
                if self._store is None:
                    self._store = Store(self.location, create=False)
                store = self._store
                with store.db.read_transaction():
                    groups = tuple(g.slug for g in store.groups.all())
                    is_open, end = store.session.breakout()
                    phase = store.session.progress()[0]
                return MeetingState(groups, phase, is_open, end)
            except StoreError:
                if self._store is not None:
                    self._store.close()  # opened afresh next time (a restarted database)
                self._store = None
                raise


def install(
    app: Any, web_app: Any, *, door: Any, pacer: Any, interval: float = 0.25
) -> WarmRoom | None:
    """A :class:`WarmRoom` over ``app``'s kernel manager, known to ``web_app``'s handlers
    (``settings["ccm_room"]``): its tick every ``interval`` seconds, the meeting's state read
    every :data:`READ_INTERVAL` seconds (in a thread: the server's loop never waits on the
    database). ``door`` tells which groups have their grid open, ``pacer`` whether a page is
    loading. Nothing (None) without Voilà's pools (Voilà in a Jupyter server, no preheating).
    """
    from tornado.ioloop import PeriodicCallback

    from ccm_widgets.server import pool
    from ccm_widgets.server.patches import send_to_kernel
    from ccm_widgets.store import StoreError

    kernel_manager = app.kernel_manager
    if not pool.has_pools(kernel_manager):
        return None
    configured = kernel_manager.kernel_pools_config.get(GROUP_NOTEBOOK, {})
    room = WarmRoom(
        kernel_manager=kernel_manager,
        read_state=StateReader(door.store_location),
        open_groups=lambda: door.open_groups(lambda k: k in kernel_manager),
        loading=pacer.loading,
        send=send_to_kernel,
        base=int(configured.get("pool_size", 0)),
    )
    pool.own(kernel_manager, room.notebook)
    web_app.settings["ccm_room"] = room
    reading: list[asyncio.Future[MeetingState]] = []
    last_read = [float("-inf")]

    def tick() -> None:
        now = room.clock()
        if reading and reading[0].done():
            try:
                room.state = reading.pop().result()
            except StoreError as error:
                log.warning("état de la réunion illisible : %s", error)
        if not reading and now - last_read[0] >= READ_INTERVAL:
            last_read[0] = now
            reading.append(asyncio.ensure_future(asyncio.to_thread(room.read_state)))
        try:
            room.tick(kernel_manager.fill_if_needed)
        except Exception:  # the room must keep warming whatever one tick met
            log.exception("salle : tour impossible")

    callback = PeriodicCallback(tick, interval * 1000)
    callback.start()
    room.stop = callback.stop
    return room
