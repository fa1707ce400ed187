"""The door's rules without a server: only the facilitator's key opens a workbook (and so a
kernel), old group and projection links lead to the light pages, kernels answer the
facilitator's cookie only, the room's cap; the websocket framing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from jupyter_server.services.kernels.connection.base import (
    serialize_binary_message,
    serialize_msg_to_ws_v1,
)

from ccm_widgets.server.door import (
    FACILITATOR_PAGES,
    Door,
    Refusal,
    moved_page,
    page_access,
)
from ccm_widgets.server.patches import (
    MalformedMessage,
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
    read_header_from_binary_message,
    with_key,
)
from ccm_widgets.store import FACILITATOR, Access, Store
from ccm_widgets.web.access import KeyBook

KEYS = KeyBook("anim", "proj", {"protection": "prot", "gouvernance": "gouv"})


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("anim", Access(FACILITATOR, "anim")),
        ("proj", Refusal("page.bad_key")),
        ("prot", Refusal("page.bad_key")),
        ("", Refusal("page.bad_key")),
        ("anim" + "x" * 100, Refusal("page.bad_key")),
        ("ANIM", Refusal("page.bad_key")),
    ],
)
def test_only_the_facilitators_key_opens_a_workbook(key: str, expected: object) -> None:
    """A workbook holds a kernel: a group's or the projection's key (on the wall) opens none."""
    assert page_access(key, KEYS) == expected


def test_an_empty_key_never_matches_a_missing_one() -> None:
    assert page_access("", KeyBook("", "", {})) == Refusal("page.bad_key")
    assert KeyBook("", "", {"protection": ""}).identify("") is None


@pytest.mark.parametrize(
    ("notebook", "moved"),
    [
        ("groupe.ipynb", "ccm/groupe"),
        ("/groupe.ipynb", "ccm/groupe"),
        ("projection.ipynb", "ccm/projection"),
        ("pleniere.ipynb", None),
        ("animateur.ipynb", None),
    ],
)
def test_old_group_and_projection_links_lead_to_the_light_pages(
    notebook: str, moved: str | None
) -> None:
    assert moved_page(notebook) == moved


def test_a_reload_without_the_key_hands_the_kernel_the_cookies_key() -> None:
    assert with_key("", "anim") == "cle=anim"
    assert with_key("onglet=2&cle=faux", "anim") == "onglet=2&cle=anim"


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


def test_kernels_answer_the_facilitators_cookie_only(meeting_store: Store) -> None:
    door = Door(str(meeting_store.path))
    facilitator = meeting_store.groups.facilitator_key()
    assert asyncio.run(door.may_use_kernels(facilitator))
    for other in (
        meeting_store.groups.key("protection"),
        meeting_store.groups.projection_key(),
        "",
        None,
        facilitator + "x",
    ):
        assert not asyncio.run(door.may_use_kernels(other))
    # Behind JupyterHub the owner is authenticated by the hub: the server's own rules apply.
    assert asyncio.run(Door(str(meeting_store.path), strict=False).may_use_kernels(None))


def test_the_room_is_full_past_the_facilitators_pages(meeting_store: Store) -> None:
    door = Door(str(meeting_store.path))
    key = meeting_store.groups.facilitator_key()
    last = FACILITATOR_PAGES - 1
    assert asyncio.run(door.admit(key, last)) == Access(FACILITATOR, key)
    assert asyncio.run(door.admit(key, FACILITATOR_PAGES)) == Refusal("door.room_full", 503)
    door.opening = 1  # a page let in whose kernel is starting counts too
    assert asyncio.run(door.admit(key, last)) == Refusal("door.room_full", 503)
    capped = Door(str(meeting_store.path), max_pages=2)
    assert asyncio.run(capped.admit(key, 2)) == Refusal("door.room_full", 503)
    # A wrong key is refused for what it is, whatever the room holds.
    assert asyncio.run(door.admit("faux", 0)) == Refusal("page.bad_key")


def test_a_renewed_key_stops_opening_pages_within_a_second(meeting_store: Store) -> None:
    door = Door(str(meeting_store.path))
    old = meeting_store.groups.facilitator_key()
    assert isinstance(asyncio.run(door.admit(old, 0)), Access)
    meeting_store.groups.renew_key(FACILITATOR)
    door.reader.expire()  # a second later
    assert asyncio.run(door.admit(old, 0)) == Refusal("page.bad_key")
    assert not asyncio.run(door.may_use_kernels(old))


def test_refusing_a_flood_of_wrong_keys_reads_the_store_once_a_second(
    meeting_store: Store,
) -> None:
    door = Door(str(meeting_store.path))
    reads = 0
    read = door.reader._read

    def counted() -> KeyBook:
        nonlocal reads
        reads += 1
        return read()

    door.reader._read = counted  # type: ignore[method-assign]

    async def flood() -> None:
        for n in range(500):
            await door.admit(f"faux{n}", 0)

    started = time.perf_counter()
    asyncio.run(flood())
    assert reads <= 2 + (time.perf_counter() - started)
    assert door.refused == 500


def test_the_keys_follow_a_store_file_put_back_in_place(meeting_store: Store) -> None:
    """A USB stick pulled out, and another copy of the meeting put in its place: the door
    reads the keys of the file that is there now, not of the one it had opened."""
    import shutil

    door = Door(str(meeting_store.path))
    old = meeting_store.groups.facilitator_key()
    assert isinstance(asyncio.run(door.admit(old, 0)), Access)
    copy = meeting_store.path.with_name("copie.sqlite")
    with Store(copy) as other:
        other.groups.renew_key(FACILITATOR)
        new = other.groups.facilitator_key()
    for suffix in ("-wal", "-shm"):  # the stick's files go with it
        Path(f"{meeting_store.path}{suffix}").unlink(missing_ok=True)
    shutil.move(copy, meeting_store.path)  # a new file at the same path
    door.reader.expire()
    assert asyncio.run(door.admit(new, 0)) == Access(FACILITATOR, new)
    assert asyncio.run(door.admit(old, 0)) == Refusal("page.bad_key")
