"""Pieces every page uses: the status line, buttons and file pickers, the store watcher,
the access guard, the editable list of items."""
