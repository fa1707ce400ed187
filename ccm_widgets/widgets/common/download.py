"""A file handed to the browser as a download that starts by itself.

The server serves no files (``/voila/files/`` serves nothing): an export reaches the browser
inside the page that made it, its bytes in a ``data:`` link. The link carries the class
:data:`DOWNLOAD_CLASS` and a token of its own; the page's script (the ``ccm`` Voilà template)
clicks each such link once as it appears, so the download starts without a second click,
and the link stays there to save the file again. Nothing here runs JavaScript itself, and
nothing needs the internet.
"""

from __future__ import annotations

import base64
import html
import secrets

#: The class of the links the page's script clicks once (``index.html.j2``).
DOWNLOAD_CLASS = "ccm-download"
LINK_STYLE = "font-size:1.1em;color:#0b57d0;text-decoration:underline"


def download_anchor(name: str, mime: str, data: bytes, label: str) -> str:
    """An ``<a download>`` of ``data`` named ``name``, shown as ``label`` (both escaped),
    that the page clicks once as soon as it is shown."""
    payload = base64.b64encode(data).decode("ascii")
    token = secrets.token_hex(8)
    return (
        f'<a class="{DOWNLOAD_CLASS}" data-ccm-download="{token}" download="{html.escape(name)}"'
        f' href="data:{html.escape(mime)};base64,{payload}" style="{LINK_STYLE}">'
        f"{html.escape(label)}</a>"
    )
