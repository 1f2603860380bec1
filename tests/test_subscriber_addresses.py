"""Subscribers' addresses and unsubscribe links are checked (email-validator
for addresses) and refused with file:line:column: a NUL in an address, a
non-ASCII part before @ (an invalid To: without SMTPUTF8) and an unsubscribe
value that added a second target to List-Unsubscribe were accepted."""

from __future__ import annotations

import datetime as dt
import email
import textwrap
from email.policy import default

import pytest
from paths import REAL_REGISTRY

from calendar_service.alerts.subscribers import load_subscribers
from calendar_service.config import load_settings
from calendar_service.errors import SubscribersError

SETTINGS = load_settings(environ={})
ASCII = "the part before @ must be ASCII: this service does not send internationalised (SMTPUTF8) mail"
UNSUBSCRIBE = "expected an https:// or mailto: address without spaces, control characters, <, > or commas"


def write(tmp_path, text: str):
    path = tmp_path / "subscribers.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors(path, lang="en") -> list[str]:
    with pytest.raises(SubscribersError) as raised:
        load_subscribers(path, SETTINGS)
    return [found.render(lang) for found in raised.value.problems]


@pytest.mark.parametrize(
    "written, shown",
    [
        ('"a\\0b@example.org"', "a\\x00b@example.org"),
        ('"a@exam\\0ple.org"', "a@exam\\x00ple.org"),
        ('"a@example.org\\r\\nBcc: evil@example.org"', "a@example.org\\r\\nBcc: evil@example.org"),
        ("a..b@example.org", "a..b@example.org"),
        ("a@localhost", "a@localhost"),
        ('"Tên <a@example.org>"', "Tên <a@example.org>"),
    ],
)
def test_address_with_a_nul_was_accepted(tmp_path, written, shown):
    """An address with a NUL (or other text no mail server takes) passed the subscribers' check."""
    path = write(tmp_path, f"subscribers:\n  - email: {written}\n")
    assert errors(path) == [f"{path}:2:12: field 'email': '{shown}' is not an email address"]


def test_non_ascii_part_before_at_became_an_invalid_to(tmp_path):
    """`tên@…` was accepted and became a To: header that needs SMTPUTF8, which the service does not send."""
    path = write(tmp_path, "subscribers:\n  - email: tên@example.org\n")
    assert errors(path) == [f"{path}:2:12: field 'email': 'tên@example.org' is not an email address: {ASCII}"]
    assert errors(path, "vi") == [
        f"{path}:2:12: trường 'email': 'tên@example.org' không phải là địa chỉ email: "
        "phần trước @ phải là ký tự ASCII: dịch vụ này không gửi thư quốc tế hoá (SMTPUTF8)"
    ]


def test_international_domain_is_kept_in_its_ascii_form(tmp_path):
    (subscriber,) = load_subscribers(
        write(tmp_path, "subscribers:\n  - email: bien-tap@ví-dụ.vn\n"), SETTINGS
    )
    assert subscriber.email == "bien-tap@xn--v-d-rma6749a.vn"


@pytest.mark.parametrize(
    "written",
    [
        '"https://x.example/u>,<mailto:evil@example.org>"',
        '"mailto:stop@example.org>, <https://evil.example/"',
        '"https://x.example/u,v"',
        '"https://x.example/u v"',
        '"https://x.example/u\\r\\nBcc: evil@example.org"',
        '"https://x.example/<u>"',
        '"mailto:not-an-address"',
        '"javascript:alert(1)"',
        '"https://"',
        '"https://user@x.example/u"',
    ],
)
def test_unsubscribe_value_injected_a_second_target(tmp_path, written):
    """`unsubscribe: https://x/u>,<mailto:evil@…` put a second target into List-Unsubscribe."""
    path = write(tmp_path, f"subscribers:\n  - email: a@example.org\n    unsubscribe: {written}\n")
    assert errors(path) == [f"{path}:3:18: entry 'a@example.org', field 'unsubscribe': {UNSUBSCRIBE}"]


@pytest.mark.parametrize(
    "link",
    [
        "https://example.org/u/123",
        "https://example.org/unsubscribe?token=a1b2&list=alerts",
        "http://127.0.0.1:8000/u/1",
        "mailto:unsubscribe@example.org",
        "mailto:unsubscribe@example.org?subject=unsubscribe",
    ],
)
def test_good_unsubscribe_links_are_kept(tmp_path, link):
    path = write(tmp_path, f"subscribers:\n  - email: a@example.org\n    unsubscribe: {link}\n")
    (subscriber,) = load_subscribers(path, SETTINGS)
    assert subscriber.unsubscribe == link


def test_list_unsubscribe_holds_one_target(tmp_path):
    """The header a mail client reads has the subscriber's one link, in angle brackets."""
    from calendar_service.alerts.delivery import Outbox
    from calendar_service.alerts.ledger import Ledger
    from calendar_service.alerts.run import run_alerts
    from calendar_service.registry.checks import load_registry

    path = write(
        tmp_path,
        "subscribers:\n  - email: a@example.org\n    unsubscribe: https://example.org/u?t=1&l=2\n"
        "    lead_times: {tron: [7], chan: [7], yearly: [7]}\n",
    )
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    run_alerts(
        load_registry(REAL_REGISTRY),
        load_subscribers(path, SETTINGS),
        SETTINGS,
        ledger,
        Outbox(tmp_path / "out"),
        dt.date(2024, 4, 30),
        dt.datetime(2024, 4, 30, tzinfo=dt.UTC),
    )
    ledger.dispose()
    sent = [
        email.message_from_bytes(p.read_bytes(), policy=default) for p in (tmp_path / "out").glob("*.eml")
    ]
    # Our signed one-click link first, then the subscriber's own: two targets, nothing injected.
    headers = {str(m["List-Unsubscribe"]) for m in sent}
    assert sent and len(headers) == 1
    (header,) = headers
    targets = [part.strip() for part in header.split(",")]
    assert len(targets) == 2 and targets[1] == "<https://example.org/u?t=1&l=2>"
    assert targets[0].startswith("<http://") and "/unsubscribe/" in targets[0]
