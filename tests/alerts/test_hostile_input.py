"""Hostile input to the alerts stage: structured nonsense as the subscribers
file, and registry text built to inject mail headers."""

from __future__ import annotations

import datetime as dt
import email
import re
from email.policy import default

import yaml
from hostile import FUZZ, documents, scalars
from hypothesis import given
from hypothesis import strategies as st

from calendar_service.alerts.subscribers import load_subscribers
from calendar_service.errors import SubscribersError
from calendar_service.registry.checks import load_registry


@FUZZ
@given(
    st.one_of(
        documents,
        st.lists(
            st.dictionaries(
                st.sampled_from(
                    [
                        "email",
                        "name",
                        "language",
                        "categories",
                        "countries",
                        "milestones",
                        "lead_times",
                        "digest",
                        "unsubscribe",
                    ]
                ),
                scalars | st.lists(scalars, max_size=3),
                max_size=5,
            ),
            max_size=3,
        ).map(lambda items: {"subscribers": items}),
    )
)
def test_structured_nonsense_as_subscribers(settings, tmp_path, document):
    path = tmp_path / "subscribers.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        subscribers = load_subscribers(path, settings())
    except SubscribersError as error:
        assert all(p.render("en").startswith(str(path)) for p in error.problems)
    else:
        assert all("@" in s.email for s in subscribers)


def test_nasty_text_is_escaped_in_mail_headers(nasty, settings, tmp_path):
    from calendar_service.alerts.delivery import Outbox
    from calendar_service.alerts.ledger import Ledger
    from calendar_service.alerts.run import run_alerts
    from calendar_service.alerts.subscribers import Subscriber
    from calendar_service.model import LeadTimes

    subscriber = Subscriber("a@example.org", 'Tên <x@y>, "quoted"', lead_times=LeadTimes((7,), (7,), (7,)))
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    run_alerts(
        load_registry(nasty),
        [subscriber],
        settings(),
        ledger,
        Outbox(tmp_path / "out"),
        dt.date(2024, 4, 30),
        dt.datetime(2024, 4, 30, tzinfo=dt.UTC),
    )
    ledger.dispose()
    (path,) = (tmp_path / "out").glob("*.eml")
    raw = path.read_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    names = [line.split(b":", 1)[0] for line in re.split(rb"\r?\n", head) if line and not line[:1].isspace()]
    assert b"Bcc" not in names and b"X-Injected" not in names
    assert max(len(line) for line in re.split(rb"\r?\n", head)) <= 998
    message = email.message_from_bytes(raw, policy=default)
    assert message["Subject"].startswith("[Còn 7 ngày] Kỷ niệm 70 năm <script>alert('x')</script>")
    assert message["To"].addresses[0].addr_spec == "a@example.org"
    html = message.get_body(("html",)).get_content()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
