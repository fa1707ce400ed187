"""What ``ccm serve`` adds to Voilà, for Voilà running inside a Jupyter server (JupyterHub).

Behind JupyterHub, each facilitator's single-user server runs Voilà as a server extension,
not ``ccm serve``. Enabled in ``deploy/jupyterhub/jupyterhub_config.py`` with
``--ServerApp.jpserver_extensions=ccm_widgets.server_extension=True``, this extension brings
the same room set-up:

- no MathJax from a CDN: standalone Voilà leaves it off, but inside a Jupyter server the page
  configuration falls back to cdnjs, which a meeting room cannot reach;
- the tab-close beacon accepted and the kernel reaper: a closed tab's kernel goes;
- the widgets' versioned JavaScript cached by the browsers, and sent compressed;
- no access key in the server's log (the single-user server logs every page request).

:class:`RoomAuthorizer` keeps the room's rapporteurs, let into the facilitator's server by the
hub, to the Voilà pages: the hub's ``access:servers`` scope opens the whole Jupyter server,
its file browser and kernel API included.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_server.auth import Authorizer

# Voilà's own pages do not go through the authorizer; the hub has already let the user in.
#: What a rapporteur's tab needs of the Jupyter API: its own kernel, named by its random id.
GUEST_ACTIONS = {("kernels", "execute"), ("kernels", "read")}


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "ccm_widgets.server_extension"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from ccm_widgets.serve import room_set_up

    settings = serverapp.web_app.settings
    settings["mathjax_url"] = None
    settings["mathjax_config"] = None
    grace = room_set_up(serverapp, lambda: serverapp.web_app)
    serverapp.log.info("ccm : salle prête (noyaux des onglets fermés arrêtés après %d s)", grace)


class RoomAuthorizer(Authorizer):
    """The server's owner may do anything; the other users the hub lets in (a room's
    rapporteurs) may only use a kernel whose id they already know.

    A Voilà page needs that and nothing more: its kernel's websocket and model. The file
    browser, the contents and files APIs, new kernels, sessions and the list of kernels answer
    403, so that a rapporteur cannot run code of their choosing in a new kernel as the
    facilitator, nor read the facilitator's files.
    """

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        if user.username == os.environ.get("JUPYTERHUB_USER"):
            return True
        if (resource, action) in GUEST_ACTIONS and handler.path_kwargs.get("kernel_id"):
            return True
        self.log.warning(
            "ccm : refusé à %s : %s %s (%s)", user.username, action, resource, handler.request.path
        )
        return False
