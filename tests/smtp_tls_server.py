"""A real SMTP server with TLS for the delivery tests, run as its own process
(asyncio's server-side SSL transports warn at garbage collection, which the
test process treats as errors). Messages are saved as .eml files.

Usage: python smtp_tls_server.py MODE CERT KEY OUTDIR [USER PASSWORD]
MODE is starttls (STARTTLS required, and AUTH when a user is given) or ssl.
Prints "ready PORT" when it accepts connections; stops on SIGTERM."""

import signal
import ssl  # noqa: E402
import sys
import threading
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller  # noqa: E402
from services import Authenticator, free_port  # noqa: E402


class Saver:
    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        (self.folder / f"{uuid.uuid4().hex}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 2.0.0 OK"


def main() -> None:
    mode, cert, key, out, *credentials = sys.argv[1:]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    port = free_port()
    options = (
        {"ssl_context": context} if mode == "ssl" else {"tls_context": context, "require_starttls": True}
    )
    if credentials:
        options.update(authenticator=Authenticator(*credentials), auth_required=True)
    controller = Controller(Saver(Path(out)), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print(f"ready {port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
