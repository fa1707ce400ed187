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
    asset_paths,
    compress_responses,
    prewarm,
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


class NoEtagFileHandler(StaticFileHandler):
    """As the Jupyter server serves the lab extensions (its FileFindHandler): no ``Etag``."""

    def compute_etag(self) -> None:
        return None


def app(root: Path) -> Application:
    application = Application([
        (r"/static/(.*)", StaticFileHandler, {"path": str(root)}),
        (r"/labextensions/(.*)", NoEtagFileHandler, {"path": str(root)}),
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


def test_a_file_served_without_etag_is_compressed_once_too(
    root: Path, files: CompressedFiles
) -> None:
    """The lab extensions (the widgets' JavaScript, most of a page's bytes) carry no Etag:
    they were compressed afresh for every tab."""

    async def scenario(port: int) -> list[HTTPResponse]:
        return [await get(port, "/labextensions/voila.js", GZIP) for _ in range(3)]

    responses = with_server(root, scenario)
    assert "Etag" not in responses[0].headers
    for response in responses:
        assert gzip.decompress(response.body) == (root / "voila.js").read_bytes()
    assert (files.misses, files.hits) == (1, 2)


def test_asset_paths_names_the_pages_files_as_voila_serves_them(tmp_path: Path) -> None:
    base, lab, extensions = tmp_path / "base", tmp_path / "lab", tmp_path / "labextensions"
    for folder in (base, lab, extensions / "ipydatagrid" / "static",
                   extensions / "@jupyter-widgets" / "manager" / "static"):  # fmt: skip
        folder.mkdir(parents=True)
    for name in ("voila.js", "7155.voila.js", "police.woff2", "index.css"):
        (base / name).write_text("x")
    (lab / "index.css").write_text("y")
    (extensions / "ipydatagrid" / "package.json").write_text("{}")
    (extensions / "ipydatagrid" / "static" / "595.abc.js").write_text("z")
    (extensions / "@jupyter-widgets" / "manager" / "package.json").write_text("{}")
    (extensions / "@jupyter-widgets" / "manager" / "static" / "remoteEntry.js").write_text("z")
    (extensions / "sans-paquet" / "static").mkdir(parents=True)  # not an extension
    (extensions / "sans-paquet" / "static" / "a.js").write_text("z")

    paths = asset_paths([str(base)], "ccm", [str(lab), str(base)], [str(extensions)])

    assert set(paths) == {
        "/voila/static/7155.voila.js",
        "/voila/static/index.css",
        "/voila/static/voila.js",
        # the template's named files (its numbered chunks are fetched under /voila/static/)
        "/voila/templates/ccm/static/index.css",
        "/voila/templates/ccm/static/voila.js",
        "/voila/labextensions/ipydatagrid/static/595.abc.js",
        "/voila/labextensions/@jupyter-widgets/manager/static/remoteEntry.js",
    }
    assert len(paths) == len(set(paths))  # a name in two roots is asked for once


def test_prewarm_leaves_the_files_compressed_for_the_first_tabs(
    root: Path, files: CompressedFiles
) -> None:
    busy = iter([True, True, False])  # a page loading: wait

    async def scenario(port: int) -> tuple[int, HTTPResponse]:
        paths = ["/static/voila.js", "/labextensions/voila.js", "/static/absent.js"]
        done = await asyncio.to_thread(
            prewarm, "127.0.0.1", port, paths, busy=lambda: next(busy, False)
        )
        return done, await get(port, "/static/voila.js", GZIP)

    done, first_tab = with_server(root, scenario)
    assert done == 2  # the missing file is skipped, the rest go on
    assert next(busy, "fini") == "fini"  # it waited while a page was loading
    assert gzip.decompress(first_tab.body) == (root / "voila.js").read_bytes()
    assert (files.misses, files.hits) == (2, 1)  # the tab's file came from the cache


def test_prewarm_of_a_server_gone_ends_quietly() -> None:
    sock, port = bind_unused_port()
    sock.close()
    assert prewarm("127.0.0.1", port, ["/static/voila.js"]) == 0
