"""A page knows when it is cut off: its kernel's state, asked by the page every second.

A page whose kernel died, or whose Wi-Fi dropped, used to go on looking alive: the grid took
the text, the status still read "Enregistré", and nothing reached the store. The page's own
script (the ``ccm`` Voilà template) asks ``/voila/ccm/etat/<kernel id>`` every second; no
answer means the connection is lost, ``"mort"`` that the kernel is gone. Either way the page
shows a French banner, stops taking input, and keeps what was typed.

Only a browser holding the facilitator's key may ask (the door's cookie), and the answer is
one word. The banner's sentences reach the page in its Voilà
page configuration (``jupyter-config-data``), so that a page cut off before its widgets came
can still say what happened, in the catalogue's language.
"""

from __future__ import annotations

import json
from typing import Any

from tornado import web

from ccm_widgets.i18n import t
from ccm_widgets.server.door import COOKIE, Door

#: Where a page asks for its kernel's state (under the server's base URL).
STATE_PATH = "voila/ccm/etat/"
#: The banner's sentences, by the page script's names for them.
BANNER_KEYS = {
    "offline": "banner.offline",
    "dead": "banner.dead",
    "reload": "banner.reload",
    "back": "banner.back",
}


class PageStateHandler(web.RequestHandler):
    """``GET voila/ccm/etat/<kernel id>``: ``{"noyau": "vivant" | "mort"}``."""

    def initialize(self, door: Door, kernel_manager: Any) -> None:
        self.door = door
        self.kernel_manager = kernel_manager

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "application/json")

    async def get(self, kernel_id: str) -> None:
        if not await self.door.may_use_kernels(self.get_cookie(COOKIE)):
            raise web.HTTPError(403)
        reaper = self.settings.get("ccm_reaper")
        if reaper is not None:  # a page still loading is no abandoned kernel
            reaper.page_alive(kernel_id)
        self.finish(json.dumps({"noyau": "vivant" if await self._alive(kernel_id) else "mort"}))

    async def _alive(self, kernel_id: str) -> bool:
        if kernel_id not in self.kernel_manager:
            return False
        alive = self.kernel_manager.get_kernel(kernel_id).is_alive()
        if hasattr(alive, "__await__"):
            alive = await alive
        return bool(alive)


#: Voilà's own front-end plugins that no page of the kit uses, not started in its pages. Every
#: workbook is one cell whose output is a widget: no Markdown, JSON, JavaScript or Vega
#: output to render, no code to highlight, no LaTeX to typeset (MathJax, loaded as the first
#: widgets appeared, was 16 of a group page's 133 files; and a text with two "$" in a cell
#: would have been typeset as mathematics), no dark theme.
DISABLED_PLUGINS = (
    "@jupyterlab/mathjax-extension",
    "@jupyterlab/mathjax2-extension",
    "@jupyterlab/markedparser-extension",
    "@jupyterlab/codemirror-extension",
    "@jupyterlab/javascript-extension",
    "@jupyterlab/json-extension",
    "@jupyterlab/json-lines-extension",
    "@jupyterlab/vega5-extension",
    "@jupyterlab/theme-dark-extension",
)
#: Lab extensions installed beside Voilà that no page uses: jupyterlab_pygments' code
#: highlighting styles (no page shows code). Left out here rather than by
#: ``VoilaConfiguration.extension_denylist``, which a Jupyter server behind JupyterHub
#: does not hand to Voilà's tree page (it failed there with a TypeError).
UNUSED_EXTENSIONS = frozenset({"jupyterlab_pygments"})


def page_config(page_config: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Voilà's page configuration with what the page script needs (where to ask, and the
    banner's sentences), and without the plugins and extensions no page uses
    (:data:`DISABLED_PLUGINS`, :data:`UNUSED_EXTENSIONS`)."""
    disabled = [*page_config.get("disabledExtensions", []), *DISABLED_PLUGINS]
    extensions = [
        extension
        for extension in page_config.get("federated_extensions", [])
        if extension.get("name") not in UNUSED_EXTENSIONS
    ]
    return {
        **page_config,
        "federated_extensions": extensions,
        "disabledExtensions": list(dict.fromkeys(disabled)),
        "ccm": {
            "stateUrl": f"{base_url.rstrip('/')}/{STATE_PATH}",
            "messages": {name: t(key) for name, key in BANNER_KEYS.items()},
        },
    }
