"""Every change this kit makes to Voilà's and jupyter_server's own code, in one place.

Written against Voilà 0.5.13 and jupyter_server 2.21 (``pyproject.toml`` pins Voilà < 0.6).
Each patch says what it works around, with the upstream issue where there is one. They are
installed once per process by :func:`install`, and act only in a server whose Tornado
settings hold a :class:`~ccm_widgets.server.door.Door` (``settings["ccm_door"]``): a Voilà
or Jupyter server without ccm's set-up behaves as upstream.

The door (:mod:`ccm_widgets.server.door`):

- ``TornadoVoilaHandler.get``: the page's key (from the link, else from its cookie) is
  checked before Voilà starts a kernel for it (upstream, every request gets a kernel:
  voila-dashboards/voila#617); the key then lives in an ``HttpOnly`` cookie and is handed to
  the kernel as if the link still carried it; old links to the group and projection
  workbooks are redirected to their light pages;
- the kernel routes (websocket, model, restart/interrupt, delete, Voilà's shutdown beacon)
  answer only a browser holding the facilitator's key;
- ``/voila/query/<id>`` answers nobody (only preheated kernels used it; none are);
- ``/voila/api/contents`` lists nothing.

The websocket protocol:

- binary messages whose part count or offsets do not fit in the message are refused, in
  jupyter_server's two deserialisers and in Voilà's header reader: a 16-byte message
  announcing 2**40 parts no longer blocks the server's loop while it allocates them;
- a kernel websocket must speak the v1 protocol (``v1.kernel.websocket.jupyter.org``), which
  every browser page of Voilà 0.5 and JupyterLab 4 offers.
"""

from __future__ import annotations

import itertools
import json
import logging
import struct
import urllib.parse
from typing import Any

from tornado import web

from ccm_widgets.i18n import t
from ccm_widgets.server.door import COOKIE, Door, Refusal, moved_page
from ccm_widgets.web.handlers import over_tls

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


def _door(handler: Any) -> Door | None:
    door = handler.settings.get("ccm_door")
    return door if isinstance(door, Door) else None


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


def with_key(query: str, key: str) -> str:
    """``query`` with ``cle=key`` in place of any ``cle`` it had: what the kernel reads."""
    pairs = [(n, v) for n, v in urllib.parse.parse_qsl(query, keep_blank_values=True) if n != "cle"]
    return urllib.parse.urlencode([*pairs, ("cle", key)])


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
        moved = moved_page(notebook)
        if moved is not None:  # a group's or the projection's old link: its light page
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(f"{self.base_url.rstrip('/')}/{moved}{query}")
            return
        if not await _exists(self, notebook):
            raise web.HTTPError(404)  # as Voilà says it, with no key needed to learn it
        given = self.get_argument("cle", "")
        key = given or self.get_cookie(COOKIE) or ""
        verdict = await door.admit(key, len(list(self.kernel_manager.list_kernel_ids())))
        if isinstance(verdict, Refusal):
            refuse(self, verdict)
            return
        if given:
            self.set_cookie(
                COOKIE, given, path=self.base_url, httponly=True, samesite="Strict",
                secure=over_tls(self.request), expires_days=30,
            )  # fmt: skip
        else:  # the kernel reads its key from the query string Voilà hands it
            self.request.query = with_key(self.request.query, key)
            self.request.query_arguments.setdefault("cle", [key.encode()])
        door.opening += 1
        try:
            await original(self, path)
        finally:
            door.opening -= 1

    TornadoVoilaHandler.get = get


async def _exists(handler: Any, notebook: str) -> bool:
    found = handler.contents_manager.file_exists(notebook)
    return bool(await found if hasattr(found, "__await__") else found)


async def _guard_kernel(handler: Any) -> None:
    door = _door(handler)
    if door is not None and not await door.may_use_kernels(handler.get_cookie(COOKIE)):
        log.warning("noyau refusé à %s", handler.request.remote_ip)
        raise web.HTTPError(403)


def _patch_kernel_routes() -> None:
    from jupyter_server.services.kernels.handlers import KernelActionHandler, KernelHandler
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

    ws_get = KernelWebsocketHandler.get
    ws_on_message = KernelWebsocketHandler.on_message

    async def websocket_get(self: Any, kernel_id: str, *args: Any, **kwargs: Any) -> None:
        if _door(self) is not None:
            await _guard_kernel(self)
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

    async def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        await _guard_kernel(self)
        return await original(self, *args, **kwargs)

    setattr(handler_class, method, guarded)


def _patch_request_info() -> None:
    """``/voila/query/<kernel id>``: how a preheated kernel learned its page's request. No
    kernel is preheated: the route answers nobody (upstream, anyone could read any
    kernel's request, key included)."""
    from voila.request_info_handler import RequestInfoSocketHandler

    original_get = RequestInfoSocketHandler.get

    async def get(self: Any, *args: Any, **kwargs: Any) -> None:
        if _door(self) is not None:
            raise web.HTTPError(403)
        await original_get(self, *args, **kwargs)

    RequestInfoSocketHandler.get = get


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
    builds it in two places (a page with a new kernel, and a preheated one)."""
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


def install(web_app: Any, kernel_manager: Any, door: Door) -> None:
    """Put ``door`` in the path of ``web_app``'s requests (the class patches stay: they act
    only where a door is set)."""
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
