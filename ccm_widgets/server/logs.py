"""The server's log, without the access keys: a log lists the URLs it refused (a mistyped page
name, say), and the key in such a URL is still a good one."""

from __future__ import annotations

import logging
import re


def _spelled(char: str) -> str:
    """A pattern for ``char`` as a URL may carry it: as is, percent-encoded (Tornado decodes
    ``c%6ce=`` into ``cle=``), or encoded again inside another URL (a log-in's ``next=``)."""
    codes = {f"{ord(char.lower()):02x}", f"{ord(char.upper()):02x}"}
    encoded = "|".join(f"%(?:25)?{code}" for code in sorted(codes))
    return f"(?:{re.escape(char)}|{encoded})"


#: ``cle=…`` in a URL, however it is spelled (see :func:`_spelled`).
KEY_IN_URL = re.compile(
    rf"((?:^|[?;\s]|{_spelled('&')}|{_spelled('?')})"
    rf"{_spelled('c')}{_spelled('l')}{_spelled('e')}{_spelled('=')})[^&%\s'\"]*",
    re.IGNORECASE,
)


class HideKeys(logging.Filter):
    """Take the access keys out of log lines: a server's log lists the URLs it refused (a
    mistyped page name, say), and the key in such a URL is still a good one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = KEY_IN_URL.sub(r"\1[clé masquée]", message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


def hide_keys_in_logs(*loggers: logging.Logger) -> None:
    """Put :class:`HideKeys` on every handler that the server's log lines reach."""
    seen = [logging.getLogger(), logging.getLogger("tornado"), *loggers]
    for logger in seen:
        for handler in logger.handlers:
            if not any(isinstance(f, HideKeys) for f in handler.filters):
                handler.addFilter(HideKeys())
