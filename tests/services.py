"""Real services for tests: an SMTP server on loopback (aiosmtpd) and fresh
databases on this machine's PostgreSQL."""

from __future__ import annotations

import asyncio
import email
import os
import socket
import subprocess
import threading
import uuid
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
MAIL_FROM = "Lịch kỷ niệm <lich@toasoan.example>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """Accepts mail and keeps it; can refuse the next N messages (4xx), reject
    them for good (5xx), keep them but drop the connection before replying, or
    go slowly."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = 0
        self.reject = 0
        self.drop_after_data = 0
        self.delay = 0.0
        self.lock = threading.Lock()
        self.received = threading.Condition(self.lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Mailbox busy, try again later"
            if self.reject > 0:
                self.reject -= 1
                return "550 5.1.1 No such mailbox here"
            drop = self.drop_after_data > 0
            if drop:
                self.drop_after_data -= 1
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=default)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.received.notify_all()
        if drop:  # stored, but the reply never reaches the client
            server.transport.close()
        return "250 2.0.0 OK"

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        with self.lock:
            return self.received.wait_for(lambda: len(self.messages) >= count, timeout)


class Authenticator:
    def __init__(self, user: str, password: str):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            self.user,
            self.password,
        )
        return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 535 on failure


class SmtpServer:
    def __init__(self, controller: Controller, recorder: Recorder, port: int):
        self.controller, self.recorder, self.port = controller, recorder, port

    @property
    def messages(self):
        return self.recorder.messages

    def env(self, security: str = "none", **extra: str) -> dict[str, str]:
        return {
            "CALENDAR_SMTP_HOST": "127.0.0.1",
            "CALENDAR_SMTP_PORT": str(self.port),
            "CALENDAR_SMTP_SECURITY": security,
            "CALENDAR_MAIL_FROM": MAIL_FROM,  # required with SMTP
            **extra,
        }


def start_smtp(**kwargs) -> SmtpServer:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return SmtpServer(controller, recorder, port)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=5):
            return True
    except psycopg.OperationalError:
        return False


def create_database() -> tuple[str, str]:
    import psycopg

    if not postgres_available():
        message = "PostgreSQL is not running on 127.0.0.1:5432: run ./scripts/test, which starts it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"calendar_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
