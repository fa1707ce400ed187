"""What the server answers to addresses typed by hand: no file outside the pages, nothing
fetched from the internet, French pages.

Plain HTTP against a real ``ccm serve`` (no browser needed): path traversal in every form a
client can send, Voilà's file and tree routes, the error pages.
"""

from __future__ import annotations

import gzip
import http.client
import re
import time
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import Server

pytestmark = pytest.mark.browser


def fetch(
    server: Server, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One GET of ``path`` sent exactly as written (no client-side clean-up of ``..``)."""
    where = urlsplit(server.base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def get(server: Server, path: str, *, follow: int = 5) -> tuple[int, bytes]:
    """GET ``path`` as written, following redirects to this server only."""
    for _ in range(follow + 1):
        status, headers, body = fetch(server, path)
        location = headers.get("Location", "")
        if status not in {301, 302, 303, 307, 308} or not location:
            return status, body
        target = urlsplit(location)
        assert target.hostname in {None, "127.0.0.1"}, f"redirection vers {location}"
        path = target.path + (f"?{target.query}" if target.query else "")
    return status, body


#: Files a traversal would aim at, and bytes that would show it got them.
SECRETS = {
    "pyproject.toml": b"[project]",
    "README.md": b"make test",
    "etc/passwd": b"root:",
    "ccm.sqlite": b"SQLite format 3",
    "workbooks/pleniere.ipynb": b'"nbformat"',
    "ccm_widgets/web/service.py": b"class GridService",
}

TRAVERSALS = [
    "/voila/files/pleniere.ipynb",
    "/voila/files/../pyproject.toml",
    "/voila/files/%2e%2e/pyproject.toml",
    "/voila/files/..%2fpyproject.toml",
    "/voila/files/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd",
    "/voila/files//etc/passwd",
    "/voila/files/%2Fetc%2Fpasswd",
    "/voila/render/../README.md",
    "/voila/render/..%2fREADME.md",
    "/voila/render/%2e%2e/pyproject.toml",
    "/voila/render/../../../../../../etc/passwd",
    "/voila/render/..%5c..%5cpyproject.toml",
    "/voila/tree/..",
    "/voila/tree/%2e%2e/%2e%2e",
    "/voila/static/../../../../../../etc/passwd",
    "/voila/static/..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd",
    "/voila/templates/ccm/static/../../../../../../../../etc/passwd",
    "/voila/labextensions/..%2f..%2f..%2f..%2f..%2fetc/passwd",
    "/static/../../../../etc/passwd",
    "/files/pyproject.toml",
    "/api/contents/",
    "/api/contents/pleniere.ipynb",
    "/voila/api/shutdown/x",
    "/ccm/static/0/../../../../../../pyproject.toml",
    "/ccm/static/0/..%2f..%2f..%2f..%2fpyproject.toml",
    "/ccm/static/0/%2e%2e/%2e%2e/service.py",
    "/ccm/static/0/..%2fservice.py",
    "/ccm/static/0/%2Fetc%2Fpasswd",
    "/ccm/static/0//etc/passwd",
    "/ccm/../pyproject.toml",
    "/ccm/groupe/../../pyproject.toml",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_reaches_a_file_outside_the_pages(server: Server, path: str) -> None:
    status, body = get(server, path)
    leaked = [name for name, marker in SECRETS.items() if marker in body]
    assert leaked == [], f"{path} → {status} a livré {leaked}"
    assert status != 200 or b"Cahiers de la r" in body, f"{path} → {status}"


@pytest.mark.parametrize("path", ["/", "/voila/tree", "/voila/render/absent.ipynb", "/voila/x"])
def test_home_and_error_pages_are_french_and_fetch_nothing_outside(
    server: Server, path: str
) -> None:
    status, body = get(server, path)
    page = body.decode("utf-8", "replace")
    outside = [
        url
        for url in re.findall(r"""(?:src|href)=["']([^"']+)""", page)
        if re.match(r"(https?:)?//", url) and not url.startswith(server.base)
    ]
    assert outside == [], f"{path} charge {outside}"
    if status == 200:
        assert "Cahiers de la réunion" in page
        assert "ccm links" in page
        assert ".ipynb" not in page  # no list of workbooks without their keys
    elif path.startswith("/voila/render/"):  # Voilà's own error page, ours in French
        assert "page introuvable" in page, page[:300]
    assert "Traceback" not in page


def test_refused_requests_are_logged_without_their_key(server: Server) -> None:
    """A page name mistyped in a good link: the server logs the refusal, not the key."""
    key = server.links["Protection"].rsplit("cle=", 1)[1]
    get(server, f"/voila/render/groupe-typo.ipynb?groupe=protection&cle={key}")
    get(server, f"/voila/files/x.png?cle={key}")
    get(server, f"/ccm/groupe?cle={key}x")  # a light page's refusal too
    time.sleep(0.5)  # the log line is written after the answer
    logged = [
        line
        for line in server.log_path.read_text().splitlines()
        if "\thttp" not in line  # the links ccm serve prints for the facilitator, on purpose
    ]
    assert any("groupe-typo.ipynb" in line for line in logged), "refus absent du journal"
    assert [line for line in logged if key in line] == []


def test_scripts_and_pages_are_sent_compressed(server: Server) -> None:
    """The room's Wi-Fi carries a quarter of the bytes: scripts go gzipped when asked."""
    link = urlsplit(server.links["Protection"])
    status, _, page = fetch(server, f"{link.path}?{link.query}")
    assert status == 200
    found = re.search(rb'href="(/ccm/static/[0-9a-f]+/)pages.css"', page)
    assert found is not None
    folder = found.group(1).decode()
    for path in (
        "/voila/static/voila.js",
        f"{link.path}?{link.query}",
        f"{folder}groupe.js",
        f"{folder}pages.css",
    ):
        status, headers, body = fetch(server, path, {"Accept-Encoding": "gzip"})
        assert status == 200, path
        assert headers.get("Content-Encoding") == "gzip", path
        assert gzip.decompress(body)
