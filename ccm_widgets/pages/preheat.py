"""A preheated kernel's wait for its tab: the exchange with the server before any request.

Voilà runs a preheated kernel's workbook before any browser has asked for it; the request
(its query string: the group, the key) comes later, over the kernel's ``voila/query``
socket, and so may a group the warm room asks it to prepare
(:mod:`ccm_widgets.server.warm_room`). :func:`wait_for_request` is that exchange;
:func:`notice_tab` notes when a tab first asked for the widgets, so that a request that
never comes is said (:class:`RequestLost`) rather than waited for.
"""

from __future__ import annotations

import inspect
import json
import os
import time
from collections.abc import Callable

from ccm_widgets.widgets.common.threads import WIDGETS

#: Seconds a tab that has opened the page waits for its request before saying "reload".
REQUEST_PATIENCE = 30.0


class RequestLost(RuntimeError):
    """A tab has opened this preheated kernel's page, but its request never came."""


def wait_for_request(
    patience: float = REQUEST_PATIENCE,
    poll: float = 5.0,
    *,
    prepare: Callable[[str], bool] | None = None,
) -> None:
    """In a preheated kernel, wait until a browser tab takes it, then load its request.

    Voilà runs a preheated kernel's notebook before any request exists; the request's
    variables (``QUERY_STRING``, ``SERVER_NAME``…) arrive over Voilà's ``voila/query``
    websocket, which answers this server's kernels only (the secret they inherit). The kernel
    may wait in the pool for hours: it waits as long as no tab has come. Once a tab has
    asked this kernel for its widgets, the request has arrived or is lost: after
    ``patience`` seconds without it, :class:`RequestLost`. A dropped socket is opened again
    (the server keeps the request for a kernel that reconnects).

    Before any request, the server may name a group on the same socket (the warm room,
    :mod:`ccm_widgets.server.warm_room`): ``prepare(slug)`` builds that group's grid, and the
    kernel answers whether it could; the wait goes on.

    ``voila.utils.get_query_string`` does this too, but importing ``voila.utils`` in a kernel
    pulls in jupyter_server (seconds); this is the same exchange, kept light. A kernel
    started for a request (no preheating) returns at once.
    """
    if os.environ.get("VOILA_PREHEAT", "False") != "True":
        return
    import time

    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from ccm_widgets.server.warm_room import PREPARE, PREPARED

    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    ip = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    kernel_id = os.environ.get("VOILA_KERNEL_ID", "")
    url = f"{protocol}://{ip}:{port}{base}voila/query/{kernel_id}"
    headers = {"X-Ccm-Requete": os.environ.get("CCM_QUERY_SECRET", "")}

    def lost() -> bool:
        seen = TAB_SEEN.get("at")
        return seen is not None and time.monotonic() - seen > patience

    info: dict[str, object] = {}
    while not info:
        try:
            with connect(
                url, additional_headers=headers, proxy=None, open_timeout=10, close_timeout=1
            ) as socket:
                while True:
                    try:
                        message = json.loads(socket.recv(timeout=poll))
                    except TimeoutError:
                        if lost():
                            raise RequestLost(kernel_id) from None
                        continue
                    if not isinstance(message, dict) or PREPARE not in message:
                        info = message
                        break
                    group = str(message[PREPARE])
                    done = prepare(group) if prepare is not None else False
                    socket.send(json.dumps({PREPARED: group, "ok": done}))
        except (OSError, ConnectionClosed):
            if lost():
                raise RequestLost(kernel_id) from None
            time.sleep(1.0)
    for name, value in info.items():
        os.environ[name] = str(value)


#: When a tab first asked this kernel for its widgets (``time.monotonic()``): a kernel
#: serves one tab, so this is per process.
TAB_SEEN: dict[str, float] = {}


def notice_tab() -> None:
    """Note when a browser tab first asks this kernel for its widgets, and have its requests
    for them wait while a thread builds or changes widgets (the lock :data:`WIDGETS`).

    ipywidgets answers a tab's ``request_states`` on its control comm; the hook is put in
    place before a tab can open that comm (it is opened by the tab). A tab that got no answer
    within 4 s asks again the older way, the list of the kernel's comms, which waits too.
    """

    from ipywidgets import Widget

    handle = Widget._handle_control_comm_msg
    if getattr(handle, "ccm_hooked", False):
        return

    def hooked(cls: type, msg: dict[str, object]) -> None:
        TAB_SEEN.setdefault("at", time.monotonic())
        with WIDGETS:
            handle(msg)

    setattr(hooked, "ccm_hooked", True)  # noqa: B010  (read back above)
    Widget._handle_control_comm_msg = classmethod(hooked)
    _wait_for_building_in_comm_info()


def _wait_for_building_in_comm_info() -> None:
    """The kernel's list of comms (``comm_info_request``) waits for :data:`WIDGETS` too."""
    from ipykernel.kernelbase import Kernel

    if not Kernel.initialized():
        return
    handlers = Kernel.instance().shell_handlers
    answer = handlers.get("comm_info_request")
    if answer is None or getattr(answer, "ccm_hooked", False):
        return

    async def waiting(*args: object) -> object:
        with WIDGETS:
            answered = answer(*args)
            return await answered if inspect.isawaitable(answered) else answered

    setattr(waiting, "ccm_hooked", True)  # noqa: B010
    handlers["comm_info_request"] = waiting
