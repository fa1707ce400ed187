"""Every change this kit makes to Voilà's and jupyter_server's own code, in one place.

Written against Voilà 0.5.13 and jupyter_server 2.21 (``pyproject.toml`` pins Voilà < 0.6).
Each patch says what it works around, with the upstream issue where there is one. They are
installed once per process by :func:`install`, and act only in a server whose Tornado
settings hold a :class:`~ccm_widgets.server.door.Door` (``settings["ccm_door"]``): a Voilà
or Jupyter server without ccm's set-up behaves as upstream.

The door (:mod:`ccm_widgets.server.door`):

- ``TornadoVoilaHandler.get``: the page's key is checked before Voilà starts or takes a
  kernel for it (upstream, every request gets a kernel: voila-dashboards/voila#617);
- the kernel routes (websocket, model, restart/interrupt, delete, Voilà's shutdown beacon)
  answer only the browser whose page was handed that kernel;
- ``/voila/query/<id>`` answers only this server's kernels; its ``on_close`` no longer
  deletes another kernel's waiter, and a request's variables wait for a kernel that
  reconnects;
- ``/voila/api/contents`` lists nothing.

The warm room (:mod:`ccm_widgets.server.warm_room`; Voilà's pool itself is driven by
:mod:`ccm_widgets.server.pool`):

- a page let in tells the room (the facilitator's home page warms it); a group's page is
  handed the kernel the room prepared for that group (it is put first in Voilà's pool just
  before Voilà takes the first one), and the door remembers which group's grid a kernel shows;
- ``/voila/query/<id>`` also carries the room's word to a pooled kernel (the group to
  prepare, sent again if the kernel reconnects before it is done) and the kernel's answer
  (upstream's socket takes no message from the kernel).

The websocket protocol:

- binary messages whose part count or offsets do not fit in the message are refused, in
  jupyter_server's two deserialisers and in Voilà's header reader: a 16-byte message
  announcing 2**40 parts no longer blocks the server's loop while it allocates them;
- a kernel websocket must speak the v1 protocol (``v1.kernel.websocket.jupyter.org``), which
  every browser page of Voilà 0.5 and JupyterLab 4 offers.

Longer than most modules (about 530 lines) on purpose: every replacement of Voilà's and
jupyter_server's handlers and methods is in this one file, the one to read again when either
is upgraded (with :mod:`.pool`, which drives Voilà's private pool list, and :mod:`.reaper`,
which reads the kernel manager's connection counts).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import json
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_core.utils import ensure_async
from tornado import web

from ccm_widgets.i18n import t
from ccm_widgets.server.door import (
    COOKIE,
    GROUP_NOTEBOOK,
    QUERY_HEADER,
    Door,
    Refusal,
    first_values,
    pooled_count,
)
from ccm_widgets.server.warm_room import WarmRoom
from ccm_widgets.store import FACILITATOR

log = logging.getLogger(__name__)

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"


class MalformedMessage(ValueError):
    """A websocket message whose framing does not fit its own length."""


# -- the websocket protocol ------------------------------------------------------------------


def deserialize_msg_from_ws_v1(ws_msg: bytes) -> tuple[str, list[bytes]]:
    """jupyter_server's v1 deserialiser, with the part count bounded by the message.

    The first 8 bytes announce how many 8-byte offsets follow; upstream reads that many
    whatever the message's length (2**40 of them: the server's loop blocks, its memory grows
    until the machine gives out).
    """
    offsets = _offsets(ws_msg, count_size=8, offset_size=8, byteorder="little")
    if len(offsets) < 2:
        raise MalformedMessage("message v1 sans canal")
    channel = ws_msg[offsets[0] : offsets[1]].decode("utf-8")
    parts = [ws_msg[offsets[i] : offsets[i + 1]] for i in range(1, len(offsets) - 1)]
    return channel, parts


def deserialize_binary_message(bmsg: bytes) -> dict[str, Any]:
    """jupyter_server's legacy (no subprotocol) deserialiser, with the same bound."""
    from jupyter_client.jsonutil import extract_dates

    offsets = _offsets(bmsg, count_size=4, offset_size=4, byteorder="big")
    if not offsets:
        raise MalformedMessage("message binaire vide")
    bounds = [*offsets, len(bmsg)]
    buffers = [bmsg[start:stop] for start, stop in itertools.pairwise(bounds)]
    try:
        msg: dict[str, Any] = json.loads(buffers[0].decode("utf8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedMessage(f"en-tête illisible : {error}") from error
    msg["header"] = extract_dates(msg["header"])
    msg["parent_header"] = extract_dates(msg["parent_header"])
    msg["buffers"] = buffers[1:]
    return msg


def read_header_from_binary_message(ws_msg: bytes) -> dict[str, Any] | None:
    """Voilà's reader of an outgoing message's header, with the same bound (None if bad)."""
    try:
        offsets = _offsets(ws_msg, count_size=8, offset_size=8, byteorder="little")
        header = ws_msg[offsets[1] : offsets[2]].decode("utf-8")
        found = json.loads(header)
    except (MalformedMessage, IndexError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return found if isinstance(found, dict) else None


def _offsets(message: bytes, *, count_size: int, offset_size: int, byteorder: str) -> list[int]:
    """The offsets a binary message announces, checked against its length.

    Raises :class:`MalformedMessage` when the count cannot fit (each offset takes
    ``offset_size`` bytes of the message) or an offset points outside it or backwards.
    """
    if len(message) < count_size:
        raise MalformedMessage("message trop court")
    if byteorder == "big":
        (count,) = struct.unpack("!i", message[:count_size])
    else:
        count = int.from_bytes(message[:count_size], "little")
    if count < 0 or count > (len(message) - count_size) // offset_size:
        raise MalformedMessage(f"{count} parties annoncées dans {len(message)} octets")
    offsets = [
        int.from_bytes(
            message[count_size + i * offset_size : count_size + (i + 1) * offset_size],
            "little" if byteorder == "little" else "big",
        )
        for i in range(count)
    ]
    if any(b < a for a, b in itertools.pairwise(offsets)) or any(o > len(message) for o in offsets):
        raise MalformedMessage("décalages hors du message")
    return offsets


# -- the door --------------------------------------------------------------------------------


@dataclass
class _Opening:
    """A page let in, until Voilà has handed it a kernel."""

    door: Door
    browser: str
    kernel_manager: Any
    bound: bool = False
    #: The group whose grid the page is, opened with that group's key.
    group: str | None = None
    #: The server's warm room, if it has one.
    room: WarmRoom | None = None


_OPENING: contextvars.ContextVar[_Opening | None] = contextvars.ContextVar(
    "ccm_opening", default=None
)


def _door(handler: Any) -> Door | None:
    door = handler.settings.get("ccm_door")
    return door if isinstance(door, Door) else None


def _room(handler: Any) -> WarmRoom | None:
    room = getattr(handler, "settings", {}).get("ccm_room")
    return room if isinstance(room, WarmRoom) else None


def _browser(handler: Any) -> str | None:
    value = handler.get_cookie(COOKIE)
    return value if value and len(value) <= 64 else None


def _page_kernels(kernel_manager: Any) -> int:
    return max(0, len(list(kernel_manager.list_kernel_ids())) - pooled_count(kernel_manager))


def refuse(handler: Any, refusal: Refusal) -> None:
    """Answer a page request with the French page that says why it opens nothing."""
    handler.set_status(refusal.status)
    handler.set_header("Cache-Control", "no-store")
    if refusal.status == 503:
        handler.set_header("Retry-After", "10")
    handler.finish(_refusal_page(handler, refusal))


_REFUSAL_PAGES: dict[tuple[str, int, str], str] = {}


def _refusal_page(handler: Any, refusal: Refusal) -> str:
    """The refusal page, rendered once per message and kept: a flood of keyless requests
    costs a dictionary look-up each, not a template rendering (80 % of a refusal's time,
    Voilà resolving the page's stylesheets through its template folders)."""
    title = t(f"door.title_{refusal.status}")
    message = t(refusal.message)
    cached = (handler.base_url, refusal.status, message)
    if cached in _REFUSAL_PAGES:
        return _REFUSAL_PAGES[cached]
    try:
        body = str(handler.render_template("refus.html", title=title, message=message))
    except Exception:  # the ccm template missing: the same words, plainly
        import html

        body = (
            "<!DOCTYPE html><html lang='fr'><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(message)}</p></html>"
        )
    _REFUSAL_PAGES[cached] = body
    return body


def _patch_page_handler() -> None:
    from voila.tornado.handler import TornadoVoilaHandler

    original = TornadoVoilaHandler.get

    async def get(self: Any, path: str | None = None) -> None:
        door = _door(self)
        if door is None or not self.current_user:  # no door, or the log-in comes first
            # ``@authenticated`` answers a logged-out user with a redirect, not a coroutine.
            answered = original(self, path)
            if answered is not None:
                await answered
            return
        notebook = self.notebook_path or path or ""
        if not await ensure_async(self.contents_manager.file_exists(notebook)):
            raise web.HTTPError(404)  # as Voilà says it, with no key needed to learn it
        query = first_values(self.request.query_arguments)
        verdict = await door.admit(notebook, query, _page_kernels(self.kernel_manager))
        if isinstance(verdict, Refusal):
            refuse(self, verdict)
            return
        room = _room(self)
        if room is not None:
            room.page_admitted(notebook, verdict.role == FACILITATOR)
        browser = _browser(self)
        if browser is None:
            browser = door.new_browser()
            self.set_cookie(
                COOKIE, browser, path=self.base_url, httponly=True, samesite="Strict",
                secure=_over_tls(self),
            )  # fmt: skip
        group = verdict.group if notebook == GROUP_NOTEBOOK else None
        opening = _Opening(door, browser, self.kernel_manager, group=group, room=room)
        door.opening += 1
        token = _OPENING.set(opening)
        try:
            await original(self, path)
        finally:
            _OPENING.reset(token)
            if not opening.bound:
                door.opening -= 1

    TornadoVoilaHandler.get = get


def _over_tls(handler: Any) -> bool:
    """Whether the browser reached the page over https: directly, or through a TLS proxy
    (``deploy/nginx/ccm.conf`` says so in ``X-Forwarded-Proto``)."""
    forwarded = handler.request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
    return bool(handler.request.protocol == "https" or forwarded.lower() == "https")


def _bind_to_page(kernel_id: str) -> None:
    """The kernel just started or taken belongs to the page being opened, if any."""
    opening = _OPENING.get()
    if opening is None or opening.bound:
        return
    opening.bound = True
    opening.door.opening -= 1
    kernel_manager = opening.kernel_manager
    opening.door.forget(lambda k: k in kernel_manager)
    opening.door.bind(kernel_id, opening.browser, opening.group)
    _forget_requests(kernel_manager)


def bind_kernels_to_pages(kernel_manager: Any) -> Callable[[], None]:
    """Wrap the kernel manager's ways of handing a page a kernel, so that the kernel is bound
    to the page's browser. Returns the function that unwraps them."""
    start_kernel = kernel_manager.start_kernel
    take = getattr(kernel_manager, "get_rendered_notebook", None)

    async def bound_start(*args: Any, **kwargs: Any) -> Any:
        found = start_kernel(*args, **kwargs)
        kernel_id = await found if hasattr(found, "__await__") else found
        _bind_to_page(str(kernel_id))
        return kernel_id

    async def bound_take(*args: Any, **kwargs: Any) -> Any:
        assert take is not None
        opening = _OPENING.get()
        if opening is not None and opening.room is not None:
            opening.room.choose(opening.group)  # Voilà takes the pool's first kernel
        taken = await take(*args, **kwargs)
        _bind_to_page(str(taken[2]))  # (render task, cells so far, kernel id)
        return taken

    kernel_manager.start_kernel = bound_start
    if take is not None:
        kernel_manager.get_rendered_notebook = bound_take

    def unwrap() -> None:
        kernel_manager.start_kernel = start_kernel
        if take is not None:
            kernel_manager.get_rendered_notebook = take

    return unwrap


def _guard_kernel(handler: Any, kernel_id: str) -> None:
    door = _door(handler)
    if door is not None and not door.may_use(kernel_id, _browser(handler)):
        log.warning("noyau %s refusé à %s", kernel_id, handler.request.remote_ip)
        raise web.HTTPError(403)


def _patch_kernel_routes() -> None:
    from jupyter_server.services.kernels.handlers import KernelActionHandler, KernelHandler
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

    ws_get = KernelWebsocketHandler.get
    ws_on_message = KernelWebsocketHandler.on_message

    async def websocket_get(self: Any, kernel_id: str, *args: Any, **kwargs: Any) -> None:
        if _door(self) is not None:
            _guard_kernel(self, kernel_id)
            offered = self.request.headers.get("Sec-WebSocket-Protocol", "")
            if V1_PROTOCOL not in [p.strip() for p in offered.split(",")]:
                raise web.HTTPError(400, f"protocole {V1_PROTOCOL} requis")
        await ws_get(self, kernel_id, *args, **kwargs)

    def on_message(self: Any, message: Any) -> Any:
        try:
            return ws_on_message(self, message)
        except MalformedMessage as error:
            log.warning("message refusé sur le noyau %s : %s", self.kernel_id, error)
            self.close(1008, "message invalide")
            return None

    setattr(KernelWebsocketHandler, "get", websocket_get)  # noqa: B010  (typed upstream)
    setattr(KernelWebsocketHandler, "on_message", on_message)  # noqa: B010

    for handler_class, method in (
        (KernelHandler, "get"),
        (KernelHandler, "delete"),
        (KernelActionHandler, "post"),
        (VoilaShutdownKernelHandler, "post"),
    ):
        _guard_method(handler_class, method)


def _guard_method(handler_class: Any, method: str) -> None:
    original = getattr(handler_class, method)

    async def guarded(self: Any, kernel_id: str, *args: Any, **kwargs: Any) -> Any:
        _guard_kernel(self, kernel_id)
        return await original(self, kernel_id, *args, **kwargs)

    setattr(handler_class, method, guarded)


def _patch_request_info() -> None:
    """``/voila/query/<kernel id>``: how a preheated kernel learns its page's request."""
    from voila.request_info_handler import RequestInfoSocketHandler

    original_get = RequestInfoSocketHandler.get

    async def get(self: Any, *args: Any, **kwargs: Any) -> None:
        door = _door(self)
        if door is not None and not door.is_own_kernel(self.request.headers.get(QUERY_HEADER)):
            raise web.HTTPError(403)
        await original_get(self, *args, **kwargs)

    def open(self: Any, kernel_id: str) -> None:
        self.ccm_kernel_id = kernel_id
        RequestInfoSocketHandler._waiters[kernel_id] = self
        room = _room(self)
        again = room.socket_opened(kernel_id) if room is not None else None
        if kernel_id in RequestInfoSocketHandler._cache:
            self.write_message(RequestInfoSocketHandler._cache[kernel_id])
        elif again is not None:  # reconnected while building its group's grid
            self.write_message(again)

    def on_message(self: Any, message: str | bytes) -> None:
        # A pooled kernel says its group's grid is built (only this server's kernels reach
        # this socket: the secret is checked in ``get``).
        room = _room(self)
        kernel_id = getattr(self, "ccm_kernel_id", None)
        try:
            found = json.loads(message)
        except (ValueError, UnicodeDecodeError):
            return
        if room is not None and kernel_id is not None and isinstance(found, dict):
            room.answered(kernel_id, found)

    def on_close(self: Any) -> None:
        # Upstream deletes the last waiter it looked at when this socket is not found, which
        # is another kernel's: two sockets opened and closed on a made-up id left the next
        # pages without their request, blank for a day.
        kernel_id = getattr(self, "ccm_kernel_id", None)
        if RequestInfoSocketHandler._waiters.get(kernel_id) is self:
            del RequestInfoSocketHandler._waiters[kernel_id]
            room = _room(self)
            if room is not None and kernel_id is not None:
                room.socket_closed(kernel_id)

    def send_updates(cls: Any, msg: dict[str, Any]) -> None:
        # Kept until the kernel is gone, not only while nobody waits: a kernel whose socket
        # dropped gets its request when it connects again.
        kernel_id, payload = msg["kernel_id"], msg["payload"]
        cls._cache[kernel_id] = payload
        waiter = cls._waiters.get(kernel_id)
        if waiter is not None:
            with contextlib.suppress(Exception):  # closed meanwhile: the cache answers it
                waiter.write_message(payload)

    RequestInfoSocketHandler.get = get
    RequestInfoSocketHandler.open = open
    RequestInfoSocketHandler.on_message = on_message
    RequestInfoSocketHandler.on_close = on_close
    RequestInfoSocketHandler.send_updates = classmethod(send_updates)


def send_to_kernel(kernel_id: str, message: dict[str, Any]) -> bool:
    """Write ``message`` on a pooled kernel's ``/voila/query`` socket; False if it has none
    open (it will be sent again when the kernel reconnects, see ``open`` above)."""
    from voila.request_info_handler import RequestInfoSocketHandler

    waiter = RequestInfoSocketHandler._waiters.get(kernel_id)
    if waiter is None:
        return False
    try:
        waiter.write_message(message)
    except Exception:  # closed meanwhile
        return False
    return True


def _forget_requests(kernel_manager: Any) -> None:
    from voila.request_info_handler import RequestInfoSocketHandler

    cache = RequestInfoSocketHandler._cache
    for kernel_id in [k for k in cache if k not in kernel_manager]:
        del cache[kernel_id]


def _patch_contents() -> None:
    """Voilà's contents API lists the workbooks to anyone: the links carry keys, not this."""
    from voila.tornado.contentshandler import VoilaContentsHandler

    original = VoilaContentsHandler.get

    async def get(self: Any, path: str = "") -> None:
        if _door(self) is not None:
            raise web.HTTPError(404)
        await original(self, path)

    VoilaContentsHandler.get = get


def _patch_page_config() -> None:
    """Every page's configuration (``jupyter-config-data``) carries what the page's own
    script needs to say that it is cut off (:mod:`ccm_widgets.server.page_state`); Voilà
    builds it in two places, for a page with a new kernel and for a preheated one."""
    import voila.handler
    import voila.voila_kernel_manager

    from ccm_widgets.server.page_state import page_config

    original = voila.handler.get_page_config

    def get_page_config(*args: Any, **kwargs: Any) -> Any:
        base_url = kwargs.get("base_url", args[0] if args else "/")
        return page_config(original(*args, **kwargs), str(base_url))

    voila.handler.get_page_config = get_page_config
    voila.voila_kernel_manager.get_page_config = get_page_config


def _patch_deserialisers() -> None:
    import jupyter_server.services.kernels.connection.channels as channels
    import voila.tornado.kernel_websocket_handler as voila_websocket

    channels.deserialize_msg_from_ws_v1 = deserialize_msg_from_ws_v1
    channels.deserialize_binary_message = deserialize_binary_message
    voila_websocket.read_header_from_binary_message = read_header_from_binary_message


_installed = False


def install(web_app: Any, kernel_manager: Any, door: Door) -> Callable[[], None]:
    """Put ``door`` in the path of ``web_app``'s requests; returns what unbinds the kernel
    manager (the class patches stay: they act only where a door is set)."""
    global _installed
    if not _installed:
        _patch_deserialisers()
        _patch_page_handler()
        _patch_kernel_routes()
        _patch_request_info()
        _patch_contents()
        _patch_page_config()
        _installed = True
    web_app.settings["ccm_door"] = door
    from jupyter_server.utils import url_path_join

    from ccm_widgets.server.page_state import STATE_PATH, PageStateHandler

    route = url_path_join(web_app.settings.get("base_url", "/"), STATE_PATH, "([^/]+)")
    web_app.add_handlers(
        ".*$", [(route, PageStateHandler, {"door": door, "kernel_manager": kernel_manager})]
    )
    return bind_kernels_to_pages(kernel_manager)
