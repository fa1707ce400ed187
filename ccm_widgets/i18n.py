"""The user-facing text catalogue: French by default, English alongside.

Every sentence a user reads lives in ``locales/<lang>.toml``; code refers to it by key.
The language comes from ``CCM_LANG`` (``fr`` when unset).
"""

from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path

_LOCALES = Path(__file__).with_name("locales")
DEFAULT_LANGUAGE = "fr"


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """All messages of ``language``, falling back to French for keys it lacks."""
    with (_LOCALES / f"{DEFAULT_LANGUAGE}.toml").open("rb") as f:
        messages: dict[str, str] = tomllib.load(f)
    path = _LOCALES / f"{language}.toml"
    if language != DEFAULT_LANGUAGE and path.exists():
        with path.open("rb") as f:
            messages = {**messages, **tomllib.load(f)}
    return messages


def current_language() -> str:
    """The language asked for by ``CCM_LANG``, or French."""
    return os.environ.get("CCM_LANG", DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def t(key: str, /, **values: object) -> str:
    """The message ``key`` in the current language, with ``{name}`` fields filled in."""
    template = catalogue(current_language()).get(key)
    if template is None:
        raise KeyError(f"message absent du catalogue : {key}")
    return template.format(**values) if values else template


def tn(key: str, count: int, /, **values: object) -> str:
    """The message ``key`` for ``count`` things, its words agreeing with the number.

    The catalogue holds ``key.one`` (the singular) and ``key.other`` (the plural); the
    language's ``plural.one`` lists the counts that take the singular (``0,1`` in French,
    ``1`` in English). ``{count}`` and the other fields are filled in.
    """
    messages = catalogue(current_language())
    singular = {int(n) for n in messages.get("plural.one", "1").split(",") if n.strip()}
    template = messages.get(f"{key}.{'one' if count in singular else 'other'}")
    if template is None:
        template = messages.get(f"{key}.other")
    if template is None:
        raise KeyError(f"message absent du catalogue : {key}.other")
    return template.format(count=count, **values)
