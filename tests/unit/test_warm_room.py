"""The warm room without a server: when the room warms, which kernels start and in which
order, which group each prepares, which kernel a group's request gets; and a preheated
kernel that builds its group's grid before the request, then checks the request's key."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import ipywidgets as w
import pytest

from ccm_widgets.server.warm_room import (
    PREPARE,
    PREPARED,
    MeetingState,
    Plan,
    Pooled,
    WarmRoom,
    at_group_work,
    choose,
    plan,
    ready,
)
from ccm_widgets.store import AccessError, Store

GROUPS = ("economie", "gouvernance", "migration", "protection")


def room_plan(pool: list[Pooled], *, warm: bool = True, opened: tuple[str, ...] = (),
              loading: bool = False, now: float = 100.0) -> Plan:  # fmt: skip
    return plan(warm=warm, groups=GROUPS, open_groups=opened, pool=pool, base=2,
                loading=loading, now=now)  # fmt: skip


def listening(kernel_id: str, group: str | None = None, *, ready: bool = True) -> Pooled:
    return Pooled(kernel_id, listening=True, group=group, ready=ready and group is not None)


# -- when the room warms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "home", "warm"),
    [
        (MeetingState(GROUPS), False, False),  # the morning: nobody at group work yet
        (MeetingState(GROUPS), True, True),  # the facilitator opened the links' page
        (MeetingState(GROUPS, breakout_end="2026-11-26T10:45:00+00:00"), False, True),
        (MeetingState(GROUPS, phase="breakout"), False, True),  # the guide says so
        (MeetingState(GROUPS, breakout_open=False, breakout_end="2026"), True, False),  # closed
        (MeetingState(GROUPS, phase="plenary", breakout_end="2026"), True, False),  # past it
    ],
)
def test_the_room_warms_at_group_work_and_cools_after_it(
    state: MeetingState, home: bool, warm: bool
) -> None:
    assert at_group_work(state, home_opened=home) is warm


# -- which kernels start, in which order -----------------------------------------------------


def test_at_rest_the_pool_keeps_its_preheated_kernels() -> None:
    assert room_plan([], warm=False) == Plan(start=True)
    assert room_plan([listening("a"), listening("b")], warm=False) == Plan()


def test_kernels_start_one_after_the_other() -> None:
    assert room_plan([]) == Plan(start=True)
    starting = Pooled("", since=99.0)  # started a second ago, its workbook not run yet
    assert room_plan([starting]) == Plan()
    assert room_plan([Pooled("a", since=99.0)]) == Plan()  # its query socket not open yet


def test_a_kernel_that_never_comes_does_not_block_the_room() -> None:
    assert room_plan([Pooled("", since=0.0)], now=100.0) == Plan(start=True)


def test_each_ready_kernel_is_told_the_next_group_then_the_next_starts() -> None:
    pool = [listening("a")]
    assert room_plan(pool) == Plan(prepare=(("a", "economie"),))
    building = [Pooled("a", listening=True, group="economie", since=99.5)]
    assert room_plan(building) == Plan()  # one kernel busy at a time: its grid is built
    assert room_plan([listening("a", "economie")]) == Plan(start=True)
    pool = [listening("a", "economie"), listening("b")]
    assert room_plan(pool) == Plan(prepare=(("b", "gouvernance"),))


def test_a_warm_room_holds_a_kernel_per_group_and_a_spare() -> None:
    pool = [listening(k, g) for k, g in zip("abcd", GROUPS, strict=True)]
    assert room_plan(pool) == Plan(start=True)  # the spare
    pool.append(listening("e"))
    assert room_plan(pool) == Plan()
    assert ready(warm=True, groups=GROUPS, open_groups=(), pool=pool, base=2)
    assert not ready(warm=True, groups=GROUPS, open_groups=(), pool=pool[1:], base=2)


def test_nothing_starts_nor_is_prepared_while_a_page_loads() -> None:
    assert room_plan([], loading=True) == Plan()
    assert room_plan([listening("a")], loading=True) == Plan()


def test_a_group_with_its_grid_open_needs_no_kernel() -> None:
    pool = [listening("b", "gouvernance"), listening("c", "migration"), listening("d")]
    assert room_plan(pool, opened=("economie",)) == Plan(prepare=(("d", "protection"),))


def test_a_kernel_prepared_for_a_group_that_came_by_another_way_serves_another_group() -> None:
    # Économie opened its grid on the spare before its own kernel was ready.
    pool = [listening("a", "economie"), listening("b", "gouvernance")]
    assert room_plan(pool, opened=("economie",)) == Plan(prepare=(("a", "migration"),))


def test_the_room_cools_down_to_its_preheated_kernels() -> None:
    pool = [listening(k, g) for k, g in zip("abcd", GROUPS, strict=True)] + [listening("e")]
    decided = room_plan(pool, warm=False)
    assert len(decided.retire) == 3
    assert room_plan(pool, warm=False, loading=True) == Plan()  # not while a page loads


def test_surplus_spares_go_before_any_group_kernel() -> None:
    pool = [listening("a", "economie"), listening("s1"), listening("s2"), listening("s3")]
    # Three groups have opened their grid: one kernel for économie, one spare.
    decided = room_plan(pool, opened=("gouvernance", "migration", "protection"))
    assert set(decided.retire) <= {"s1", "s2", "s3"}
    assert len(decided.retire) == 2


# -- which kernel a group's request gets -----------------------------------------------------


def test_a_group_gets_the_kernel_that_holds_its_grid() -> None:
    pool = [listening("s"), listening("a", "economie"), listening("b", "gouvernance")]
    assert choose(pool, "gouvernance") == "b"
    building = [listening("s"), Pooled("b", listening=True, group="gouvernance")]
    assert choose(building, "gouvernance") == "b"  # being built: sooner than building anew


def test_without_its_own_kernel_a_group_gets_the_spare_then_a_kernel_not_needed() -> None:
    pool = [listening("a", "economie"), listening("s")]
    assert choose(pool, "protection") == "s"
    pool = [listening("a", "economie"), listening("b", "migration")]
    assert choose(pool, "protection", open_groups={"migration"}) == "b"
    assert choose(pool, "protection") == "a"
    assert choose([Pooled("")], "protection") == ""  # nothing ready: Voilà's own order


def test_the_facilitators_page_gets_a_spare_first() -> None:
    pool = [listening("a", "economie"), listening("s")]
    assert choose(pool, None) == "s"


# -- the room over a pool (Voilà's, as pool.py reads it) -------------------------------------


class Task:
    """A pool task as Voilà keeps them: done, with the kernel's id."""

    def __init__(self, kernel_id: str) -> None:
        self.kernel_id = kernel_id

    def done(self) -> bool:
        return bool(self.kernel_id)

    def cancelled(self) -> bool:
        return False

    def exception(self) -> None:
        return None

    def result(self) -> dict[str, str]:
        return {"kernel_id": self.kernel_id}


class Kernels:
    """What the room touches of Voilà's kernel manager."""

    def __init__(self) -> None:
        self._pools: dict[str, list[Any]] = {"groupe.ipynb": []}
        self.kernel_pools_config: dict[str, dict[str, int]] = {"groupe.ipynb": {"pool_size": 2}}
        self.started = 0
        self.shut: list[str] = []

    def fill_if_needed(self, delay: float | None = None, notebook_name: str = "", **_: Any) -> None:
        pool = self._pools[notebook_name]
        size = self.kernel_pools_config[notebook_name]["pool_size"]
        for _ in range(size - len(pool)):
            self.started += 1
            pool.append(Task(f"k{self.started}"))

    async def shutdown_kernel(self, kernel_id: str) -> None:
        self.shut.append(kernel_id)


def test_the_room_prepares_each_group_in_turn_and_hands_each_its_own() -> None:
    from ccm_widgets.server import pool as voila_pool

    kernels = Kernels()
    sent: list[tuple[str, dict[str, Any]]] = []
    clock = [0.0]
    room = WarmRoom(
        kernel_manager=kernels, read_state=lambda: MeetingState(), open_groups=set,
        loading=lambda now: False, send=lambda k, m: sent.append((k, m)) is None,
        clock=lambda: clock[0],
    )  # fmt: skip
    voila_pool.own(kernels, "groupe.ipynb")
    kernels.fill_if_needed(delay=None, notebook_name="groupe.ipynb")  # Voilà's own refill
    assert kernels.started == 0
    room.state = MeetingState(GROUPS[:2], breakout_end="2026-11-26T10:45:00+00:00")

    async def run() -> None:
        for _ in range(12):
            clock[0] += 1
            room.tick(kernels.fill_if_needed)
            for kernel_id, message in list(sent):  # each kernel builds its grid at once
                room.socket_opened(kernel_id)
                room.answered(kernel_id, {PREPARED: message[PREPARE], "ok": True})
            sent.clear()
            for _, kernel_id in voila_pool.items(kernels, "groupe.ipynb"):
                room.socket_opened(kernel_id)  # each has run its workbook

    asyncio.run(run())
    assert kernels.started == 3  # two groups and a spare, one by one
    assert room.choose("gouvernance") == "k2"
    assert kernels._pools["groupe.ipynb"][0].kernel_id == "k2"  # Voilà takes it first
    assert room.choose("protection") == "k3"  # not a group of this meeting: the spare


def test_the_facilitators_home_page_warms_the_room() -> None:
    room = WarmRoom(
        kernel_manager=Kernels(), read_state=MeetingState, open_groups=set,
        loading=lambda now: False, send=lambda k, m: True,
    )  # fmt: skip
    room.page_admitted("groupe.ipynb", facilitator=True)
    room.page_admitted("animateur.ipynb", facilitator=False)  # a refused key never gets here
    assert not room.warm
    room.page_admitted("animateur.ipynb", facilitator=True)
    assert room.warm


# -- the kernel's side -----------------------------------------------------------------------


def test_a_prepared_grid_is_the_page_of_its_group_only(demo_store: Store) -> None:
    from ccm_widgets.pages import PreparedGrid
    from ccm_widgets.widgets import GroupGridEditor

    prepared = PreparedGrid(demo_store)
    assert prepared.prepare("protection")
    editor = prepared.editor
    assert isinstance(editor, GroupGridEditor)
    assert editor.section == "protection"
    row = demo_store.grid.rows("protection")[0]
    with pytest.raises(AccessError):  # no write before a request's key is checked
        demo_store.grid.update_cell(row.id, "challenges", "x", seen=row.challenges, actor="?")
    key = demo_store.groups.key("protection")
    page = prepared.page({"groupe": "protection", "cle": key})
    assert isinstance(page, w.VBox)
    assert page.children[1] is editor
    assert demo_store.session.access is not None
    assert demo_store.session.access.role == "protection"
    editor.watcher.stop()


@pytest.mark.parametrize("who", ["other group", "wrong key", "facilitator"])
def test_a_prepared_grid_is_dropped_for_any_other_request(demo_store: Store, who: str) -> None:
    from ccm_widgets.pages import PreparedGrid
    from ccm_widgets.widgets import GroupGridEditor

    prepared = PreparedGrid(demo_store)
    assert prepared.prepare("protection")
    built = prepared.editor
    params = {
        "other group": {"groupe": "gouvernance-et-coordination",
                        "cle": demo_store.groups.key("gouvernance-et-coordination")},
        "wrong key": {"groupe": "protection", "cle": "pas-la-cle"},
        "facilitator": {"groupe": "protection", "cle": demo_store.groups.facilitator_key()},
    }[who]  # fmt: skip
    page = prepared.page(params)
    assert prepared.editor is None
    shown = [c for c in getattr(page, "children", ()) if isinstance(c, GroupGridEditor)]
    assert built not in shown  # closed, its watcher stopped
    if who == "wrong key":
        assert isinstance(page, w.HTML)
        assert "ccm-message" in page.value
    else:
        assert shown
        assert shown[0].section == params["groupe"]
        shown[0].watcher.stop()
    if who == "facilitator":
        assert shown[0].actor == "animateur"


def test_an_unknown_group_is_not_prepared(demo_store: Store) -> None:
    from ccm_widgets.pages import PreparedGrid

    assert not PreparedGrid(demo_store).prepare("inconnu")


def test_a_preheated_kernel_prepares_its_group_before_the_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over ``voila/query``: the server names a group, the kernel builds it and says so,
    then the request comes on the same socket."""
    from websockets.sync.server import serve

    from ccm_widgets import pages

    answers: list[dict[str, Any]] = []
    built: list[str] = []

    def server_side(socket: Any) -> None:
        socket.send(json.dumps({PREPARE: "protection"}))
        answers.append(json.loads(socket.recv(timeout=5)))
        socket.send(json.dumps({"QUERY_STRING": "groupe=protection&cle=k"}))

    with serve(server_side, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        monkeypatch.setenv("VOILA_PREHEAT", "True")
        monkeypatch.setenv("VOILA_APP_PORT", str(server.socket.getsockname()[1]))
        monkeypatch.setenv("VOILA_KERNEL_ID", "k")
        started = time.monotonic()
        pages.wait_for_request(poll=0.2, prepare=lambda group: built.append(group) is None)
        server.shutdown()
    assert time.monotonic() - started < 5
    assert built == ["protection"]
    assert answers == [{PREPARED: "protection", "ok": True}]
    assert pages.query_params() == {"groupe": "protection", "cle": "k"}
