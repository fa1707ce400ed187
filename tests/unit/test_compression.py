"""Static files go gzipped, each compressed once; everything else is compressed as before."""

from __future__ import annotations

import asyncio
import gzip
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPResponse
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port
from tornado.web import Application, RequestHandler, StaticFileHandler

from ccm_widgets.server.compression import (
    CachedGZipContentEncoding,
    CompressedFiles,
    compress_responses,
)

GZIP = {"Accept-Encoding": "gzip"}
T = TypeVar("T")


class Page(RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "text/html")
        self.write("<p>" + self.get_argument("texte", "") * 1000 + "</p>")


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch) -> CompressedFiles:
    fresh = CompressedFiles()
    monkeypatch.setattr(CachedGZipContentEncoding, "files", fresh)
    return fresh


def app(root: Path) -> Application:
    application = Application([
        (r"/static/(.*)", StaticFileHandler, {"path": str(root)}),
        (r"/page", Page),
    ])  # fmt: skip
    assert compress_responses(application)
    assert not compress_responses(application)  # added once
    return application


async def get(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET"
              ) -> HTTPResponse:  # fmt: skip
    client = AsyncHTTPClient()
    return await client.fetch(f"http://127.0.0.1:{port}{path}", method=method,
                              headers=headers or {}, decompress_response=False,
                              raise_error=False)  # fmt: skip


def with_server(root: Path, scenario: Callable[[int], Awaitable[T]]) -> T:
    """``scenario(port)``'s result, run against the application listening on 127.0.0.1."""

    async def run() -> T:
        sock, port = bind_unused_port()
        http = HTTPServer(app(root))
        http.add_sockets([sock])
        try:
            return await scenario(port)
        finally:
            http.stop()

    return asyncio.run(run())


def plain_body(response: HTTPResponse) -> bytes:
    """The body as sent before compression, whether it was compressed or not."""
    return (
        gzip.decompress(response.body)
        if response.headers.get("Content-Encoding")
        else response.body
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    # Several of StaticFileHandler's 64 KiB chunks, compressible like a script.
    script = "".join(f"function f{i}(a) {{ return a + {i}; }}\n" for i in range(20_000))
    (tmp_path / "voila.js").write_text(script, encoding="utf-8")
    (tmp_path / "petit.js").write_text("var a = 1;\n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(os.urandom(5000))
    return tmp_path


def test_a_static_file_is_compressed_once_and_served_the_same(
    root: Path, files: CompressedFiles
) -> None:
    async def scenario(port: int) -> list[HTTPResponse]:
        return [
            await get(port, "/static/voila.js", GZIP),
            await get(port, "/static/voila.js", GZIP),
            await get(port, "/static/voila.js"),
        ]

    first, again, plain = with_server(root, scenario)
    script = (root / "voila.js").read_bytes()
    assert len(script) > 3 * 65536
    for response in (first, again):
        assert response.code == 200
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert gzip.decompress(response.body) == script
    assert again.body == first.body
    assert int(again.headers["Content-Length"]) == len(again.body)
    assert (files.misses, files.hits) == (1, 1)
    assert "Content-Encoding" not in plain.headers  # a browser that did not ask
    assert plain.body == script


def test_a_file_changed_on_disk_is_compressed_afresh(root: Path, files: CompressedFiles) -> None:
    changed = (root / "voila.js").read_text(encoding="utf-8") + "var nouveau = 2;\n"

    async def scenario(port: int) -> HTTPResponse:
        await get(port, "/static/voila.js", GZIP)
        (root / "voila.js").write_text(changed, encoding="utf-8")
        stat = (root / "voila.js").stat()
        os.utime(root / "voila.js", (stat.st_atime, stat.st_mtime + 5))
        return await get(port, "/static/voila.js", GZIP)

    response = with_server(root, scenario)
    assert gzip.decompress(response.body).decode() == changed


def test_ranges_heads_small_files_and_images_are_left_as_they_were(
    root: Path, files: CompressedFiles
) -> None:
    async def scenario(port: int) -> list[HTTPResponse]:
        await get(port, "/static/voila.js", GZIP)
        part = await get(port, "/static/voila.js", {**GZIP, "Range": "bytes=10-19"})
        return [
            part,
            await get(port, "/static/voila.js", GZIP, method="HEAD"),
            await get(port, "/static/petit.js", GZIP),
            await get(port, "/static/image.png", GZIP),
            await get(port, "/static/voila.js", {**GZIP, "If-None-Match": part.headers["Etag"]}),
        ]

    part, head, small, image, not_modified = with_server(root, scenario)
    script = (root / "voila.js").read_bytes()
    assert part.code == 206
    assert plain_body(part) == script[10:20]
    assert head.code == 200
    assert head.body == b""
    assert plain_body(small) == b"var a = 1;\n"
    assert image.body == (root / "image.png").read_bytes()
    assert not_modified.code == 304
    assert files.hits == 0  # none of these came from the cache


def test_pages_are_compressed_each_time_with_their_own_content(
    root: Path, files: CompressedFiles
) -> None:
    async def scenario(port: int) -> list[HTTPResponse]:
        return [await get(port, "/page?texte=un", GZIP), await get(port, "/page?texte=deux", GZIP)]

    one, two = with_server(root, scenario)
    assert gzip.decompress(one.body) == b"<p>" + b"un" * 1000 + b"</p>"
    assert gzip.decompress(two.body) == b"<p>" + b"deux" * 1000 + b"</p>"


def test_the_cache_starts_over_past_its_limit() -> None:
    files = CompressedFiles(limit=10)
    files.put(("a",), b"123456")
    files.put(("b",), b"123456")  # over the limit: what was kept goes
    assert files.get(("a",)) is None
    assert files.get(("b",)) == b"123456"
    files.put(("c",), b"12345678901")  # larger than the whole cache: not kept
    assert files.get(("c",)) is None
