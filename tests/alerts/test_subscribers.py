"""The subscribers file: defaults, interests, lead times, and located errors."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from paths import REAL_REGISTRY

from calendar_service.alerts.subscribers import load_subscribers
from calendar_service.errors import SubscribersError
from calendar_service.model import Bilingual, Event, Milestone, Observance, Occurrence, SolarDate


@pytest.fixture
def load(tmp_path, settings):
    """Writes tmp_path/subscribers.yaml and loads it with the test settings."""

    def load(text):
        path = tmp_path / "subscribers.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_subscribers(path, settings())

    return load


@pytest.fixture
def errors(load):
    """The located errors, rendered, of a subscribers file that does not load."""

    def errors(text, lang="en"):
        with pytest.raises(SubscribersError) as raised:
            load(text)
        return [p.render(lang) for p in raised.value.problems]

    return errors


def occurrence(category="historical", country=None, milestone=Milestone.TRON):
    event = Event(
        "e",
        Bilingual("Sự kiện", "the event"),
        category,
        SolarDate(1954, 5, 7),
        Observance.YEARLY,
        (),
        country,
    )
    return Occurrence(event, dt.date(2024, 5, 7), 70, milestone)


def test_email_only_follows_everything_with_default_lead_times(load):
    (subscriber,) = load("subscribers:\n  - email: a@example.org\n")
    assert subscriber.language == "vi" and subscriber.digest
    assert subscriber.wants(occurrence()) and subscriber.wants(occurrence("diplomatic", "SE", None))
    assert subscriber.lead_times.for_milestone(Milestone.TRON) == (90, 30, 7, 1)
    assert subscriber.lead_times.for_milestone(Milestone.CHAN) == (30, 7, 1)
    assert subscriber.lead_times.for_milestone(None) == (7, 1)


def test_interests_and_overrides(load):
    (subscriber,) = load(
        """\
        subscribers:
          - email: doi-ngoai@example.org
            name: Phòng Đối ngoại
            language: en
            categories: [borders-seas]
            countries: [se, BR]
            milestones: tron
            lead_times: {tron: [60, 14], yearly: "3"}
            digest: false
            unsubscribe: https://example.org/unsubscribe?u=1
        """
    )
    assert subscriber.countries == {"SE", "BR"} and subscriber.language == "en" and not subscriber.digest
    assert subscriber.wants(occurrence("diplomatic", "SE"))
    assert subscriber.wants(occurrence("borders-seas"))
    assert not subscriber.wants(occurrence("historical"))
    assert not subscriber.wants(occurrence("diplomatic", "SE", Milestone.CHAN)), "năm tròn only"
    assert subscriber.lead_times.for_milestone(Milestone.TRON) == (60, 14)
    assert subscriber.lead_times.for_milestone(None) == (3,)


def test_missing_file_means_no_subscribers(tmp_path, settings):
    assert load_subscribers(tmp_path / "none.yaml", settings()) == []


def test_located_errors(tmp_path, errors):
    found = errors(
        """\
        subscribers:
          - email: not-an-address
          - email: b@example.org
            categories: [sport]
            lead_times: {tron: [0]}
            language: fr
          - email: c@example.org
          - email: C@example.org
        """,
    )
    path = tmp_path / "subscribers.yaml"
    assert found == [
        f"{path}:2:12: field 'email': 'not-an-address' is not an email address",
        f"{path}:4:17: entry 'b@example.org', field 'categories': unknown category 'sport' "
        "(known: historical, holiday, armed-forces, borders-seas, diplomatic, documents, people)",
        f"{path}:5:25: entry 'b@example.org', field 'lead_times.tron': "
        "'0' is not a number of days from 1 to 366 (expected a list such as [90, 30, 7, 1])",
        f"{path}:6:15: entry 'b@example.org', field 'language': unknown language 'fr' (known: vi, en)",
        f"{path}:8:12: field 'email': duplicate subscriber 'C@example.org' (first on line 7)",
    ]


def test_errors_in_vietnamese_and_tabs(tmp_path, errors):
    found = errors("subscribers:\n\t- email: a@example.org\n", "vi")
    assert found == [
        f"{tmp_path / 'subscribers.yaml'}:2:1: ký tự tab: YAML phải thụt lề bằng dấu cách, không dùng tab"
    ]
    assert errors("people: []\n") == [
        f"{tmp_path / 'subscribers.yaml'}:1:1: field 'subscribers': expected a top-level 'subscribers:' list"
    ]


def test_header_injection_in_names_is_refused(tmp_path, errors):
    found = errors('subscribers:\n  - email: a@example.org\n    name: "X\\r\\nBcc: evil@example.org"\n')
    assert found == [
        f"{tmp_path / 'subscribers.yaml'}:3:11: entry 'a@example.org', field 'name': "
        "must be one line of text, without line breaks or control characters"
    ]


def test_real_example_file_is_valid(settings):
    from paths import ROOT

    (subscriber,) = load_subscribers(ROOT / "data" / "subscribers.yaml", settings())
    assert subscriber.email == "ban-bien-tap@example.org"


def test_lead_times_are_a_list_or_comma_text_and_errors_say_the_form(tmp_path, load, errors):
    """`lead_times: {tron: 90, 30}` was refused as "unknown field 'lead_times.30'",
    and a bad YAML list as "expected whole numbers of days separated by commas"."""
    given = {
        "{tron: [90, 30]}": (90, 30),
        "{tron: '90, 30'}": (90, 30),
        "{tron: 90}": (90,),
        "\n      tron:\n        - 30\n        - 90": (90, 30),
    }
    for text, expected in given.items():
        (subscriber,) = load(f"subscribers:\n  - email: a@example.org\n    lead_times: {text}\n")
        assert subscriber.lead_times.tron == expected, text
    path = tmp_path / "subscribers.yaml"
    head = "subscribers:\n  - email: a@example.org\n    lead_times: "
    assert errors(head + "{tron: 90, 30}\n") == [
        f"{path}:3:28: entry 'a@example.org', field 'lead_times': '30' is not tron, chan or yearly: "
        "inside {…} a comma starts a new field; write the days as a list, such as tron: [90, 30]"
    ]
    assert errors(head + "{tron: [90, 30.5]}\n") == [
        f"{path}:3:29: entry 'a@example.org', field 'lead_times.tron': "
        "'30.5' is not a number of days from 1 to 366 (expected a list such as [90, 30, 7, 1])"
    ]
    assert errors(head + "[90, 30]\n") == [
        f"{path}:3:17: entry 'a@example.org', field 'lead_times': expected the days before each kind of "
        "anniversary, such as {tron: [90, 30, 7, 1], chan: [30, 7, 1], yearly: [7, 1]}"
    ]
    assert errors(head + "{chan: 400}\n", "vi") == [
        f"{path}:3:24: mục 'a@example.org', trường 'lead_times.chan': cần số ngày báo trước dưới dạng "
        "danh sách số nguyên từ 1 đến 366, ví dụ [90, 30, 7, 1]"
    ]


def test_validate_checks_the_subscribers_file_too(runner, tmp_path):
    """`validate` checked only the registry: a broken subscribers file showed up at the first alert."""
    from calendar_service.cli import main

    path = tmp_path / "subscribers.yaml"
    path.write_text(
        "subscribers:\n  - email: a@example.org\n    lead_times: {tron: 90, 30}\n  - email: nope\n",
        encoding="utf-8",
    )
    env = {"CALENDAR_SUBSCRIBERS": str(path), "CALENDAR_REGISTRY": str(REAL_REGISTRY)}
    result = runner.invoke(main, ["validate", "--lang", "en"], env=env)
    assert result.exit_code == 1
    assert result.output.splitlines()[-3:] == [
        f"error: {path}:3:28: entry 'a@example.org', field 'lead_times': '30' is not tron, chan or yearly: "
        "inside {…} a comma starts a new field; write the days as a list, such as tron: [90, 30]",
        f"error: {path}:4:12: field 'email': 'nope' is not an email address",
        f"{path}: 2 errors.",
    ]
    as_json = runner.invoke(main, ["validate", "--format", "json", "--subscribers", str(path)], env=env)
    import json

    found = json.loads(as_json.output)["subscribers"]
    assert as_json.exit_code == 1 and found["valid"] is False
    assert [(e["line"], e["column"]) for e in found["errors"]] == [(3, 28), (4, 12)]
    path.write_text("subscribers:\n  - email: a@example.org\n", encoding="utf-8")
    fine = runner.invoke(main, ["validate"], env=env)
    assert fine.exit_code == 0 and fine.output.splitlines()[-1] == f"{path}: hợp lệ, 1 người nhận."
    missing = runner.invoke(
        main, ["validate", "--subscribers", str(tmp_path / "none.yaml"), "--lang", "en"], env=env
    )
    assert missing.exit_code == 0
    assert (
        missing.output.splitlines()[-1]
        == f"No subscribers file at {tmp_path / 'none.yaml'}: nothing to send."
    )
