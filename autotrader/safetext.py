"""Text that is safe to show: no terminal control, no credentials inside URLs.

User text (strategy names, file names, unknown keys, frame excerpts) reaches terminals,
logs and the journal. ``escape`` writes every character that could move the cursor,
recolour the screen, reorder the line (bidirectional overrides) or hide itself
(zero-width marks) as a visible ``\\x1b`` / ``\\u202e`` escape, so what is printed is
what the file says. ``public_url`` and ``scrub_urls`` drop the ``user:password@`` part
of URLs wherever they are shown or stored; ``UrlScrubFilter`` does it for log records.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

# Controls, format characters (bidi overrides, zero-width), separators, surrogates,
# private use and unassigned code points: never printed raw.
_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@?#]*@")


def _unsafe(ch: str) -> bool:
    if " " <= ch <= "~":
        return False
    return ch < " " or ch == "\x7f" or unicodedata.category(ch) in _UNSAFE


def first_unsafe(text: str) -> int:
    """The index of the first character that must not be printed raw, or -1."""
    if text.isascii() and text.isprintable():
        return -1
    return next((i for i, ch in enumerate(text) if _unsafe(ch)), -1)


def escape(text: str) -> str:
    """``text`` with every unsafe character written as a visible escape."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        if not _unsafe(ch):
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


def public_url(url: str) -> str:
    """``url`` without its userinfo (``https://user:pw@host/x`` -> ``https://host/x``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return scrub_urls(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def scrub_urls(text: str) -> str:
    """Every ``scheme://userinfo@`` in free text, with the userinfo removed."""
    return _USERINFO.sub(r"\g<scheme>", text) if "://" in text else text


class UrlScrubFilter(logging.Filter):
    """A logging filter: a record's message (arguments applied) loses URL userinfo."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub_urls(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


__all__ = ["UrlScrubFilter", "escape", "first_unsafe", "public_url", "scrub_urls"]
