"""Checks on the raw bytes before any parsing: size cap, non-HTML payloads, and decoding.

The bytes decide, not the Content-Type: servers send HTML as application/octet-stream or with no type at all.
"""

from __future__ import annotations

import re

from w3lib.encoding import html_to_unicode

MAX_PAGE_BYTES = 3 * 1024 * 1024  # news pages are well under 1 MB; the cap bounds parse time and memory
# A page whose decoded text is more than this share of U+FFFD (or of control characters) is not text.
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
_MARKUP = re.compile(r"<(!doctype\s+html|html|head|body|title|meta|article|main|div|p)[\s>/]", re.IGNORECASE)
_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0E, 0x20)])


class NotHtml(ValueError):
    """The bytes are not an HTML page we can read; the message is the rejection reason."""


def check_payload(html: bytes) -> None:
    """Raise NotHtml when the bytes are empty, too large, or a known binary format (whatever the Content-Type)."""
    if not html.strip():
        raise NotHtml("empty body")
    if len(html) > MAX_PAGE_BYTES:
        raise NotHtml(f"page too large ({len(html)} bytes, cap {MAX_PAGE_BYTES})")
    head = html[:16].lstrip()
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            raise NotHtml(f"not HTML: {kind} bytes")


def decode(html: bytes, headers: dict[str, str]) -> str:
    """Text of the page as a browser reads it (w3lib: BOM, then the header's charset, then <meta charset>, with
    iso-8859-1 read as cp1252), else UTF-8 when valid, else cp1252. NotHtml when it is not HTML text."""
    content_type = _header(headers, "content-type")
    _, text = html_to_unicode(content_type or None, html, auto_detect_fun=_utf8_or_cp1252)
    sample = text[:65536]
    encoded = sample.encode("utf-8", "replace")  # counting bytes with translate is ~20x faster than a regex
    if len(encoded) - len(encoded.translate(None, _CONTROLS)) > _MAX_REPLACEMENT_SHARE * len(sample):
        raise NotHtml("undecodable bytes (control characters: binary data)")
    if text.count("\ufffd") > _MAX_REPLACEMENT_SHARE * len(text):
        raise NotHtml("undecodable bytes (not valid in the declared charset)")
    if not _MARKUP.search(sample):
        raise NotHtml(f"not HTML: no HTML markup (Content-Type {content_type.split(';')[0].strip() or 'none'})")
    return text


def _utf8_or_cp1252(html: bytes) -> str:
    """For pages that declare no charset: UTF-8 when the bytes are valid UTF-8, else the web's usual cp1252."""
    try:
        html.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")
