"""What ``ccm serve`` adds to Voilà, for Voilà running inside a Jupyter server (JupyterHub).

Behind JupyterHub, each facilitator's single-user server runs Voilà as a server extension,
not ``ccm serve``. Enabled in ``deploy/jupyterhub/jupyterhub_config.py`` with
``--ServerApp.jpserver_extensions=ccm_widgets.server.extension=True``, this extension brings
the same room set-up:

- no MathJax from a CDN: standalone Voilà leaves it off, but inside a Jupyter server the page
  configuration falls back to cdnjs, which a meeting room cannot reach;
- the tab-close beacon accepted and the kernel reaper: a closed tab's kernel goes;
- the widgets' versioned JavaScript cached by the browsers, and sent compressed;
- no access key in the server's log (the single-user server logs every page request).

The hub's ``access:servers`` scope opens the whole Jupyter server to the room's rapporteurs,
its file browser and kernel API included. Two classes, both set in the deployment's
``c.Spawner.args``, keep them to what their Voilà page does:

- :class:`RoomAuthorizer`: no route of the server but their page's own kernel;
- :class:`RoomKernelConnection`: on that kernel's websocket, only the messages a Voilà page
  sends (widgets, kernel info): code sent to it is dropped, as standalone Voilà does.
"""

from __future__ import annotations

import json
import os
from typing import Any, Literal

from jupyter_server.auth import Authorizer
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

# Voilà's own pages do not go through the authorizer; the hub has already let the user in.
#: What a rapporteur's tab needs of the Jupyter API: its own kernel, named by its random id.
GUEST_ACTIONS = {("kernels", "execute"), ("kernels", "read")}

#: What a Voilà page sends its kernel: standalone Voilà's ``allowed_message_types`` (its
#: ``VoilaKernelManager`` in ``voila/app.py``, Voilà 0.5). No ``execute_request``: Voilà runs
#: the notebook itself, server-side, before the page connects.
GUEST_MESSAGE_TYPES = frozenset(
    {"comm_open", "comm_close", "comm_msg", "comm_info_request", "kernel_info_request",
     "shutdown_request"}
)  # fmt: skip

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"


def server_owner() -> str | None:
    """The hub user whose server this is (JupyterHub sets it in the server's environment)."""
    return os.environ.get("JUPYTERHUB_USER")


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "ccm_widgets.server.extension"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from ccm_widgets.server.serve import room_set_up

    settings = serverapp.web_app.settings
    settings["mathjax_url"] = None
    settings["mathjax_config"] = None
    # Not strict: the owner's own kernels (JupyterLab) are left to the server's authorisation.
    grace = room_set_up(serverapp, lambda: serverapp.web_app, strict=False)
    if isinstance(serverapp.authorizer, RoomAuthorizer) and not issubclass(
        serverapp.kernel_websocket_connection_class, RoomKernelConnection
    ):  # the deployment's two settings go together: say so when one is missing
        serverapp.log.error(
            "ccm : les rapporteurs peuvent exécuter du code dans leur noyau : ajoutez "
            "--ServerApp.kernel_websocket_connection_class=%s.RoomKernelConnection",
            __name__,
        )
    serverapp.log.info("ccm : salle prête (noyaux des onglets fermés arrêtés après %d s)", grace)


class RoomAuthorizer(Authorizer):
    """The server's owner may do anything; the other users the hub lets in (a room's
    rapporteurs) may only use a kernel whose id they already know.

    A Voilà page needs that and nothing more: its kernel's websocket and model. The file
    browser, the contents and files APIs, new kernels, sessions and the list of kernels answer
    403, so that a rapporteur cannot run code of their choosing in a new kernel as the
    facilitator, nor read the facilitator's files.
    """

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        if user.username == server_owner():
            return True
        if (resource, action) in GUEST_ACTIONS and handler.path_kwargs.get("kernel_id"):
            return True
        self.log.warning(
            "ccm : refusé à %s : %s %s (%s)", user.username, action, resource, handler.request.path
        )
        return False


class RoomKernelConnection(ZMQChannelsWebsocketConnection):
    """A kernel websocket on which the server's owner may send anything, and anyone else only
    what a Voilà page sends (:data:`GUEST_MESSAGE_TYPES`).

    Standalone Voilà (``ccm serve``) filters every connection through its kernel manager's
    ``allowed_message_types``, which :meth:`ZMQChannelsWebsocketConnection.handle_incoming_message`
    honours. Inside a Jupyter server that list must stay empty: the facilitator's JupyterLab
    runs code. So the filter is per connection, decided by who opened it: a rapporteur's
    ``execute_request`` (or ``inspect_request``, ``complete_request``, ``history_request``…)
    never reaches the kernel, which would run it as the facilitator, store and all. Set with
    ``--ServerApp.kernel_websocket_connection_class`` (written against jupyter_server 2.21).
    """

    def handle_incoming_message(self, incoming_msg: str) -> None:
        user = getattr(self.websocket_handler.current_user, "username", None)
        if user is None or user != server_owner():
            kind = message_type(incoming_msg, self.subprotocol, self.session.unpack)
            if kind not in GUEST_MESSAGE_TYPES:
                self.log.warning(
                    "ccm : message « %s » de %s ignoré (noyau %s)", kind, user, self.kernel_id
                )
                return
        super().handle_incoming_message(incoming_msg)


def message_type(message: str | bytes, subprotocol: str | None, unpack: Any = json.loads) -> str:
    """The ``msg_type`` of a message received on a kernel websocket, in either protocol: v1
    (binary: part offsets, the channel, then the header packed by the session) or the legacy
    one (JSON text, or a binary blob whose first part is JSON). ``"?"`` when it cannot be read.

    The framing is checked against the message's length before anything is read: upstream's
    readers trust the part count a message announces (2**40 parts in 16 bytes)."""
    try:
        if subprotocol == V1_PROTOCOL:
            assert isinstance(message, bytes)
            offsets = _offsets(message, size=8, byteorder="little")
            header = unpack(message[offsets[1] : offsets[2]])
        elif isinstance(message, bytes):
            offsets = [*_offsets(message, size=4, byteorder="big"), len(message)]
            header = json.loads(message[offsets[0] : offsets[1]])["header"]
        else:
            header = json.loads(message)["header"]
        return str(header["msg_type"])
    except Exception:  # a message that cannot be read is not one a page sends
        return "?"


def _offsets(message: bytes, *, size: int, byteorder: Literal["little", "big"]) -> list[int]:
    """The part offsets a binary message announces (a count, then that many offsets, each of
    ``size`` bytes), refused unless they fit in the message, in order."""
    count = int.from_bytes(message[:size], byteorder)
    if not 2 <= count <= len(message) // size - 1:
        raise ValueError(f"{count} parties annoncées dans {len(message)} octets")
    offsets = [
        int.from_bytes(message[size * (i + 1) : size * (i + 2)], byteorder) for i in range(count)
    ]
    if offsets != sorted(offsets) or offsets[-1] > len(message):
        raise ValueError("parties hors du message")
    return offsets
