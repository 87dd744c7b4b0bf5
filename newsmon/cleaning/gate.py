"""Checks on the raw bytes before any parsing: size cap, non-HTML payloads, and decoding."""

from __future__ import annotations

import re

MAX_PAGE_BYTES = 3 * 1024 * 1024  # news pages are well under 1 MB; the cap bounds parse time and memory
# A page whose decoded text is more than this share of U+FFFD is not text in any charset we were told.
_MAX_REPLACEMENT_SHARE = 0.01

_MAGIC = {
    b"%PDF-": "PDF",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"PK\x03\x04": "ZIP archive",
    b"\x1f\x8b": "gzip data",
    b"RIFF": "RIFF media (WebP, WAV, AVI)",
}
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


class NotHtml(ValueError):
    """The bytes are not an HTML page we can read; the message is the rejection reason."""


def check_payload(html: bytes, headers: dict[str, str]) -> None:
    """Raise NotHtml when the bytes are empty, too large, binary, or declared as something other than HTML."""
    if not html.strip():
        raise NotHtml("empty body")
    if len(html) > MAX_PAGE_BYTES:
        raise NotHtml(f"page too large ({len(html)} bytes, cap {MAX_PAGE_BYTES})")
    head = html[:16].lstrip()
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            raise NotHtml(f"not HTML: {kind} bytes")
    content_type = _header(headers, "content-type").split(";")[0].strip().lower()
    if content_type not in _HTML_TYPES:
        raise NotHtml(f"not HTML: Content-Type {content_type}")


def decode(html: bytes, headers: dict[str, str]) -> str:
    """Text of the page in its declared charset (header, then meta), else UTF-8; NotHtml when it is not text."""
    if b"\x00" in html[:4096]:
        raise NotHtml("undecodable bytes (NUL bytes: binary data)")
    for charset in _declared_charsets(html, headers):
        try:
            return html.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    text = html.decode("utf-8", errors="replace")
    if text.count("\ufffd") > _MAX_REPLACEMENT_SHARE * len(text):
        raise NotHtml("undecodable bytes (not valid in the declared charset or UTF-8)")
    return text


def _declared_charsets(html: bytes, headers: dict[str, str]) -> list[str]:
    found = [m.group(1).decode("ascii") for m in _CHARSET.finditer(_header(headers, "content-type").encode())]
    found += [m.group(1).decode("ascii", "replace") for m in _CHARSET.finditer(html[:2048])]
    return [*found, "utf-8"]


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")
