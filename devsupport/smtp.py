"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it receives, parsed.

Faults for tests: `delay` seconds before answering each DATA (a slow server), `refuse` addresses answered with
550 at RCPT TO (a permanent refusal), `on_data` called for each message before it is accepted (if it returns a
reply such as "421 ...", the message is answered with that instead)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self, server: SmtpServer) -> None:
        self.inbox, self.lock, self.server = server.messages, server._lock, server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        with self.lock:
            self.server.rcpt_attempts.append(address)
        if address in self.server.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        if self.server.on_data and (reply := await asyncio.to_thread(self.server.on_data)):
            return reply
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.inbox.append(message)  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(
        self,
        port: int = 0,
        *,
        delay: float = 0.0,
        refuse: frozenset[str] = frozenset(),
        on_data: Callable[[], str | None] | None = None,
    ) -> None:
        self.messages: list[EmailMessage] = []
        self.rcpt_attempts: list[str] = []
        self.delay, self.refuse, self.on_data = delay, refuse, on_data
        self._lock = threading.Lock()
        self.port = port or free_port()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        self._controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening (the same port is reused by start(), so "SMTP down" can be simulated)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self._lock:
            return list(self.messages)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
