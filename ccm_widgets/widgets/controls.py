"""Small pieces the panels share: a button wired to its handler, a file picker that hands
over each file once, a text cut to one line for a list entry."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w


def button(label: str, handler: Callable[[w.Button], None], style: str = "") -> w.Button:
    """A button as wide as its label, calling ``handler`` when clicked."""
    made = w.Button(description=label, button_style=style, layout=w.Layout(width="auto"))
    made.on_click(handler)
    return made


def file_picker(
    on_file: Callable[[str, bytes], object], *, accept: str, description: str = ""
) -> w.FileUpload:
    """A file picker that calls ``on_file(name, content)`` for each file chosen, then empties
    itself, so that choosing the same file again imports it again."""
    options = {"description": description} if description else {}
    picker = w.FileUpload(accept=accept, multiple=False, layout=w.Layout(width="auto"), **options)

    def chosen(change: dict[str, object]) -> None:
        files = change["new"]
        if not files:
            return
        for item in files:  # type: ignore[attr-defined]
            on_file(str(item["name"]), bytes(item["content"]))
        picker.value = ()

    picker.observe(chosen, names="value")
    return picker


def short(text: str, limit: int = 70) -> str:
    """One line of at most ``limit`` characters, for a list entry."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
