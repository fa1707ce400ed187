"""Gzip for what the server sends, each static file compressed once.

A group's page brings 6.6 MB of JavaScript and styles on its first open, and ten phones on
the room's Wi-Fi fetch them at once; compressed, they weigh about a quarter of that. Neither
Voilà nor the Jupyter server turns Tornado's compression on. Tornado's own transform also
compresses every response afresh: a quarter of a second of the server's CPU for each
browser opening its first page, on the laptop that is also starting kernels. The files do not
change while the server runs, and each carries an ``Etag`` (its content's hash), its time of
change and its length: so each is compressed once and kept under those; a file changed on
disk is compressed afresh.
"""

from __future__ import annotations

import threading
from typing import Any

from tornado import httputil
from tornado.web import GZipContentEncoding

#: Compressed bodies kept at most (all of Voilà's and the widgets' files: about 2 MB).
CACHE_LIMIT_BYTES = 32 * 1024 * 1024


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
        etag = headers.get("Etag")
        whole = self._method == "GET" and status_code == 200 and "Content-Range" not in headers
        if not (self._gzipping and whole and etag):
            return super().transform_first_chunk(status_code, headers, chunk, finishing)
        self._key = (
            self._path, etag, headers.get("Last-Modified", ""), headers.get("Content-Length", "")
        )  # fmt: skip
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
