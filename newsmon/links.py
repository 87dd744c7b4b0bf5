"""Links from alert emails to the web page, and the signed per-watch token of the one-click pause link.

The signing key is NEWSMON_SECRET_KEY, or else a random key kept in the data directory (created on first use, mode
0600), so a pause link keeps working across restarts and the page's login cookies survive them too.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer

from newsmon.alerts.model import watch_id
from newsmon.config import Settings

_PAUSE = "newsmon.pause"


def secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key.get_secret_value()
    path = settings.data_dir / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as key_file:
                key_file.write(secrets.token_urlsafe(32))
        except FileExistsError:
            pass  # another process wrote it first: use theirs
    return path.read_text().strip()


def pause_token(key: str, watch_name: str) -> str:
    """A token that authorises pausing this one watch (and nothing else), with no login."""
    return URLSafeSerializer(key, salt=_PAUSE).dumps(watch_id(watch_name))


def paused_watch_id(key: str, token: str) -> str | None:
    """The watch id a pause token was made for, or None for a forged or mangled token."""
    try:
        value = URLSafeSerializer(key, salt=_PAUSE).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class PageLinks:
    """Addresses on the web page at NEWSMON_PUBLIC_URL, for the alert emails."""

    base: str
    key: str

    def article(self, article_id: str) -> str:
        return f"{self.base}/articles/{quote(article_id, safe='')}"

    def watch(self, name: str) -> str:
        return f"{self.base}/watches/{quote(name, safe='')}"

    def pause(self, name: str) -> str:
        return f"{self.base}/pause/{pause_token(self.key, name)}"


def page_links(settings: Settings) -> PageLinks | None:
    """The links to put in alert emails, or None when NEWSMON_PUBLIC_URL is not set."""
    return PageLinks(settings.public_url.rstrip("/"), secret_key(settings)) if settings.public_url else None
