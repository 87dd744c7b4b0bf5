"""Rendering and sending alert emails: escaped HTML, safe headers, readable text, real SMTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devsupport.smtp import SmtpServer, free_port
from newsmon.alerts.model import HIGHLIGHT_END, HIGHLIGHT_START, AlertItem, Watch
from newsmon.config import parse_smtp_url
from newsmon.mail.render import render_alert
from newsmon.mail.send import SendError, send_message

ITEM = AlertItem(
    article_id="a1",
    url="https://kompas.example/internasional/serangan?x=1&y=2",
    title="Serangan di <script>alert(1)</script> Kharkiv",
    source="kompas",
    outlets=["kompas", "detik"],
    published_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
    language="id",
    snippet=f"Pasukan Rusia {HIGHLIGHT_START}menyerang{HIGHLIGHT_END} <b>kota</b> Kharkiv",
)


def _watch(name: str = "Perang Ukraina") -> Watch:
    return Watch(name=name, query="serangan kharkiv", emails=["redaksi@example.test"], tz="Asia/Jakarta")


def _parts(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_html_escapes_article_content_and_highlights_matches() -> None:
    text, html = _parts(render_alert(_watch(), [ITEM], "redaksi@example.test", "newsmon <alerts@newsmon.test>"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;kota&lt;/b&gt;" in html
    assert "<mark>menyerang</mark>" in html
    assert 'href="https://kompas.example/internasional/serangan?x=1&amp;y=2"' in html
    assert "*menyerang*" in text and "Serangan di <script>alert(1)</script> Kharkiv" in text


def test_email_shows_outlets_local_time_language_and_how_to_pause() -> None:
    message = render_alert(_watch(), [ITEM], "redaksi@example.test", "newsmon <alerts@newsmon.test>")
    text, html = _parts(message)
    assert message["Subject"] == "[newsmon] Perang Ukraina: 1 new article"
    assert "kompas, detik" in text and "kompas, detik" in html
    assert "02 Mar 2026 08:30 WIB" in text  # 01:30 UTC in Asia/Jakarta
    assert "language: id" in text
    assert "newsmon watch pause 'Perang Ukraina'" in text
    assert message["List-Unsubscribe"].startswith("<mailto:alerts@newsmon.test?subject=pause%20Perang")


def test_watch_name_with_crlf_cannot_add_a_header(smtp_server: SmtpServer) -> None:
    watch = _watch("Ukraina\r\nBcc: victim@example.test\r\nX-Evil: 1")
    message = render_alert(watch, [ITEM], "redaksi@example.test", "newsmon <alerts@newsmon.test>")
    send_message(parse_smtp_url(smtp_server.url), message)
    received = smtp_server.wait_for(1)[0]
    assert received["Bcc"] is None and received["X-Evil"] is None
    assert received["X-Envelope-To"] == "redaksi@example.test"
    assert received["Subject"] == "[newsmon] Ukraina Bcc: victim@example.test X-Evil: 1: 1 new article"


def test_send_gives_up_with_a_clear_error_when_smtp_is_down() -> None:
    target = parse_smtp_url(f"smtp://user:s3cret-pw@127.0.0.1:{free_port()}")
    with pytest.raises(SendError) as failure:
        send_message(target, render_alert(_watch(), [ITEM], "a@example.test", "n <n@example.test>"), backoff=0.01)
    assert "Connection refused" in str(failure.value) and "s3cret-pw" not in str(failure.value)
