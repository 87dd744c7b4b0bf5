"""Alert emails: multipart text + HTML from Jinja2 templates, with headers that article content cannot forge."""

from __future__ import annotations

import re
import shlex
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from newsmon.alerts.model import HIGHLIGHT_END, HIGHLIGHT_START, AlertItem, Watch
from newsmon.links import PageLinks

_ENV = Environment(
    loader=PackageLoader("newsmon.mail", "templates"),
    autoescape=lambda name: bool(name and name.endswith(".html.j2")),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def one_line(text: str) -> str:
    """A header value with every control character (CR, LF, TAB...) turned into a space: it cannot start a header."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _text_snippet(snippet: str) -> str:
    return snippet.replace(HIGHLIGHT_START, "*").replace(HIGHLIGHT_END, "*")


def html_snippet(snippet: str) -> Markup:
    """A stored snippet as safe HTML: the text escaped, the highlighted terms in <mark>."""
    # Escape first, then turn the markers (which escaping leaves alone) into <mark>.
    escaped = str(escape(snippet))
    return Markup(escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>"))


def _local_time(value: datetime | None, tz: str) -> str:
    if value is None:
        return "date unknown"
    return value.astimezone(ZoneInfo(tz)).strftime("%d %b %Y %H:%M %Z")


_ENV.filters.update(text_snippet=_text_snippet, html_snippet=html_snippet)


def subject(watch: Watch, count: int) -> str:
    noun = "article" if count == 1 else "articles"
    return one_line(f"[newsmon] {watch.name}: {count} new {noun}")


def render_alert(
    watch: Watch,
    items: list[AlertItem],
    recipient: str,
    sender: str,
    message_id: str | None = None,
    links: PageLinks | None = None,
) -> EmailMessage:
    """One email to one recipient listing `items` (one for an immediate alert, several for a digest).

    With `links` (NEWSMON_PUBLIC_URL set), each story links to its article page, the watch to its page, and the
    one-click pause of RFC 8058 goes in List-Unsubscribe; without, the footer names the CLI command."""
    context = {
        "watch": watch,
        "items": [
            {
                "item": item,
                "published": _local_time(item.published_at, watch.tz),
                "outlets": ", ".join(item.outlets),
                "page": links.article(item.article_id) if links else None,
            }
            for item in items
        ],
        "pause_command": f"newsmon watch pause {shlex.quote(watch.name)}",
        "watch_page": links.watch(watch.name) if links else None,
        "pause_page": links.pause(watch.name) if links else None,
    }
    message = EmailMessage()
    message["Subject"] = subject(watch, len(items))
    message["From"] = one_line(sender)
    message["To"] = one_line(recipient)
    message["Message-ID"] = message_id or make_msgid(domain="newsmon")
    if links:
        message["List-Unsubscribe"] = f"<{context['pause_page']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        mailbox = sender.rsplit("<", 1)[-1].rstrip(">").strip()
        message["List-Unsubscribe"] = f"<mailto:{mailbox}?subject={quote(one_line('pause ' + watch.name))}>"
    message["X-Newsmon-Watch"] = one_line(watch.name)
    message.set_content(_ENV.get_template("alert.txt.j2").render(context))
    message.add_alternative(_ENV.get_template("alert.html.j2").render(context), subtype="html")
    return message
