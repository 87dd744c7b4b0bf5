"""Sending mail over SMTP (plain, STARTTLS or SSL, with optional login), with timeouts and retries with backoff."""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from email.message import EmailMessage

from newsmon.config import SmtpTarget

log = logging.getLogger(__name__)


class SendError(Exception):
    """The SMTP server did not accept the message after every attempt; the message says why (no secrets)."""


def send_message(
    target: SmtpTarget, message: EmailMessage, *, timeout: float = 30.0, attempts: int = 3, backoff: float = 1.0
) -> None:
    """Hand `message` to the SMTP server; returns only once the server accepted it for every recipient."""
    for attempt in range(1, attempts + 1):
        try:
            _send_once(target, message, timeout)
            return
        except (smtplib.SMTPException, OSError) as error:
            # SmtpTarget's repr leaves the password out; the error text from smtplib never contains it.
            reason = f"{error.__class__.__name__}: {error}"
            log.warning("smtp %r: attempt %d/%d failed: %s", target, attempt, attempts, reason)
            if attempt == attempts or isinstance(error, smtplib.SMTPAuthenticationError):
                raise SendError(reason) from None
            time.sleep(backoff * 2 ** (attempt - 1))


def _send_once(target: SmtpTarget, message: EmailMessage, timeout: float) -> None:
    context = ssl.create_default_context()
    if target.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        if target.security == "starttls":
            client.starttls(context=context)
        if target.username and target.password:
            client.login(target.username, target.password)
        refused = client.send_message(message)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
