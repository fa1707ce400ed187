"""Gzip for what the server sends, each static file compressed once.

A group's page brings 6.6 MB of JavaScript and styles on its first open, and ten phones on
the room's Wi-Fi fetch them at once; compressed, they weigh about a quarter of that. Neither
Voilà nor the Jupyter server turns Tornado's compression on. Tornado's own transform also
compresses every response afresh: a quarter of a second of the server's CPU for each
browser opening its first page, on the laptop that is also starting kernels. The files do not
change while the server runs, and each carries an ``Etag`` (its content's hash), its time of
change and its length: so each is compressed once and kept under those; a file changed on
disk is compressed afresh. The lab extensions (the widget manager, ipydatagrid…) carry no
``Etag`` (the Jupyter server's file handler computes none): their time of change and length
stand for it.

Kept after the first request, a file would still be compressed by every tab that asks for it
before the first answer is complete: ten groups opening their links in the same second after
the server started compressed the same 6 MB ten times over (40 % of the server's time in
the burst benchmark). So :func:`prewarm` asks the server itself for the pages' files once it
listens, one at a time and only while no page is loading, and the first tabs find them ready.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from tornado import httputil
from tornado.web import GZipContentEncoding

log = logging.getLogger(__name__)

#: Compressed bodies kept at most (all of Voilà's and the widgets' files: about 5 MB).
CACHE_LIMIT_BYTES = 32 * 1024 * 1024
#: What is worth compressing ahead among the pages' files (fonts and images go as they are).
COMPRESSIBLE = (".js", ".css", ".json", ".svg")


class CompressedFiles:
    """Compressed bodies by path, ``Etag``, time of change and length, up to ``limit`` bytes
    (then it starts over)."""

    def __init__(self, limit: int = CACHE_LIMIT_BYTES) -> None:
        self.limit = limit
        self._bodies: dict[tuple[str, ...], bytes] = {}
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def size(self) -> int:
        return self._size

    def get(self, key: tuple[str, ...]) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is None:
                self.misses += 1
            else:
                self.hits += 1
            return body

    def put(self, key: tuple[str, ...], body: bytes) -> None:
        with self._lock:
            if len(body) > self.limit:
                return
            if self._size + len(body) > self.limit:
                self._bodies.clear()
                self._size = 0
            self._size += len(body) - len(self._bodies.get(key, b""))
            self._bodies[key] = body


FILES = CompressedFiles()


class CachedGZipContentEncoding(GZipContentEncoding):
    """Tornado's gzip transform; a whole ``GET`` answered ``200`` with an ``Etag`` (a static
    file) is compressed once, then served from :data:`FILES`."""

    files = FILES

    def __init__(self, request: httputil.HTTPServerRequest) -> None:
        super().__init__(request)
        self._method = request.method
        self._path = request.path
        self._key: tuple[str, ...] | None = None
        self._parts: list[bytes] = []
        self._served = False

    def transform_first_chunk(
        self, status_code: int, headers: httputil.HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, httputil.HTTPHeaders, bytes]:
        etag, modified = headers.get("Etag", ""), headers.get("Last-Modified", "")
        whole = self._method == "GET" and status_code == 200 and "Content-Range" not in headers
        if not (self._gzipping and whole and (etag or modified)):
            return super().transform_first_chunk(status_code, headers, chunk, finishing)
        self._key = (self._path, etag, modified, headers.get("Content-Length", ""))
        body = self.files.get(self._key)
        if body is None:
            status_code, headers, chunk = super().transform_first_chunk(
                status_code, headers, chunk, finishing
            )
            if not self._gzipping:  # not a compressible type
                self._key = None
            return status_code, headers, chunk
        # Served compressed before: the same bytes, whatever the file's chunks are.
        if "Vary" in headers:
            headers["Vary"] += ", Accept-Encoding"
        else:
            headers["Vary"] = "Accept-Encoding"
        headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        self._served = True
        return status_code, headers, body

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        if self._served:
            return b""  # the whole body went with the first chunk
        chunk = super().transform_chunk(chunk, finishing)
        if self._key is not None:
            self._parts.append(chunk)
            if finishing:
                self.files.put(self._key, b"".join(self._parts))
                self._parts = []
        return chunk


def compress_responses(web_app: Any) -> bool:
    """Add the transform to a Tornado application (its ``compress_response`` setting is only
    read when the application is made). Returns True if added."""
    transforms = web_app.transforms
    if CachedGZipContentEncoding in transforms:
        return False
    transforms[:] = [t for t in transforms if t is not GZipContentEncoding]
    transforms.append(CachedGZipContentEncoding)
    return True


def asset_paths(
    static_roots: Sequence[str],
    template: str,
    template_roots: Sequence[str],
    labextension_roots: Sequence[str],
) -> list[str]:
    """The URL paths of the files a page of ``template`` may ask for, as Voilà serves them:
    its application's chunks under ``/voila/static/`` (the first root holding a name wins,
    as there), the template's named styles and scripts under
    ``/voila/templates/<template>/static/`` (``index.css``, ``voila-style.js``…; Voilà's
    numbered chunks are asked for under ``/voila/static/``), the widgets' lab extensions
    under ``/voila/labextensions/<extension>/static/``. Only :data:`COMPRESSIBLE` files."""
    found: dict[str, None] = {}

    def walk(root: Path, prefix: str, keep: Callable[[Path], bool] = lambda _: True) -> None:
        if not root.is_dir():
            return
        for file in sorted(root.rglob("*")):
            if file.suffix in COMPRESSIBLE and file.is_file() and keep(file):
                found.setdefault(prefix + file.relative_to(root).as_posix(), None)

    for root in static_roots:
        walk(Path(root), "/voila/static/")
    for root in template_roots:
        walk(Path(root), f"/voila/templates/{template}/static/", lambda f: not f.name[0].isdigit())
    for extensions in map(Path, labextension_roots):
        if not extensions.is_dir():
            continue
        packages = [*extensions.glob("*/package.json"), *extensions.glob("@*/*/package.json")]
        for package in sorted(packages):
            name = package.parent.relative_to(extensions).as_posix()
            walk(package.parent / "static", f"/voila/labextensions/{name}/static/")
    return list(found)


def prewarm(
    host: str,
    port: int,
    paths: Iterable[str],
    *,
    busy: Callable[[], bool] = lambda: False,
    timeout: float = 10.0,
) -> int:
    """Ask the server at ``host:port`` for each of ``paths``, compressed, so that it keeps
    them (:data:`FILES`); waits while ``busy()`` (a page loading). Returns the number of
    files answered. Any failure ends it quietly: it only saves time."""
    done = 0
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        for path in paths:
            while busy():
                time.sleep(0.2)
            connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            response.read()
            done += response.status == 200
    except (OSError, http.client.HTTPException) as error:
        log.debug("fichiers compressés d'avance : arrêt (%s)", error)
    finally:
        connection.close()
    return done


def prewarm_in_background(app: Any, busy: Callable[[], bool]) -> threading.Thread | None:
    """:func:`prewarm` the files of Voilà ``app``'s pages in a thread, from its own address.
    Nothing (None) without a Voilà application listening on a port of its own."""
    from voila.paths import collect_static_paths

    port, template = getattr(app, "port", None), getattr(app, "voila_configuration", None)
    if not isinstance(port, int) or template is None:
        return None
    host = app.ip if app.ip not in ("", "0.0.0.0", "::") else "127.0.0.1"
    name = template.template
    paths = asset_paths(
        app.static_paths,
        name,
        collect_static_paths(["voila", "nbconvert"], name),
        app.labextensions_path,
    )

    def run() -> None:
        started = time.monotonic()
        done = prewarm(host, port, paths, busy=busy)
        log.info(
            "%d fichiers des pages compressés d'avance en %.1f s (%d octets gardés)",
            done, time.monotonic() - started, FILES.size,
        )  # fmt: skip

    thread = threading.Thread(target=run, name="ccm-prewarm", daemon=True)
    thread.start()
    return thread
