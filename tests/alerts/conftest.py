"""Real alerts and digests of the real registry, as the outbox holds them, for
the tests that read them as a person does (text, headers, HTML in a browser)."""

from __future__ import annotations

import datetime as dt
import email
from email.message import EmailMessage
from email.policy import default

import pytest

from calendar_service.alerts.delivery import Outbox
from calendar_service.alerts.ledger import Ledger
from calendar_service.alerts.run import run_alerts, run_digest
from calendar_service.alerts.subscribers import Subscriber

EDITOR = Subscriber("editor@example.org", "Ban Biên tập", unsubscribe="https://example.org/unsubscribe?u=1")
DESK = Subscriber(
    "desk@example.org",
    "External Affairs Desk",
    language="en",
    categories=frozenset({"diplomatic", "historical"}),
    unsubscribe="mailto:unsubscribe-desk@example.org",
)


# The key that signs the unsubscribe links of these messages, for the web app that opens them.
SECRET = {"CALENDAR_SECRET_KEY": "a-test-key-of-more-than-16-characters"}


class Mails:
    """The messages of each run, by run name: the subject and the text a reader sees."""

    def __init__(self, runs: dict[str, list[EmailMessage]]):
        self.runs = runs

    def one(self, run: str, to: str, subject: str) -> EmailMessage:
        (found,) = [m for m in self.runs[run] if to in m["To"] and subject in m["Subject"]]
        return found

    def all(self) -> list[tuple[str, EmailMessage]]:
        return [(run, m) for run, messages in self.runs.items() for m in messages]


def _outbox(folder) -> list[EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=default) for p in sorted(folder.glob("*.eml"))]


@pytest.fixture(scope="session")
def mails(real_registry, settings, tmp_path_factory) -> Mails:
    """Alerts 30 days, 1 day and 0 days before Điện Biên Phủ, a late one (Brazil,
    after a missed day) and the digest of 8 April 2024, in Vietnamese and English."""
    config = settings(environ={"CALENDAR_MAIL_FROM": "Lịch kỷ niệm <lich@toasoan.example>", **SECRET})
    runs = {}
    plan = {
        "alert-30": [dt.date(2024, 4, 7)],
        "alert-1": [dt.date(2024, 5, 6)],
        "alert-0": [dt.date(2024, 5, 7)],
        "alert-late": [dt.date(2024, 4, 7), dt.date(2024, 4, 9)],
    }
    for name, days in plan.items():
        folder = tmp_path_factory.mktemp(name)
        ledger = Ledger(f"sqlite:///{folder / 'ledger.sqlite3'}")
        for number, today in enumerate(days):
            outbox = folder / f"outbox-{number}"
            now = dt.datetime.combine(today, dt.time(0, 5), dt.UTC)
            run_alerts(real_registry, [EDITOR, DESK], config, ledger, Outbox(outbox), today, now)
        runs[name] = _outbox(outbox)
        ledger.dispose()
    folder = tmp_path_factory.mktemp("digest")
    ledger = Ledger(f"sqlite:///{folder / 'ledger.sqlite3'}")
    today = dt.date(2024, 4, 8)
    now = dt.datetime(2024, 4, 8, 0, 5, tzinfo=dt.UTC)
    run_digest(real_registry, [EDITOR, DESK], config, ledger, Outbox(folder / "outbox"), today, now)
    runs["digest"] = _outbox(folder / "outbox")
    ledger.dispose()
    return Mails(runs)
