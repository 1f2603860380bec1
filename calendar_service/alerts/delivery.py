"""Delivery: SMTP (plain, STARTTLS or SSL, with authentication) with retries
and back-off, or, when no SMTP server is configured, ``.eml`` files in a local
outbox folder so the service runs out of the box."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
import time
from collections.abc import Callable
from pathlib import Path

from ..config import Settings
from ..errors import DeliveryError
from ..feeds.publish import atomic_write
from .mail import Outgoing

DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def outbox_path(outbox: Path, outgoing: Outgoing) -> Path:
    stem = hashlib.sha256(outgoing.message_id.encode()).hexdigest()[:24]
    return outbox / f"{stem}.eml"


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

    def send(self, outgoing: Outgoing) -> None:
        try:
            atomic_write(outbox_path(self.folder, outgoing), outgoing.message.as_bytes())
        except OSError as error:
            raise DeliveryError(outgoing.recipient, f"{self.folder}: {error.strerror or error}") from error


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
        if s.smtp_security == "ssl":
            connection = smtplib.SMTP_SSL(s.smtp_host, port, timeout=s.smtp_timeout_seconds, context=context)
        else:
            connection = smtplib.SMTP(s.smtp_host, port, timeout=s.smtp_timeout_seconds)
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

    def send(self, outgoing: Outgoing) -> None:
        last = ""
        for attempt in range(self.retries):
            try:
                if self.connection is None:
                    self.connection = self._connect()
                refused = self.connection.send_message(outgoing.message, to_addrs=[outgoing.recipient])
                if refused:
                    raise smtplib.SMTPRecipientsRefused(refused)
                return
            except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
                last = f"{type(error).__name__}: {error}"
                self._drop()
                if attempt + 1 < self.retries:
                    self.sleep(self.backoff * 2**attempt)
        raise DeliveryError(outgoing.recipient, last)

    def close(self) -> None:
        self._drop()


def transport(settings: Settings, **kwargs) -> Outbox | Smtp:
    if settings.smtp_host:
        return Smtp(settings, **kwargs)
    return Outbox(settings.outbox)
