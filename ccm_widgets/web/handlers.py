"""The participants' pages and their API, under one prefix of the server (``ccm/``).

Every handler is a few lines: who the request is (its key, from the link once, then from its
cookie), may it ask this (:mod:`ccm_widgets.web.access`), ask the store
(:class:`~ccm_widgets.web.service.GridService`, off the loop), answer. Refusals cost no
store access: the keys are read at most once a second (:class:`Keys`), and a request
without a valid key is answered before its body is read.

Routes (under the server's base URL)::

    ccm/groupe                       a group's grid (or, for the facilitator, any section's)
    ccm/projection                   the synthesis, section by section, for the projector
    ccm/static/<version>/<file>      the pages' own scripts and style
    ccm/api/sections/<s>/lignes      GET rows since a version; POST a row (or several)
    ccm/api/sections/<s>/lignes/<id>             DELETE a row
    ccm/api/sections/<s>/lignes/<id>/<field>     PUT a cell over the text it was typed on
    ccm/api/sections/<s>/lignes/<id>/restauration, …/deplacement, …/historique
    ccm/api/sections/<s>/collage, …/import, …/devenir
    ccm/api/sections/<s>/evenements  the section's live events (Server-Sent Events)
    ccm/api/synthese, …/evenements   the synthesis, and its live events
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
from typing import Any

from tornado import web
from tornado.iostream import StreamClosedError

from ccm_widgets.domain.model import GRID_FIELDS
from ccm_widgets.i18n import current_language, t
from ccm_widgets.store import FACILITATOR, PROJECTION, Access, StoreError
from ccm_widgets.web.access import (
    COOKIES,
    KEY_LENGTH,
    KeyBook,
    KeyReader,
    cookie_name,
    may_read_section,
    may_read_synthesis,
    same_token,
    xsrf_token,
)
from ccm_widgets.web.live import ChangeHub
from ccm_widgets.web.service import GridService, Refused

log = logging.getLogger(__name__)

#: Bodies the API accepts, in bytes: a file to import, a pasted block, anything else.
MAX_IMPORT = 8 * 1024 * 1024
MAX_PASTE = 2 * 1024 * 1024
MAX_BODY = 256 * 1024
#: Requests a key may make: a burst, then this many a second.
RATE_BURST = 120
RATE_PER_SECOND = 30.0
#: Live streams a key may hold open at once (two devices a group, a few tabs each).
STREAMS_PER_KEY = 12
#: What a participants' page may load and run: its own files only (the JSON data blocks in
#: the page are not scripts that run), and no frame around it.
CONTENT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
#: Seconds between two "still here" events of a stream: a page that hears nothing for
#: three of them says the connection is lost.
TICK_SECONDS = 1.0


class RateLimit:
    """A token bucket per key: :data:`RATE_BURST` requests, refilled at
    :data:`RATE_PER_SECOND`."""

    def __init__(self, burst: int = RATE_BURST, rate: float = RATE_PER_SECOND) -> None:
        self.burst, self.rate = burst, rate
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        """Whether ``key`` may make one more request now."""
        now = time.monotonic() if now is None else now
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if len(self._buckets) > 10_000:  # made-up keys never reach here; a safety bound
            self._buckets.clear()
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True


class Room:
    """What every handler of the participants' pages shares: the store's service, its keys,
    its live counter, the limits, the templates."""

    def __init__(self, location: str, base_url: str) -> None:
        from ccm_widgets.web.pages import Templates

        self.service = GridService(location)
        self.keys = KeyReader(location)
        self.hub = ChangeHub(location)
        self.rate = RateLimit()
        self.streams: dict[str, int] = {}
        self.base_url = base_url.rstrip("/") + "/"
        self.templates = Templates(self.base_url)

    def start(self) -> None:
        """Start watching the store (on the server's running loop)."""
        self.hub.start(asyncio.get_event_loop())

    def stop(self) -> None:
        self.hub.stop()
        self.service.close()


# -- the base of every handler ----------------------------------------------------------------


class RoomHandler(web.RequestHandler):
    """Who the request is, from its cookies (and a link's ``cle``), and the French refusal."""

    room: Room

    def initialize(self, room: Room) -> None:
        self.room = room

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Content-Type-Options", "nosniff")
        # Only the pages' own files run, nothing is fetched elsewhere, and no other site
        # frames a page (to make a rapporteur click in it).
        self.set_header("Content-Security-Policy", CONTENT_POLICY)
        self.set_header("X-Frame-Options", "DENY")

    async def book(self) -> KeyBook:
        try:
            return await self.room.keys.book()
        except StoreError as error:
            log.warning("clés illisibles : %s", error)
            raise Refused(503, t("door.store_unavailable")) from error

    def cookie_access(self, book: KeyBook, kind: str) -> Access | None:
        """The access the cookie of ``kind`` (``facilitator``, ``projection``, ``group``)
        still gives, if any."""
        value = self.get_cookie(COOKIES[kind]) or ""
        access = book.identify(value[:KEY_LENGTH]) if value else None
        if access is None:
            return None
        wanted = access.group is not None if kind == "group" else access.role == kind
        return access if wanted else None

    def keep_key(self, access: Access) -> None:
        """Hold ``access``'s key in its cookie: the link's ``cle=`` is needed once."""
        self.set_cookie(
            cookie_name(access), access.key, path=self.room.base_url, httponly=True,
            samesite="Strict", secure=over_tls(self.request), expires_days=30,
        )  # fmt: skip

    def section_access(self, book: KeyBook, section: str) -> Access:
        """The access a request has to ``section``'s rows: the group's own cookie, else the
        facilitator's; :class:`Refused` (403) otherwise."""
        for kind in ("group", FACILITATOR):
            access = self.cookie_access(book, kind)
            if access is not None and may_read_section(access, section):
                return access
        raise Refused(403, t("web.no_key"))

    def rate_limit(self, access: Access) -> None:
        """:class:`Refused` (429) past the key's rate: page opens count like API requests,
        so a key on the wall cannot keep the store's workers busy for the other groups."""
        if not self.room.rate.allow(access.key):
            raise Refused(429, t("web.too_fast"))

    def synthesis_access(self, book: KeyBook) -> Access:
        for kind in (PROJECTION, FACILITATOR):
            access = self.cookie_access(book, kind)
            if access is not None and may_read_synthesis(access):
                return access
        raise Refused(403, t("web.no_key"))


def over_tls(request: Any) -> bool:
    """Whether the browser reached the server over https: directly, or through a TLS proxy
    (``deploy/nginx/ccm.conf`` says so in ``X-Forwarded-Proto``)."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
    return bool(request.protocol == "https" or forwarded.lower() == "https")


@web.stream_request_body
class ApiHandler(RoomHandler):
    """A JSON request of a page: key, rate and size checked before the body is read; writes
    carry the page's token; answers are JSON, refusals a status and a French sentence."""

    #: The largest body this route takes.
    max_body = MAX_BODY
    access: Access
    section: str

    async def prepare(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0
        try:
            book = await self.book()
            self.access = self.who(book)
            self.rate_limit(self.access)
            if self.request.method not in {"GET", "HEAD"}:
                given = self.request.headers.get("X-Ccm-Jeton", "")
                if not same_token(given, self.access):
                    raise Refused(403, t("web.bad_token"))
            length = int(self.request.headers.get("Content-Length", "0") or 0)
            if length > self.max_body:
                raise Refused(413, t("web.too_large", size=size_text(self.max_body)))
        except Refused as refused:
            self.refuse(refused)
        except ValueError:
            self.refuse(Refused(400, t("web.bad_request")))

    def who(self, book: KeyBook) -> Access:
        """The request's access (a section's rows by default; the synthesis overrides)."""
        self.section = self.path_kwargs.get("section", "")
        return self.section_access(book, self.section)

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self._size += len(chunk)
        if self._size > self.max_body:
            if not self._finished:
                self.refuse(Refused(413, t("web.too_large", size=size_text(self.max_body))))
            return
        self._parts.append(chunk)

    def body(self) -> bytes:
        return b"".join(self._parts)

    def json_body(self) -> dict[str, Any]:
        try:
            found = json.loads(self.body() or b"{}")
        except (ValueError, UnicodeDecodeError) as error:
            raise Refused(400, t("web.bad_request")) from error
        if not isinstance(found, dict):
            raise Refused(400, t("web.bad_request"))
        return found

    def refuse(self, refused: Refused) -> None:
        if self._finished:
            return
        self.set_status(refused.status)
        if refused.status in {429, 503}:
            self.set_header("Retry-After", "2")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(refused.body(), ensure_ascii=False))

    def answer(self, found: dict[str, Any], status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(found, ensure_ascii=False))

    async def answer_with(self, call: Any, status: int = 200) -> None:
        """Await ``call`` and answer with it, or with its refusal."""
        try:
            self.answer(await call, status)
        except Refused as refused:
            self.refuse(refused)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, Refused):  # refused while reading the request
            self.set_status(error.status)
            body = error.body()
        elif status_code == 404:
            body = {"message": t("web.not_found")}
        else:
            body = {"message": t("web.failed")}
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, ensure_ascii=False))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, Refused | web.HTTPError):
            super().log_exception(typ, value, tb)


def size_text(size: int) -> str:
    """A byte limit as a person reads it: ``256 Ko``, ``8 Mo``."""
    if size >= 1024 * 1024:
        return t("web.megabytes", size=size // (1024 * 1024))
    return t("web.kilobytes", size=size // 1024)


def text_of(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise Refused(400, t("web.bad_request"))
    return value


# -- a section's rows -------------------------------------------------------------------------


class RowsHandler(ApiHandler):
    """``GET``: the rows changed since ``?depuis=V``; ``POST``: add rows."""

    async def get(self, section: str) -> None:
        try:
            version = int(self.get_argument("depuis", "0"))
        except ValueError:
            version = 0
        await self.answer_with(self.room.service.since(self.access, section, version))

    async def post(self, section: str) -> None:
        body = self.json_body()
        rows = body.get("rows", [])
        if not isinstance(rows, list) or not all(
            isinstance(r, list) and all(isinstance(c, str) for c in r) for r in rows
        ):
            raise Refused(400, t("web.bad_request"))
        await self.answer_with(self.room.service.add(self.access, section, rows), 201)


class RowHandler(ApiHandler):
    """``DELETE`` a row."""

    async def delete(self, section: str, row: str) -> None:
        await self.answer_with(self.room.service.delete(self.access, section, int(row)))


class CellHandler(ApiHandler):
    """``PUT`` a cell: ``{"text": …, "seen": the text it was typed over}``."""

    async def put(self, section: str, row: str, field: str) -> None:
        if field not in GRID_FIELDS:
            raise web.HTTPError(404)
        body = self.json_body()
        call = self.room.service.edit(
            self.access, section, int(row), field, text_of(body, "text"), text_of(body, "seen")
        )
        await self.answer_with(call)


class RowActionHandler(ApiHandler):
    """``POST`` restauration / deplacement (``{"offset": ±1}``); ``GET`` historique."""

    async def post(self, section: str, row: str, action: str) -> None:
        service = self.room.service
        if action == "restauration":
            await self.answer_with(service.restore(self.access, section, int(row)))
        elif action == "deplacement":
            offset = self.json_body().get("offset")
            if not isinstance(offset, int):
                raise Refused(400, t("web.bad_request"))
            await self.answer_with(service.move(self.access, section, int(row), offset))
        else:
            raise web.HTTPError(404)

    async def get(self, section: str, row: str, action: str) -> None:
        if action != "historique":
            raise web.HTTPError(404)
        await self.answer_with(self.room.service.history(self.access, section, int(row)))


class PasteHandler(ApiHandler):
    """``POST {"text": …}``: rows pasted from Word or Excel."""

    max_body = MAX_PASTE

    async def post(self, section: str) -> None:
        text = text_of(self.json_body(), "text")
        await self.answer_with(self.room.service.paste(self.access, section, text), 201)


class ImportHandler(ApiHandler):
    """``POST`` a file's bytes, its name in ``X-Ccm-Fichier`` (URL-encoded)."""

    max_body = MAX_IMPORT

    async def post(self, section: str) -> None:
        name = urllib.parse.unquote(self.request.headers.get("X-Ccm-Fichier", ""))[:200]
        call = self.room.service.import_file(self.access, section, name or "fichier", self.body())
        await self.answer_with(call, 201)


class FatesHandler(ApiHandler):
    """``POST {"rows": [[id, number], …]}``: what became of rows that left the grid."""

    async def post(self, section: str) -> None:
        gone = self.json_body().get("rows", [])
        if not isinstance(gone, list) or not all(
            isinstance(g, list) and len(g) == 2 and all(isinstance(n, int) for n in g) for g in gone
        ):
            raise Refused(400, t("web.bad_request"))
        pairs = [(int(g[0]), int(g[1])) for g in gone]
        await self.answer_with(self.room.service.fates(self.access, section, pairs))


class SynthesisHandler(ApiHandler):
    """``GET``: the synthesis, rendered section by section."""

    def who(self, book: KeyBook) -> Access:
        return self.synthesis_access(book)

    async def get(self) -> None:
        await self.answer_with(self.room.service.synthesis(self.access))


# -- live events ------------------------------------------------------------------------------


class EventsHandler(ApiHandler):
    """A page's live events (Server-Sent Events): ``lignes`` (what changed since the last
    version sent, with the breakout's state), ``tic`` every second (the page counts
    silence, and said too while the store cannot answer for a moment: a database
    restarting is no refusal), ``refus`` (the key no longer opens the page: the stream
    ends). The browser's ``EventSource`` reconnects by itself with ``Last-Event-ID``, the
    last version it had."""

    kind = "lignes"

    async def get(self, section: str = "") -> None:
        key = self.access.key
        if self.room.streams.get(key, 0) >= STREAMS_PER_KEY:
            self.refuse(Refused(429, t("web.too_many_streams")))
            return
        self.room.streams[key] = self.room.streams.get(key, 0) + 1
        try:
            await self.stream(self.since())
        except StreamClosedError:
            pass
        finally:
            self.room.streams[key] -= 1
            if not self.room.streams[key]:
                del self.room.streams[key]

    def since(self) -> int:
        for given in (self.request.headers.get("Last-Event-ID"), self.get_argument("depuis", "")):
            try:
                return int(given or "")
            except ValueError:
                continue
        return 0

    async def stream(self, version: int) -> None:
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("Content-Encoding", "identity")  # each event as it comes, not gzipped
        self.set_header("X-Accel-Buffering", "no")  # nor held by a proxy (nginx)
        self.write("retry: 1000\n\n")
        await self.flush()
        hub, last = self.room.hub, None
        while True:
            moved = await hub.wait(version, TICK_SECONDS) or last is None
            if moved:
                read = self.read_since(version)
                try:  # the stream's first read is its own: the store checks the key in it
                    # (a read shared with the streams already open, made before the key was
                    # renewed, gave a renewed key the rows until the hub heard of it)
                    found = await (read() if last is None else hub.shared(
                        (self.kind, self.access.key, self.section, version), read))  # fmt: skip
                except Refused as refused:
                    if refused.status in {403, 404}:
                        self.event("refus", refused.body())
                        await self.flush()
                        return
                    # The store cannot answer for now (a database restarting, a USB stick
                    # pulled out): the page is not refused, it keeps its texts and sends
                    # them again; the stream reads again a tick later.
                    self.event("tic", {"version": hub.version})
                    await self.flush()
                    await asyncio.sleep(TICK_SECONDS)
                    continue
                fresh = self.worth_sending(found, last)
                version, last = int(found["version"]), found
                if fresh:
                    self.event(self.kind, found, version)
                    await self.flush()
                    continue
            self.event("tic", {"version": hub.version})
            await self.flush()

    def read_since(self, version: int) -> Any:
        return lambda: self.room.service.since(self.access, self.section, version)

    @staticmethod
    def worth_sending(found: dict[str, Any], last: dict[str, Any] | None) -> bool:
        return (
            last is None
            or bool(found["rows"])
            or (
                found["order"] != last["order"]
                or {k: v for k, v in found["state"].items() if k != "now"}
                != {k: v for k, v in last["state"].items() if k != "now"}
            )
        )

    def event(self, name: str, data: dict[str, Any], version: int | None = None) -> None:
        head = f"id: {version}\n" if version is not None else ""
        self.write(f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n")


class SynthesisEventsHandler(EventsHandler):
    """The projection's live events: ``synthese`` when the synthesis as shown changed."""

    kind = "synthese"

    def who(self, book: KeyBook) -> Access:
        self.section = ""
        return self.synthesis_access(book)

    def read_since(self, version: int) -> Any:
        return lambda: self.room.service.synthesis(self.access)

    @staticmethod
    def worth_sending(found: dict[str, Any], last: dict[str, Any] | None) -> bool:
        return last is None or found["digest"] != last["digest"]


# -- the pages --------------------------------------------------------------------------------


class GroupPageHandler(RoomHandler):
    """A grid's page: the group's own (its key), or any section for the facilitator
    (``?groupe=slug``, ``general`` for the plenary's own section). The rows come in the HTML."""

    async def get(self) -> None:
        try:
            book = await self.book()
            given = book.identify(self.get_argument("cle", "")[:KEY_LENGTH])
            if self.get_argument("cle", "") and given is None:
                raise Refused(403, t("page.bad_key"))
            if given is not None:
                if given.role == PROJECTION:
                    raise Refused(403, t("page.bad_key"))
                self.keep_key(given)
            wanted = self.get_argument("groupe", "")
            access = self.page_access(book, given, wanted)
            self.rate_limit(access)
            section = wanted if access.role == FACILITATOR else str(access.group)
            data = await self.room.service.page(access, section)
        except Refused as refused:
            self.refusal_page(refused)
            return
        self.finish(self.room.templates.group(data, access, xsrf_token(access), current_language()))

    def page_access(self, book: KeyBook, given: Access | None, wanted: str) -> Access:
        """The link's own key first (a group's link names no group; the facilitator's names
        the section), then the cookies: the facilitator's when a section is named, else the
        group's."""
        if given is not None and given.group is not None:
            if wanted not in {"", given.group}:
                raise Refused(403, t("web.not_your_group"))
            return given
        facilitator = given or self.cookie_access(book, FACILITATOR)
        if wanted and facilitator is not None:
            return facilitator
        if facilitator is not None and given is not None:
            raise Refused(404, t("web.choose_group"))
        group = self.cookie_access(book, "group")
        if group is not None and wanted in {"", group.group}:
            return group
        raise Refused(403, t("web.not_your_group") if group is not None else t("page.bad_key"))

    def refusal_page(self, refused: Refused) -> None:
        self.set_status(refused.status)
        self.finish(self.room.templates.refusal(refused.message, refused.status))


class ProjectionPageHandler(GroupPageHandler):
    """The projection: the synthesis in large type, live, with the projection's key (or the
    facilitator's)."""

    async def get(self) -> None:
        try:
            book = await self.book()
            given = book.identify(self.get_argument("cle", "")[:KEY_LENGTH])
            if self.get_argument("cle", "") and (given is None or given.group is not None):
                raise Refused(403, t("page.bad_key"))
            if given is not None:
                self.keep_key(given)
            access = given or self.synthesis_access(book)
            self.rate_limit(access)
            data = await self.room.service.synthesis(access)
        except Refused as refused:
            self.refusal_page(refused)
            return
        self.finish(self.room.templates.projection(data, current_language()))


def routes(room: Room) -> list[tuple[str, Any, dict[str, Any]]]:
    """The participants' routes under the server's base URL."""
    from ccm_widgets.web.pages import StaticHandler, static_root

    base = room.base_url + "ccm/"
    api = base + "api/"
    section = r"sections/(?P<section>[a-z0-9-]{1,80})"
    row = section + r"/lignes/(?P<row>[0-9]{1,12})"
    kwargs = {"room": room}
    return [
        (base + "groupe/?", GroupPageHandler, kwargs),
        (base + "projection/?", ProjectionPageHandler, kwargs),
        (base + r"static/[0-9a-f]{1,32}/(.*)", StaticHandler, {"path": str(static_root())}),
        (api + section + "/lignes", RowsHandler, kwargs),
        (api + row, RowHandler, kwargs),
        (api + row + r"/(?P<action>restauration|deplacement|historique)", RowActionHandler,
         kwargs),
        (api + row + r"/(?P<field>[a-z]+)", CellHandler, kwargs),
        (api + section + "/collage", PasteHandler, kwargs),
        (api + section + "/import", ImportHandler, kwargs),
        (api + section + "/devenir", FatesHandler, kwargs),
        (api + section + "/evenements", EventsHandler, kwargs),
        (api + "synthese", SynthesisHandler, kwargs),
        (api + "synthese/evenements", SynthesisEventsHandler, kwargs),
    ]  # fmt: skip
