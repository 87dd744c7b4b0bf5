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


class RefusedError(SendError):
    """The SMTP server refused the message for good (a 5xx answer: unknown recipient, rejected sender or content):
    sending it again would only be refused again."""


def _permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def _reason(error: Exception) -> str:
    """The server's answer as it said it ("550 5.1.1 ... User unknown"), else the error's class and text."""
    answers: list[tuple[int, bytes | str]]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = list(error.recipients.values())
    elif isinstance(error, smtplib.SMTPResponseException):
        answers = [(error.smtp_code, error.smtp_error)]
    else:
        return f"{error.__class__.__name__}: {error}"
    return "; ".join(f"{code} {_text(text)}" for code, text in answers)


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else answer


def send_message(
    target: SmtpTarget, message: EmailMessage, *, timeout: float = 30.0, attempts: int = 3, backoff: float = 1.0
) -> None:
    """Hand `message` to the SMTP server; returns only once the server accepted it for every recipient. Raises
    RefusedError at once on a permanent refusal, SendError when every attempt failed otherwise."""
    for attempt in range(1, attempts + 1):
        try:
            _send_once(target, message, timeout)
            return
        except (smtplib.SMTPException, OSError) as error:
            # SmtpTarget's repr leaves the password out; the error text from smtplib never contains it.
            reason = _reason(error)
            log.warning("smtp %r: attempt %d/%d failed: %s", target, attempt, attempts, reason)
            if _permanent(error):
                raise RefusedError(reason) from None
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
