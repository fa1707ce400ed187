"""Behind JupyterHub, a rapporteur's kernel websocket carries only what a Voilà page sends.

The connection is driven without a server: the user, the protocol and the kernel's channels
are stand-ins; what reaches the kernel is what jupyter_server's own code hands the session.
The deployment runs it for real in ``tests/browser/test_jupyterhub.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from jupyter_client.session import Session, json_packer
from jupyter_server.services.kernels.connection.base import (
    serialize_binary_message,
    serialize_msg_to_ws_v1,
)

from ccm_widgets.server.extension import (
    GUEST_MESSAGE_TYPES,
    V1_PROTOCOL,
    RoomKernelConnection,
    message_type,
)

OWNER = "animatrice"
PAGE_MESSAGES = sorted(GUEST_MESSAGE_TYPES)
CODE_MESSAGES = [
    "execute_request", "inspect_request", "complete_request", "history_request",
    "is_complete_request", "interrupt_request", "debug_request", "input_reply",
]  # fmt: skip


class Probe(RoomKernelConnection):
    """A connection opened by ``user``, speaking ``protocol``; records what reaches the kernel."""

    def __init__(self, user: str | None, protocol: str | None) -> None:
        super().__init__(session=Session())
        self._user, self._protocol = user, protocol
        self.channels = {"shell": SimpleNamespace(channel="shell")}
        self.sent: list[Any] = []
        self.session.send_raw = lambda stream, parts: self.sent.append(parts)
        self.session.send = lambda stream, msg: self.sent.append(msg)

    @property
    def websocket_handler(self) -> Any:  # the trait, replaced by a stand-in
        return SimpleNamespace(current_user=SimpleNamespace(username=self._user))

    @property
    def subprotocol(self) -> str | None:
        return self._protocol

    @property
    def multi_kernel_manager(self) -> Any:
        return SimpleNamespace(allowed_message_types=[])  # as in any Jupyter server

    @property
    def kernel_id(self) -> str:
        return "noyau-de-la-page"


def ws_message(msg_type: str, protocol: str | None) -> str | bytes:
    """A message as a browser sends it on the kernel websocket, in either protocol."""
    msg = Session().msg(msg_type, {"code": "open('/etc/passwd').read()"})
    if protocol == V1_PROTOCOL:
        return serialize_msg_to_ws_v1(msg, "shell", json_packer)
    return json.dumps({**msg, "channel": "shell", "buffers": []}, default=str)


@pytest.fixture(autouse=True)
def hub_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", OWNER)


@pytest.mark.parametrize("protocol", [V1_PROTOCOL, None])
@pytest.mark.parametrize("kind", CODE_MESSAGES)
def test_a_rapporteur_cannot_send_code_to_their_pages_kernel(
    kind: str, protocol: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    probe = Probe("rapporteur", protocol)
    probe.handle_incoming_message(ws_message(kind, protocol))
    assert probe.sent == []
    assert f"« {kind} » de rapporteur ignoré" in caplog.text


@pytest.mark.parametrize("protocol", [V1_PROTOCOL, None])
@pytest.mark.parametrize("kind", PAGE_MESSAGES)
def test_a_rapporteurs_page_still_talks_to_its_widgets(kind: str, protocol: str | None) -> None:
    probe = Probe("rapporteur", protocol)
    probe.handle_incoming_message(ws_message(kind, protocol))
    assert len(probe.sent) == 1


@pytest.mark.parametrize("kind", CODE_MESSAGES + PAGE_MESSAGES)
def test_the_servers_owner_keeps_every_message(kind: str) -> None:
    probe = Probe(OWNER, V1_PROTOCOL)
    probe.handle_incoming_message(ws_message(kind, V1_PROTOCOL))
    assert len(probe.sent) == 1


def test_without_a_hub_user_nobody_is_the_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTERHUB_USER")
    for user in (None, ""):
        probe = Probe(user, V1_PROTOCOL)
        probe.handle_incoming_message(ws_message("execute_request", V1_PROTOCOL))
        assert probe.sent == []


def test_the_message_type_is_read_in_every_framing() -> None:
    msg = Session().msg("execute_request", {"code": "1"})
    binary = serialize_binary_message({**msg, "buffers": [b"x"]})
    assert message_type(binary, None) == "execute_request"
    assert message_type(ws_message("comm_msg", None), None) == "comm_msg"
    assert message_type(ws_message("comm_msg", V1_PROTOCOL), V1_PROTOCOL) == "comm_msg"
    # a message that cannot be read is dropped, not guessed at
    for garbage in (b"\x00" * 7, b"\xff" * 40, "{", '{"header": {}}', "[]"):
        assert message_type(garbage, V1_PROTOCOL) == "?"
        assert message_type(garbage, None) == "?"


def test_the_page_messages_are_standalone_voilas() -> None:
    """The same list ``ccm serve`` gets from Voilà's kernel manager: a Voilà upgrade that
    changes it must be looked at here too."""
    import voila.app

    source = Path(voila.app.__file__).read_text(encoding="utf-8")
    found = re.search(r"allowed_message_types=\[(.*?)\]", source, re.S)
    assert found is not None
    assert set(re.findall(r'"(\w+)"', found.group(1))) == GUEST_MESSAGE_TYPES
