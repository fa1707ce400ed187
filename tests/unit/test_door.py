"""The door's rules without a server: which key opens which workbook, the websocket framing,
the kernels' owners, the room's cap."""

from __future__ import annotations

import asyncio
import time

import pytest
from jupyter_server.services.kernels.connection.base import (
    serialize_binary_message,
    serialize_msg_to_ws_v1,
)

from ccm_widgets.server.door import Door, KeyBook, Refusal, default_max_pages, page_access
from ccm_widgets.server.patches import (
    MalformedMessage,
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
    read_header_from_binary_message,
)
from ccm_widgets.store import FACILITATOR, PROJECTION, Access, Store

KEYS = KeyBook("anim", "proj", {"protection": "prot", "gouvernance": "gouv"})


@pytest.mark.parametrize(
    ("notebook", "query", "expected"),
    [
        ("groupe.ipynb", {"groupe": "protection", "cle": "prot"}, Access("protection", "prot")),
        ("groupe.ipynb", {"groupe": "protection", "cle": "anim"}, Access(FACILITATOR, "anim")),
        ("groupe.ipynb", {"groupe": "general", "cle": "anim"}, Access(FACILITATOR, "anim")),
        ("pleniere.ipynb", {"cle": "anim"}, Access(FACILITATOR, "anim")),
        ("projection.ipynb", {"cle": "proj"}, Access(PROJECTION, "proj")),
        ("groupe.ipynb", {"groupe": "protection", "cle": "gouv"}, Refusal("page.bad_key")),
        ("groupe.ipynb", {"groupe": "protection"}, Refusal("page.bad_key")),
        ("groupe.ipynb", {"groupe": "general", "cle": "prot"}, Refusal("page.bad_key")),
        ("groupe.ipynb", {"groupe": "inconnu", "cle": "prot"}, Refusal("page.unknown_group")),
        ("groupe.ipynb", {"groupe": "protection", "cle": "proj"}, Refusal("page.bad_key")),
        ("pleniere.ipynb", {"cle": "proj"}, Refusal("page.bad_key")),
        ("pleniere.ipynb", {"cle": "prot"}, Refusal("page.bad_key")),
        ("pleniere.ipynb", {"cle": ""}, Refusal("page.bad_key")),
        ("animateur.ipynb", {}, Refusal("page.bad_key")),
    ],
)
def test_each_key_opens_its_own_pages_only(
    notebook: str, query: dict[str, str], expected: Access | Refusal
) -> None:
    assert page_access(notebook, query, KEYS) == expected


def test_an_empty_key_never_matches_a_missing_one() -> None:
    """A store whose projection key is unset must not open the projection to ``cle=``."""
    keys = KeyBook("anim", "", {})
    assert page_access("projection.ipynb", {"cle": ""}, keys) == Refusal("page.bad_key")


def test_a_bound_message_count_refuses_what_does_not_fit_and_fast() -> None:
    started = time.monotonic()
    for reader in (deserialize_msg_from_ws_v1, deserialize_binary_message):
        with pytest.raises(MalformedMessage):
            reader((2**40).to_bytes(8, "little") + bytes(8))
    with pytest.raises(MalformedMessage):
        deserialize_binary_message((2**31 - 1).to_bytes(4, "big") + bytes(12))
    assert read_header_from_binary_message((2**40).to_bytes(8, "little") + bytes(8)) is None
    assert time.monotonic() - started < 0.5


def test_offsets_outside_the_message_are_refused() -> None:
    message = bytearray(serialize_msg_to_ws_v1([b"{}", b"{}", b"{}", b"{}"], "shell"))
    message[8:16] = (10**9).to_bytes(8, "little")
    with pytest.raises(MalformedMessage):
        deserialize_msg_from_ws_v1(bytes(message))


def test_well_formed_messages_read_as_upstream_reads_them() -> None:
    parts = [b'{"msg_type": "comm_msg"}', b"{}", b"{}", b'{"data": 1}', b"\x00buffer"]
    channel, read = deserialize_msg_from_ws_v1(serialize_msg_to_ws_v1(parts, "shell"))
    assert (channel, read) == ("shell", parts)
    assert read_header_from_binary_message(serialize_msg_to_ws_v1(parts, "iopub")) == {
        "msg_type": "comm_msg"
    }
    msg = {
        "header": {"msg_id": "1"}, "parent_header": {}, "metadata": {}, "content": {},
        "buffers": [b"abc", b"de"],
    }  # fmt: skip
    again = deserialize_binary_message(serialize_binary_message(msg))
    assert again["buffers"] == [b"abc", b"de"]
    assert again["header"] == {"msg_id": "1"}


def test_a_kernel_answers_the_browser_it_was_handed_to() -> None:
    door = Door("unused.sqlite")
    door.bind("k1", "browser-a")
    assert door.may_use("k1", "browser-a")
    assert not door.may_use("k1", "browser-b")
    assert not door.may_use("k1", None)
    assert not door.may_use("k2", "browser-a")  # no page was handed k2 (a pooled kernel)
    door.forget(lambda kernel_id: kernel_id != "k1")
    assert not door.may_use("k1", "browser-a")
    lenient = Door("unused.sqlite", strict=False)  # a Jupyter server: its owner's own kernels
    assert lenient.may_use("k2", None)
    lenient.bind("k3", "browser-a")
    assert not lenient.may_use("k3", "browser-b")


def test_pages_opened_together_before_the_cookie_all_answer_the_cookie_the_browser_kept() -> None:
    """A browser without the cookie opens three pages at once: each answer gives it a cookie,
    it keeps the last, and the two other pages' kernels refused it (their pages showed
    "noyau arrêté")."""
    door = Door("unused.sqlite")
    first, second, kept = (door.new_browser(now=100.0 + n) for n in range(3))
    for kernel_id, browser in (("k1", first), ("k2", second), ("k3", kept)):
        door.bind(kernel_id, browser)
    assert all(door.may_use(k, kept) for k in ("k1", "k2", "k3"))
    assert not door.may_use("k1", first)  # moved: the cookie the browser dropped is refused
    assert door.may_use("k1", kept)


def test_a_kernel_follows_only_cookies_given_together_with_its_own() -> None:
    door = Door("unused.sqlite")
    mine = door.new_browser(now=100.0)
    door.bind("k1", mine)
    assert door.may_use("k1", mine)  # used with its own cookie before the next answer came
    assert not door.may_use("k1", "made-up")  # a cookie this door never gave
    later = door.new_browser(now=100.0 + 31)  # another browser, half a minute later
    assert not door.may_use("k1", later)
    together, last = door.new_browser(now=110.0), door.new_browser(now=112.0)
    assert door.may_use("k1", together)
    assert door.may_use("k1", last)  # the answers came one after the other
    assert not door.may_use("k1", together)  # left behind: refused
    assert not door.may_use("k1", mine)
    door.bind("k3", "a-cookie-the-browser-brought")  # not given with its page: never moves
    assert not door.may_use("k3", door.new_browser(now=300.0))


def test_given_cookies_are_remembered_for_minutes_not_forever() -> None:
    door = Door("unused.sqlite")
    old = door.new_browser(now=0.0)
    door.bind("k1", old)
    door.new_browser(now=601.0)
    assert old not in door._issued
    assert not door.may_use("k1", door.new_browser(now=601.5))


def test_only_the_servers_own_kernels_hear_the_requests() -> None:
    door = Door("unused.sqlite")
    assert door.is_own_kernel(door.query_secret)
    assert not door.is_own_kernel(None)
    assert not door.is_own_kernel("")
    assert not door.is_own_kernel(Door("unused.sqlite").query_secret)


def test_the_room_is_full_past_two_pages_a_group_and_the_facilitators(
    meeting_store: Store,
) -> None:
    door = Door(str(meeting_store.path))
    key = meeting_store.groups.key("protection")
    query = {"groupe": "protection", "cle": key}
    assert default_max_pages(4) == 16
    assert asyncio.run(door.admit("groupe.ipynb", query, 15)) == Access("protection", key)
    assert asyncio.run(door.admit("groupe.ipynb", query, 16)) == Refusal("door.room_full", 503)
    door.opening = 1  # a page let in whose kernel is starting counts too
    assert asyncio.run(door.admit("groupe.ipynb", query, 15)) == Refusal("door.room_full", 503)
    capped = Door(str(meeting_store.path), max_pages=2)
    assert asyncio.run(capped.admit("groupe.ipynb", query, 2)) == Refusal("door.room_full", 503)


def test_a_renewed_key_stops_opening_pages_within_a_second(meeting_store: Store) -> None:
    door = Door(str(meeting_store.path))
    old = meeting_store.groups.key("protection")
    query = {"groupe": "protection", "cle": old}
    assert isinstance(asyncio.run(door.admit("groupe.ipynb", query, 0)), Access)
    meeting_store.groups.renew_key("protection")
    door._keys_at -= 1.0  # a second later
    assert asyncio.run(door.admit("groupe.ipynb", query, 0)) == Refusal("page.bad_key")


def test_a_query_socket_closing_removes_its_own_waiter_only() -> None:
    """Upstream's ``on_close`` deleted the last waiter it looked at when its own was gone:
    two sockets on a made-up id took the waiter of a real preheated kernel."""
    from voila.request_info_handler import RequestInfoSocketHandler

    from ccm_widgets.server.patches import _patch_request_info

    _patch_request_info()
    waiters = RequestInfoSocketHandler._waiters
    waiters.clear()

    class Socket:
        written: list[object]

        def __init__(self) -> None:
            self.written = []

        def write_message(self, message: object) -> None:
            self.written.append(message)

    real, first, second = Socket(), Socket(), Socket()
    for socket, kernel_id in ((real, "real"), (first, "made-up"), (second, "made-up")):
        RequestInfoSocketHandler.open(socket, kernel_id)
    RequestInfoSocketHandler.on_close(second)
    RequestInfoSocketHandler.on_close(first)
    assert waiters == {"real": real}
    # A request sent while its kernel's socket was down reaches it when it reconnects.
    waiters.clear()
    RequestInfoSocketHandler.send_updates({"kernel_id": "real", "payload": {"Q": "1"}})
    again = Socket()
    RequestInfoSocketHandler.open(again, "real")
    assert again.written == [{"Q": "1"}]
    RequestInfoSocketHandler._cache.clear()
    waiters.clear()
