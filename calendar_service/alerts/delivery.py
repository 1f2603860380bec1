"""Delivery: SMTP (plain, STARTTLS or SSL, with authentication) with retries
and back-off, or, when no SMTP server is configured, ``.eml`` files in a local
outbox folder so the service runs out of the box.

What a failure means decides what happens next:
- a temporary failure (a 4xx reply, a connection lost before the message was
  handed over) is retried, here and by later runs;
- a permanent rejection (a 5xx reply) is not retried: DeliveryRejected;
- a connection lost after the whole message was sent and before the server's
  reply (the server may have stored it) is DeliveryUncertain: never resent
  automatically, since resending could deliver it twice.

Every attempt first calls ``keep()``, which renews this run's claim on the
alert in the ledger (and raises ClaimLost if another run took it over), and
is bounded in time as a whole (``ATTEMPT_OPERATIONS`` × the SMTP timeout): a
server that trickles bytes cannot hold an attempt past the claim's lease.
"""

from __future__ import annotations

import hashlib
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..config import ATTEMPT_OPERATIONS, Settings
from ..errors import DeliveryError, DeliveryRejected, DeliveryUncertain
from ..feeds.streams import atomic_write
from .mail import Outgoing

DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def outbox_path(outbox: Path, outgoing: Outgoing) -> Path:
    stem = hashlib.sha256(outgoing.message_id.encode()).hexdigest()[:24]
    return outbox / f"{stem}.eml"


def _no_claim() -> None:
    """``keep`` when nothing is claimed (an operator's resend, tests)."""


class _Transport:
    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        pass


class Outbox(_Transport):
    """Writes each message as an .eml file (atomically; the same Message-ID
    gives the same file name)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, outgoing: Outgoing, keep: Callable[[], None] = _no_claim) -> None:
        keep()
        try:
            atomic_write(outbox_path(self.folder, outgoing), outgoing.message.as_bytes())
        except OSError as error:
            raise DeliveryError(outgoing.recipient, f"{self.folder}: {error.strerror or error}") from error


class _DataTracking:
    """smtplib's DATA step, noting the moment the whole message has been sent:
    a failure after it leaves the outcome unknown."""

    data_sent = False

    def data(self, msg):  # same steps as smtplib.SMTP.data
        self.putcmd("data")  # type: ignore[attr-defined]
        code, reply = self.getreply()  # type: ignore[attr-defined]
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")  # type: ignore[attr-defined]
        payload = smtplib._quote_periods(msg)  # type: ignore[attr-defined]
        if payload[-2:] != smtplib.bCRLF:
            payload += smtplib.bCRLF
        self.send(payload + b"." + smtplib.bCRLF)  # type: ignore[attr-defined]
        self.data_sent = True
        return self.getreply()  # type: ignore[attr-defined]


class _SMTP(_DataTracking, smtplib.SMTP):
    pass


class _SMTP_SSL(_DataTracking, smtplib.SMTP_SSL):
    pass


def _permanent(error: BaseException) -> bool:
    """A 5xx reply to the message itself (sender, recipient or content). A
    refused login is not: it is the server's configuration, fixed once for all."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return 500 <= error.smtp_code < 600
    return False


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
            for address, (code, reply) in error.recipients.items()
        )
    code, reply = getattr(error, "smtp_code", None), getattr(error, "smtp_error", None)
    if isinstance(code, int) and reply is not None:
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{code} {text}"
    return f"{type(error).__name__}: {error}"


class _Deadline:
    """Closes the connection's socket when an attempt runs past its time, so a
    server that answers slowly but steadily cannot stretch it without bound."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.connection: smtplib.SMTP | None = None
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired = True
        sock = getattr(self.connection, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._timer.cancel()


class Smtp(_Transport):
    """One SMTP connection per run, reopened after a failure."""

    def __init__(
        self,
        settings: Settings,
        retries: int = 3,
        backoff: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        port = s.smtp_port or DEFAULT_PORTS[s.smtp_security]
        context = ssl.create_default_context(cafile=str(s.smtp_ca_file) if s.smtp_ca_file else None)
        connection: smtplib.SMTP
        if s.smtp_security == "ssl":
            connection = _SMTP_SSL(s.smtp_host, port, timeout=s.smtp_timeout_seconds, context=context)
        else:
            connection = _SMTP(s.smtp_host, port, timeout=s.smtp_timeout_seconds)
        try:
            if s.smtp_security == "starttls":
                connection.starttls(context=context)
            if s.smtp_user:
                connection.login(s.smtp_user, s.smtp_password or "")
        except BaseException:
            self._close(connection)
            raise
        return connection

    @staticmethod
    def _close(connection: smtplib.SMTP) -> None:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            connection.close()

    def _drop(self) -> None:
        if self.connection is not None:
            self._close(self.connection)
            self.connection = None

    def send(self, outgoing: Outgoing, keep: Callable[[], None] = _no_claim) -> None:
        last = ""
        budget = ATTEMPT_OPERATIONS * self.settings.smtp_timeout_seconds
        for attempt in range(self.retries):
            keep()  # renews the claim, or raises ClaimLost: then nothing is sent
            with _Deadline(budget) as deadline:
                try:
                    if self.connection is None:
                        deadline.connection = self.connection = self._connect()
                    deadline.connection = self.connection
                    self.connection.data_sent = False  # type: ignore[attr-defined]
                    refused = self.connection.send_message(outgoing.message, to_addrs=[outgoing.recipient])
                    if refused:
                        raise smtplib.SMTPRecipientsRefused(refused)
                    return
                except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
                    handed_over = getattr(self.connection, "data_sent", False)
                    last = _describe(error)
                    if deadline.expired:
                        last = f"no answer within {budget:g} s ({last})"
                    self._drop()
                    if _permanent(error):
                        raise DeliveryRejected(outgoing.recipient, last) from error
                    if handed_over and not isinstance(error, smtplib.SMTPResponseException):
                        # The whole message went out and no reply came back.
                        raise DeliveryUncertain(outgoing.recipient, last) from error
            if attempt + 1 < self.retries:
                self.sleep(self.backoff * 2**attempt)
        raise DeliveryError(outgoing.recipient, last)

    def close(self) -> None:
        self._drop()


def transport(settings: Settings, **kwargs) -> Outbox | Smtp:
    if settings.smtp_host:
        return Smtp(settings, **kwargs)
    return Outbox(settings.outbox)
