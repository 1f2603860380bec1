"""JSON API and /healthz."""

from __future__ import annotations

import json

from paths import REAL_REGISTRY

from calendar_service.cli import main


def test_occurrences_have_the_fields_of_upcoming_json(client, runner):
    api = client.get("/api/occurrences?from=2024-01-01&days=366&lang=en").get_json()
    cli = json.loads(
        runner.invoke(
            main,
            [
                "upcoming",
                "--registry",
                str(REAL_REGISTRY),
                "--from",
                "2024-01-01",
                "--days",
                "366",
                "--format",
                "json",
                "--lang",
                "en",
            ],
        ).output
    )
    assert api == cli
    dbp = next(item for item in api if item["event_id"] == "dien-bien-phu")
    assert dbp == {
        "event_id": "dien-bien-phu",
        "date": "2024-05-07",
        "n": 70,
        "milestone": "tron",
        "category": "historical",
        "country": None,
        "estimated": False,
        "title": "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)",
        "scope": "national",
        "holiday": False,
    }


def test_occurrence_filters_and_errors(client):
    sweden = client.get("/api/occurrences?from=2024-01-01&days=366&country=se").get_json()
    assert [i["event_id"] for i in sweden] == ["quan-he-ngoai-giao-sweden"]
    bad = client.get("/api/occurrences?days=0&lang=en")
    assert bad.status_code == 400 and bad.get_json() == {
        "error": "Parameter 'days': '0' is not a whole number from 1 to 3660",
        "status": 400,
    }


def test_entries(client):
    entries = client.get("/api/entries").get_json()
    assert len(entries) == 81  # the registry and data/local/lam-dong.yaml (test_cli counts them)
    gio_to = client.get("/api/entries/gio-to-hung-vuong?lang=en").get_json()
    assert gio_to["lunar"] == {"month": 3, "day": 10, "origin_year": None} and gio_to["date"] is None
    sudan = client.get("/api/entries/quan-he-ngoai-giao-sudan").get_json()
    assert (sudan["date"], sudan["precision"], sudan["country"]) == ("1969", "year", "SD")
    assert client.get("/api/entries/nope").status_code == 404


def test_healthz(client):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.headers["Cache-Control"] == "no-store"
    body = health.get_json()
    assert body["status"] == "ok" and body["registry"] == {"loaded": True, "entries": 81, "error": None}
    assert body["feeds"]["built_at"] == "2024-03-01T00:00:00+00:00" and body["feeds"]["count"] > 50


def test_healthz_reports_a_broken_registry_and_keeps_the_last_good_one(
    real_copy, settings, published_feeds, tmp_path
):
    from calendar_service.web import create_app

    client = create_app(settings(registry=real_copy, feeds_dir=published_feeds)).test_client()
    assert client.get("/healthz").get_json()["status"] == "ok"
    real_copy.write_text(
        real_copy.read_text(encoding="utf-8").replace("date: 1954-05-07", "date: 1954-02-31"),
        encoding="utf-8",
    )
    body = client.get("/healthz").get_json()
    assert (
        body["status"] == "degraded" and "1954-02-31 is not a real calendar date" in body["registry"]["error"]
    )
    assert client.get("/?from=2024-05-01&lang=en").status_code == 200, "the last good registry still serves"
    empty = create_app(settings(registry=real_copy, feeds_dir=tmp_path / "x"))
    assert empty.test_client().get("/healthz").status_code == 503
