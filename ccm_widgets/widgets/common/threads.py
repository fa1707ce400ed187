"""One lock for the widgets a kernel's background threads make, change or close.

ipywidgets keeps a kernel's widgets in a plain dict, and reads it without a lock when a tab
asks for their states (its first look at the page). A thread that made or closed widgets
meanwhile broke that read ("dictionary changed size during iteration") or left a widget out,
and the tab never showed the page: the preheated page's build after its request, the cards
made when the page's script says nothing, a refresh after another tab's change, the guide's
clock. Those threads hold :data:`WIDGETS` while they touch widgets; the tab's request for the
states waits for it (:func:`ccm_widgets.pages.preheat.notice_tab`).

The kernel's main thread takes it only there, never while holding another lock, so a thread
may take another lock (a grid editor's drawing lock) inside it.
"""

from __future__ import annotations

import threading

#: Held by a background thread while it makes, changes or closes widgets.
WIDGETS = threading.RLock()
