"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), recording what it receives.

`SmtpServer(refuse={...})` answers 550 to the addresses in `refuse`; it asks for a login
(`USER`/`PASSWORD`) and accepts it without TLS, as a relay on the same machine may. Nothing
leaves the machine: the server listens on 127.0.0.1 only and stops with the test.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "ban-to-chuc"
PASSWORD = "Mat-khau-THU-9f3a71c2"  # the tests grep every output for it


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class _Handler:
    refuse: set[str]
    slow: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    stalled: bool = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.slow & set(envelope.rcpt_tos):  # hold the reply, as a busy server may
            self.stalled = True
            await asyncio.sleep(3)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 2.0.0 Message accepted for delivery"


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


class SmtpServer:
    """Start on enter, stop on exit; `.received` lists the messages, `.env` the settings."""

    def __init__(
        self,
        refuse: set[str] | None = None,
        slow: set[str] | None = None,
        *,
        tls: str = "none",
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        """`tls`: none, starttls (required before login) or tls (implicit, with tls_context)."""
        self.handler = _Handler(set(refuse or ()), set(slow or ()))
        self.port = free_port()
        self.security = tls
        # aiosmtpd counts only STARTTLS as TLS for AUTH; an implicit-TLS socket is encrypted too
        kw: dict = {"auth_require_tls": tls == "starttls"}
        if tls == "starttls":
            kw.update(tls_context=tls_context, require_starttls=True)
        elif tls == "tls":
            kw.update(ssl_context=tls_context)
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=_authenticator,
            **kw,
        )

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def env(self, **extra: str) -> dict[str, str]:
        """Return the PTDV_* settings that reach this server."""
        return {
            "PTDV_SMTP_HOST": "127.0.0.1",
            "PTDV_SMTP_PORT": str(self.port),
            "PTDV_SMTP_SECURITY": self.security,
            "PTDV_SMTP_USER": USER,
            "PTDV_SMTP_PASSWORD": PASSWORD,
            "PTDV_MAIL_FROM": "ban-to-chuc@bac-giang.example.org",
            "PTDV_SMTP_RETRIES": "2",
            "PTDV_SMTP_RETRY_DELAY": "0.05",
            "PTDV_SMTP_TIMEOUT": "10",
            **extra,
        }

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
