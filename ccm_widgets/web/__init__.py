"""The participants' pages: a group's grid and the projection, served without a kernel.

Server-rendered HTML (:mod:`.pages`), a few ES modules of our own (``static/``), a narrow
JSON API and live events (:mod:`.handlers`, :mod:`.live`) over the store
(:mod:`.service`), the one rule of who reads what (:mod:`.access`). Installed beside Voilà
in the same server by :func:`install`.
"""

from __future__ import annotations

from typing import Any

from ccm_widgets.web.handlers import Room, routes

__all__ = ["Room", "install"]


def install(web_app: Any, location: str) -> Room:
    """Add the participants' routes to ``web_app`` (a Tornado application, Voilà's own or a
    Jupyter server's), serving the store at ``location``; start watching it."""
    room = Room(location, web_app.settings.get("base_url", "/"))
    web_app.add_handlers(".*$", routes(room))
    web_app.settings["ccm_room_pages"] = room
    room.start()
    return room
