"""An SMTP server on loopback (aiosmtpd) for the outbox's fault tests: it keeps every message
it accepts, and refuses every recipient with a temporary error (451) while `refusing` is set,
as a mail server in trouble does."""

from __future__ import annotations

import email
import socket
import threading
from contextlib import contextmanager

from django.test import override_settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RefusingSink:
    def __init__(self):
        self.refusing = False
        self.refused = 0
        self.messages: list[email.message.Message] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 — aiosmtpd's hook name
        if self.refusing:
            with self._lock:
                self.refused += 1
            return "451 4.3.0 Service temporarily unavailable, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self._lock:
            return [message["Message-ID"] for message in self.messages]


@contextmanager
def smtp_sink(backend: str = "django.core.mail.backends.smtp.EmailBackend", *, sink=None):
    """A running sink (a `RefusingSink` unless `sink` gives another aiosmtpd handler), and
    Django's settings pointing `backend` at it."""
    from aiosmtpd.controller import Controller

    sink = sink if sink is not None else RefusingSink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND=backend,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=5,
        ):
            yield sink
    finally:
        controller.stop()
