"""What ``ccm serve`` adds to Voilà, for Voilà running inside a Jupyter server (JupyterHub).

Behind JupyterHub, each facilitator's single-user server runs Voilà as a server extension,
not ``ccm serve``. Enabled in ``deploy/jupyterhub/jupyterhub_config.py`` with
``--ServerApp.jpserver_extensions=ccm_widgets.server.extension=True``, this extension brings
the same room set-up:

- the participants' pages (a group's grid, the projection) under the server's prefix, with
  no kernel (:mod:`ccm_widgets.web`): the groups' rapporteurs need no hub account;
- no MathJax from a CDN: standalone Voilà leaves it off, but inside a Jupyter server the page
  configuration falls back to cdnjs, which a meeting room cannot reach;
- the tab-close beacon accepted and the kernel reaper: a closed tab's kernel goes;
- the widgets' versioned JavaScript cached by the browsers, and sent compressed;
- no access key in the server's log (the single-user server logs every page request).

:class:`RoomAuthorizer` (set in the deployment's ``c.Spawner.args``) keeps every hub user but
the server's owner out of the whole Jupyter API: files, contents, kernels, sessions,
terminals.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_server.auth import Authorizer


def server_owner() -> str | None:
    """The hub user whose server this is (JupyterHub sets it in the server's environment)."""
    return os.environ.get("JUPYTERHUB_USER")


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "ccm_widgets.server.extension"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from ccm_widgets.server.serve import room_set_up

    settings = serverapp.web_app.settings
    settings["mathjax_url"] = None
    settings["mathjax_config"] = None
    # Not strict: the owner's own kernels (JupyterLab) are left to the server's authorisation.
    grace = room_set_up(serverapp, lambda: serverapp.web_app, strict=False)
    serverapp.log.info("ccm : salle prête (noyaux des onglets fermés arrêtés après %d s)", grace)


class RoomAuthorizer(Authorizer):
    """The server's owner may do anything; any other user the hub lets in, nothing.

    The participants' pages do not go through the authorizer (they are the kit's own
    handlers, opened by a link's key); the facilitator's Voilà pages are the owner's. So the
    file browser, the contents and files APIs, kernels, sessions and terminals answer 403 to
    anyone else: no one but the facilitator runs code as the facilitator, or reads their
    files.
    """

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        if user.username == server_owner():
            return True
        self.log.warning(
            "ccm : refusé à %s : %s %s (%s)", user.username, action, resource, handler.request.path
        )
        return False
