"""E-mail: SMTP settings, building a message (pure), and delivering it (the SMTP I/O).

`build_message(mail)` turns a `Mail` (addresses, subject, the text and HTML bodies, inline
images, attachments) into a standard-library `EmailMessage`: multipart/mixed holding a
multipart/alternative (plain text, then HTML with its images as multipart/related), then the
attachments. Headers that are not ASCII (a Vietnamese subject) are RFC 2047 encoded by the
library, so they read right in any client. Nothing here builds MIME by hand.

`Mailer` holds one SMTP connection (smtplib; STARTTLS, implicit TLS or plain) and delivers
messages one by one, retrying temporary failures (connection refused, time-outs, 4xx replies)
with exponential back-off. It tells apart what certainly did not go (retry, or report), what
went to some recipients only (a 5xx for one address), and what may have gone (the connection
dropped after the message was handed over): that last one is never retried automatically,
so no message is sent twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import ipaddress
import logging
import os
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from pathlib import Path

from ptdv.base import paths
from ptdv.base.errors import ConfigError, SendError

log = logging.getLogger(__name__)

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
DEFAULT_MAX_MB = 10.0

#: Environment variables read by SmtpSettings (also accepted as KEY=VALUE lines in a file).
ENV_KEYS = (
    "PTDV_SMTP_HOST",
    "PTDV_SMTP_PORT",
    "PTDV_SMTP_SECURITY",
    "PTDV_SMTP_USER",
    "PTDV_SMTP_PASSWORD",
    "PTDV_SMTP_CA_FILE",
    "PTDV_SMTP_TIMEOUT",
    "PTDV_SMTP_RETRIES",
    "PTDV_SMTP_RETRY_DELAY",
    "PTDV_MAIL_FROM",
    "PTDV_MAIL_MAX_MB",
)


#: Secrets taken out of the process environment by `hide_secrets`.
SECRET_KEYS = ("PTDV_SMTP_PASSWORD",)
_HIDDEN: dict[str, str] = {}


def hide_secrets(environ: os._Environ | dict[str, str] | None = None) -> None:
    """Move the SMTP password out of the environment, where only SmtpSettings.load finds it.

    The report notebooks run in Jupyter kernels and worker processes that inherit the
    environment: without this, a cell that prints `os.environ` (an analyst's debugging)
    would write the password into a notebook, a report or a log.
    """
    environ = os.environ if environ is None else environ
    for key in SECRET_KEYS:
        if key in environ:
            _HIDDEN[key] = environ.pop(key)


def restore_secrets(environ: os._Environ | dict[str, str] | None = None) -> None:
    """Put what `hide_secrets` took back into the environment (a command's end)."""
    environ = os.environ if environ is None else environ
    environ.update(_HIDDEN)
    _HIDDEN.clear()


# --- settings -----------------------------------------------------------------------------


def read_settings_file(path: str | Path) -> dict[str, str]:
    """Return the KEY=VALUE lines of a settings file (the format systemd's EnvironmentFile reads).

    The file holds the SMTP password, so it must live outside the project's checkout.
    """
    path = Path(path).expanduser().resolve()
    if path.is_relative_to(paths.root()):
        raise ConfigError(
            f"{path}: the settings file holds the SMTP password; keep it outside the project "
            f"folder {paths.root()} (e.g. ~/.config/ptdv/smtp.env, mode 600)"
        )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the settings file: {err.strerror}") from None
    out: dict[str, str] = {}
    for n, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, sep, value = text.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in ENV_KEYS:
            known = ", ".join(ENV_KEYS)
            raise ConfigError(f"{path}: line {n}: expected KEY=VALUE with KEY one of {known}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key] = value
    return out


def _number(env: Mapping[str, str], key: str, default: float, kind: type = float) -> float:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{key}={raw!r}: expected {what}") from None
    if value < 0:
        raise ConfigError(f"{key}={raw!r}: expected a number of at least 0")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server, and the sender's address. The password is never shown."""

    mail_from: str
    host: str | None = None
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    timeout: float = 30.0
    retries: int = 3
    retry_delay: float = 2.0
    max_bytes: int = int(DEFAULT_MAX_MB * 1024 * 1024)

    @classmethod
    def load(
        cls,
        env: Mapping[str, str] | None = None,
        settings_file: str | Path | None = None,
        *,
        need_server: bool = True,
    ) -> SmtpSettings:
        """Return the settings from the environment, over those of `settings_file` if given.

        `settings_file` defaults to $PTDV_SETTINGS. `need_server=False` (a dry run) asks only
        for the sender's address.
        """
        from ptdv.share.recipients import check_address

        env = {**_HIDDEN, **os.environ} if env is None else dict(env)
        settings_file = settings_file or env.get("PTDV_SETTINGS")
        merged = {**(read_settings_file(settings_file) if settings_file else {}), **env}
        merged = {k: v for k, v in merged.items() if k in ENV_KEYS}
        sender = merged.get("PTDV_MAIL_FROM", "").strip()
        if not sender:
            raise ConfigError("PTDV_MAIL_FROM is not set: the sender's address is needed")
        try:
            sender = check_address(sender)
        except ValueError as err:
            raise ConfigError(f"PTDV_MAIL_FROM: {err}") from None
        security = merged.get("PTDV_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
        if security not in SECURITY:
            raise ConfigError(
                f"PTDV_SMTP_SECURITY={security!r}: expected one of {', '.join(SECURITY)}"
            )
        host = merged.get("PTDV_SMTP_HOST", "").strip() or None
        if need_server and not host:
            raise ConfigError("PTDV_SMTP_HOST is not set: the mail server to send through")
        port = int(_number(merged, "PTDV_SMTP_PORT", DEFAULT_PORTS[security], int))
        if not 0 < port < 65536:
            raise ConfigError(f"PTDV_SMTP_PORT={port}: expected a port from 1 to 65535")
        user = merged.get("PTDV_SMTP_USER", "").strip() or None
        password = merged.get("PTDV_SMTP_PASSWORD") or None
        if (user is None) != (password is None):
            raise ConfigError(
                "PTDV_SMTP_USER and PTDV_SMTP_PASSWORD go together: set both or neither"
            )
        if password and security == "none" and host and not _is_loopback(host):
            raise ConfigError(
                f"PTDV_SMTP_SECURITY=none would send the password unencrypted to {host}; "
                "use starttls or tls"
            )
        ca_file = merged.get("PTDV_SMTP_CA_FILE", "").strip() or None
        if ca_file and not Path(ca_file).is_file():
            raise ConfigError(f"PTDV_SMTP_CA_FILE={ca_file}: no such file")
        max_mb = _number(merged, "PTDV_MAIL_MAX_MB", DEFAULT_MAX_MB)
        return cls(
            mail_from=sender,
            host=host,
            port=port,
            security=security,
            user=user,
            password=password,
            ca_file=ca_file,
            timeout=_number(merged, "PTDV_SMTP_TIMEOUT", 30.0) or 30.0,
            retries=int(_number(merged, "PTDV_SMTP_RETRIES", 3, int)),
            retry_delay=_number(merged, "PTDV_SMTP_RETRY_DELAY", 2.0),
            max_bytes=int(max_mb * 1024 * 1024),
        )

    def describe(self) -> str:
        """Return where messages go, for the log (no password)."""
        who = f"{self.user}@" if self.user else ""
        return f"smtp {self.security} {who}{self.host}:{self.port} from {self.mail_from}"


# --- messages (pure) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    data: bytes = field(repr=False)
    maintype: str = "application"
    subtype: str = "octet-stream"

    @property
    def sha256(self) -> str:
        """Return the SHA-256 of the file's bytes."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML body shows as <img src="cid:...">."""

    cid: str  # without the angle brackets
    data: bytes = field(repr=False)
    subtype: str = "png"


@dataclass(frozen=True)
class Mail:
    """Everything one message says and carries."""

    sender: str
    to: list[str]
    subject: str
    text: str
    html: str
    message_id: str
    date: dt.datetime
    cc: list[str] = field(default_factory=list)
    images: list[InlineImage] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


class _MailPolicy(EmailPolicy):
    """policy.SMTP, but a non-ASCII Subject is folded by the library's RFC 2047 Header encoder.

    The default folder (CPython 3.11) may fold a Vietnamese subject at a space *between* two
    encoded words, and decoders drop such a space ("6 tháng đầunăm 2026"); the Header encoder
    keeps every space inside the encoded words.
    """

    def fold(self, name: str, value: str) -> str:
        if name.lower() == "subject" and not str(value).isascii():
            header = Header(str(value), "utf-8", self.max_line_length, header_name=name)
            return f"{name}: {header.encode(linesep=self.linesep)}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() == "subject" and not str(value).isascii():
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy(linesep="\r\n")


def new_message_id(sender: str) -> str:
    """Return a new globally unique Message-ID on the sender's domain."""
    return make_msgid(domain=sender.rpartition("@")[2] or None)


def build_message(mail: Mail) -> EmailMessage:
    """Return the message for `mail`: text and HTML alternatives, inline images, attachments."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = mail.sender
    msg["To"] = ", ".join(mail.to)
    if mail.cc:
        msg["Cc"] = ", ".join(mail.cc)
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.date)
    msg["Message-ID"] = mail.message_id
    for name, value in mail.headers.items():
        msg[name] = value
    msg.set_content(mail.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(mail.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if mail.images:
        html_part = msg.get_payload()[-1]
        for img in mail.images:
            html_part.add_related(
                img.data, "image", img.subtype, cid=f"<{img.cid}>", disposition="inline"
            )
    for att in mail.attachments:
        msg.add_attachment(att.data, att.maintype, att.subtype, filename=att.filename)
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """Return the message as sent on the wire (CRLF line ends); its length is its size."""
    buf = io.BytesIO()
    BytesGenerator(buf, policy=msg.policy.clone(linesep="\r\n", utf8=False)).flatten(msg)
    return buf.getvalue()


def recipients_of(msg: EmailMessage) -> list[str]:
    """Return the envelope recipients of a message (To, then Cc)."""
    from email.utils import getaddresses

    return [a for _n, a in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))]


# --- delivery (I/O) -------------------------------------------------------------------------


class TemporaryFailure(SendError):
    """The server could not take the message now (refused, timed out, 4xx): not sent."""


class PermanentFailure(SendError):
    """The server refused the message for good (5xx): not sent."""


class UncertainDelivery(SendError):
    """The connection failed after the message was handed over: it may have been delivered."""


class ServerUnreachable(SendError):
    """The server could not be reached after every retry: nothing more is attempted."""


@dataclass
class Delivery:
    """What the server said about one delivered message."""

    reply: str
    accepted: list[str]
    refused: dict[str, str]  # address -> "550 ..." (refused for good)
    deferred: dict[str, str]  # address -> "450 ..." (refused for now; not delivered)
    attempts: int


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


class Mailer:
    """One SMTP session that delivers messages, retrying what may be retried."""

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        say: Callable[[str], None] = print,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._say = say
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Say goodbye to the server (or just drop a broken connection)."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if self._smtp is not None:
            return self._smtp
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise ConfigError(
                        f"{s.host}:{s.port} does not offer STARTTLS; set PTDV_SMTP_SECURITY "
                        "to tls (port 465) or, for a relay on this machine only, none"
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if s.user:
                try:
                    smtp.login(s.user, s.password or "")
                except smtplib.SMTPAuthenticationError as err:
                    raise ConfigError(
                        f"{s.host}:{s.port} refused the login of PTDV_SMTP_USER={s.user}: "
                        f"{_reply(err.smtp_code, err.smtp_error)}"
                    ) from None
                except smtplib.SMTPNotSupportedError:
                    raise ConfigError(
                        f"{s.host}:{s.port} offers no login (AUTH) on this connection; "
                        "check PTDV_SMTP_SECURITY"
                    ) from None
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _once(self, msg: EmailMessage, data: bytes, rcpts: list[str]) -> Delivery:
        """Deliver once; raise TemporaryFailure, PermanentFailure or UncertainDelivery."""
        try:
            smtp = self._connect()
        except ssl.SSLCertVerificationError as err:
            raise ConfigError(
                f"the certificate of {self.settings.host} is not trusted ({err.verify_message}); "
                "if the server uses a private certificate authority, set PTDV_SMTP_CA_FILE"
            ) from None
        except ssl.SSLError as err:
            raise TemporaryFailure(f"TLS with {self.settings.host} failed: {err}") from None
        except smtplib.SMTPResponseException as err:
            cls = TemporaryFailure if 400 <= err.smtp_code < 500 else PermanentFailure
            raise cls(f"server said {_reply(err.smtp_code, err.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as err:
            raise TemporaryFailure(_describe_os_error(err, self.settings)) from None
        try:
            code, text = smtp.mail(self.settings.mail_from)
            if code != 250:
                smtp.rset()
                cls = TemporaryFailure if 400 <= code < 500 else PermanentFailure
                raise cls(f"MAIL FROM refused: {_reply(code, text)}")
            accepted, refused, deferred = [], {}, {}
            for rcpt in rcpts:
                code, text = smtp.rcpt(rcpt)
                if code in (250, 251):
                    accepted.append(rcpt)
                elif 400 <= code < 500:
                    deferred[rcpt] = _reply(code, text)
                else:
                    refused[rcpt] = _reply(code, text)
            if not accepted:
                smtp.rset()
                why = "; ".join(f"{a}: {r}" for a, r in {**refused, **deferred}.items())
                cls = TemporaryFailure if deferred else PermanentFailure
                raise cls(f"every recipient refused: {why}")
        except (OSError, smtplib.SMTPServerDisconnected) as err:
            self._drop()
            raise TemporaryFailure(f"connection lost before the message was sent: {err}") from None
        try:
            code, text = smtp.data(data)
        except smtplib.SMTPDataError as err:
            cls = TemporaryFailure if 400 <= err.smtp_code < 500 else PermanentFailure
            raise cls(f"message refused: {_reply(err.smtp_code, err.smtp_error)}") from None
        except (OSError, smtplib.SMTPServerDisconnected) as err:
            self._drop()
            raise UncertainDelivery(
                f"the connection failed after the message was handed over ({err}): it may or "
                "may not have been delivered"
            ) from None
        return Delivery(_reply(code, text), accepted, refused, deferred, 1)

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def send(self, msg: EmailMessage) -> Delivery:
        """Deliver one message, retrying temporary failures with back-off.

        Raises PermanentFailure (this message only), ServerUnreachable (after the retries,
        when the server cannot be reached at all), TemporaryFailure (after the retries) or
        UncertainDelivery (never retried).
        """
        data = message_bytes(msg)
        rcpts = recipients_of(msg)
        attempts = 1 + max(0, self.settings.retries)
        for attempt in range(1, attempts + 1):
            try:
                delivery = self._once(msg, data, rcpts)
                delivery.attempts = attempt
                return delivery
            except TemporaryFailure as err:
                self._drop()
                if attempt == attempts:
                    unreachable = str(err).startswith("cannot reach")  # never connected
                    cls = ServerUnreachable if unreachable else TemporaryFailure
                    raise cls(f"{err} (after {attempts} attempts)") from None
                delay = min(self.settings.retry_delay * 2 ** (attempt - 1), 300.0)
                self._say(f"    {err}; attempt {attempt + 1} of {attempts} in {delay:g} s")
                log.warning("temporary failure: %s; retrying in %g s", err, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def _describe_os_error(err: BaseException, s: SmtpSettings) -> str:
    where = f"{s.host}:{s.port}"
    if isinstance(err, ConnectionRefusedError):
        return f"cannot reach {where}: connection refused"
    if isinstance(err, socket.timeout | TimeoutError):
        return f"cannot reach {where}: no answer within {s.timeout:g} s"
    if isinstance(err, socket.gaierror):
        return f"cannot reach {where}: unknown host ({err.strerror})"
    if isinstance(err, smtplib.SMTPServerDisconnected):
        return f"cannot reach {where}: the server closed the connection"
    return f"cannot reach {where}: {err}"
