"""The command line as a user runs it: output, JSON fields, exit status, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from paths import FACTS_2024, REAL_REGISTRY, ROOT

from calendar_service.cli import main


def run(runner, *args):
    return runner.invoke(main, list(args), catch_exceptions=False)


def upcoming_2024(runner, *extra):
    result = run(
        runner,
        "upcoming",
        "--registry",
        str(REAL_REGISTRY),
        "--from",
        "2024-01-01",
        "--days",
        "366",
        "--format",
        "json",
        *extra,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def find(items, event_id, year=2024):
    (item,) = [i for i in items if i["event_id"] == event_id and i["date"].startswith(str(year))]
    return item


@pytest.mark.parametrize(
    ("event_id", "date", "n", "milestone"),
    FACTS_2024,
)
def test_upcoming_json_acceptance(runner, event_id, date, n, milestone):
    item = find(upcoming_2024(runner), event_id)
    assert (item["date"], item["n"], item["milestone"]) == (date, n, milestone)


def test_upcoming_json_fields_and_titles(runner):
    items = upcoming_2024(runner)
    dbp = find(items, "dien-bien-phu")
    assert dbp == {
        "event_id": "dien-bien-phu",
        "date": "2024-05-07",
        "n": 70,
        "milestone": "tron",
        "category": "historical",
        "country": None,
        "estimated": False,
        "title": "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)",
        "scope": "national",
        "holiday": False,
    }
    assert find(items, "quan-he-ngoai-giao-sweden")["country"] == "SE"
    english = find(upcoming_2024(runner, "--lang", "en"), "dien-bien-phu")
    assert english["title"] == "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)"
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)


def test_gio_to_2025(runner):
    result = run(
        runner,
        "upcoming",
        "--registry",
        str(REAL_REGISTRY),
        "--from",
        "2025-04-01",
        "--days",
        "10",
        "--format",
        "json",
    )
    assert [(i["event_id"], i["date"]) for i in json.loads(result.output)] == [
        ("gio-to-hung-vuong", "2025-04-07")
    ]


def test_upcoming_filters(runner):
    sweden = upcoming_2024(runner, "--country", "se")
    assert [i["event_id"] for i in sweden] == ["quan-he-ngoai-giao-sweden"]
    majors = upcoming_2024(runner, "--milestones", "--category", "historical")
    assert {i["event_id"] for i in majors} == {"dien-bien-phu", "hiep-dinh-geneve", "giai-phong-thu-do"}
    assert [i["event_id"] for i in upcoming_2024(runner, "--text", "Gac Ma")] == ["hai-chien-gac-ma"]


def test_upcoming_table_shows_countdown_milestones_and_dates_to_verify(runner):
    result = run(runner, "upcoming", "--registry", str(REAL_REGISTRY), "--from", "2024-05-01", "--days", "7")
    lines = result.output.splitlines()
    assert lines[0].split() == ["Ngày", "Còn", "(ngày)", "Mốc", "Nhóm", "Sự", "kiện", "kỷ", "niệm"]
    dbp = next(line for line in lines if "Điện Biên Phủ" in line)
    assert dbp.split()[:3] == ["7/5/2024", "6", "năm"]
    assert "Ngày cần xác minh (chỉ biết tháng hoặc năm):" in lines
    assert any("Sudan (1969 – 2024)" in line for line in lines)
    english = run(
        runner,
        "upcoming",
        "--registry",
        str(REAL_REGISTRY),
        "--from",
        "2024-05-01",
        "--days",
        "7",
        "--lang",
        "en",
    ).output
    assert "7 May 2024" in english and "major anniversary (năm tròn)" in english


def test_upcoming_from_22_november_2026_shows_the_national_calendar_of_those_weeks(runner):
    """The issue's check: twelve weeks from 22/11/2026 hold the national days (four items before)."""
    result = run(runner, "upcoming", "--registry", str(REAL_REGISTRY), "--from", "2026-11-22", "--days", "84")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    dated = {line.split()[0] for line in lines[2:] if line[:1].isdigit()}
    assert {
        "23/11/2026",
        "24/11/2026",
        "19/12/2026",
        "22/12/2026",
        "1/1/2027",
        "3/2/2027",
        "6/2/2027",
    } <= dated
    tet = next(line for line in lines if line.startswith("6/2/2027"))
    assert "Tết Nguyên đán (1/1 âm lịch, 6/2/2027)" in tet and "ngày lễ · Nghỉ lễ" in tet
    new_year = next(line for line in lines if line.startswith("1/1/2027"))
    assert "Tết Dương lịch (1/1/2027)" in new_year and "Nghỉ lễ" in new_year
    culture = next(line for line in lines if "Ngày Văn hóa Việt Nam" in line)
    assert (
        culture.startswith("24/11/2026") and "Nghỉ lễ" not in culture
    )  # planned, not yet in the Labour Code
    english = run(
        runner,
        "upcoming",
        "--registry",
        str(REAL_REGISTRY),
        "--from",
        "2026-11-22",
        "--days",
        "84",
        "--lang",
        "en",
    ).output
    assert "Tết, the Lunar New Year (1st day of the 1st lunar month, 6 February 2027)" in english
    assert "national day / holiday · Public holiday" in english


def test_upcoming_by_scope(runner):
    local = upcoming_2024(runner, "--scope", "lam-dong")
    assert [(i["event_id"], i["date"], i["n"], i["scope"]) for i in local] == [
        ("ke-hoach-90-kh-tu-lam-dong", "2024-07-25", 1, "lam-dong")
    ]
    national = upcoming_2024(runner, "--scope", "national")
    assert national and {i["scope"] for i in national} == {"national"}
    table = run(
        runner,
        "upcoming",
        "--registry",
        str(REAL_REGISTRY),
        "--from",
        "2024-07-20",
        "--days",
        "10",
        "--scope",
        "lam-dong",
    ).output
    assert "văn kiện · Lâm Đồng" in table
    wrong = run(runner, "upcoming", "--registry", str(REAL_REGISTRY), "--scope", "da-lat", "--lang", "en")
    assert wrong.exit_code == 1
    assert wrong.output.strip() == "--scope: unknown scope 'da-lat' (known: national, lam-dong)"


def test_validate_real_registry_text(runner):
    result = run(runner, "validate", "--registry", str(REAL_REGISTRY), "--lang", "en")
    assert result.exit_code == 0
    assert (
        "conflict resolved: 'quan-he-ngoai-giao-sweden': sources give 164-HD/BTGTU 1969-01-11, "
        "94-HD/BTGTU 1969-06-11; the registry keeps 1969-01-11" in result.output
    )
    assert "coverage: 'diplomatic-2024': 22 of 26 found (diplomatic relations, 2024)" in result.output
    registry_line, subscribers_line = result.output.rstrip().splitlines()[-2:]
    assert registry_line.endswith("valid, 81 entries.")
    assert subscribers_line.startswith(("data/subscribers.yaml: valid", "No subscribers file at")), (
        "then the subscribers"
    )


def test_validate_real_registry_json(runner):
    result = run(runner, "validate", "--registry", str(REAL_REGISTRY), "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["valid"] is True and report["errors"] == []
    assert report["coverage"] == [
        {
            "id": "diplomatic-2024",
            "document": "hd-164-lam-dong",
            "year": 2024,
            "category": "diplomatic",
            "expected": 26,
            "found": 22,
            "missing": 4,
            "entries": [
                f"quan-he-ngoai-giao-{country}"
                for country in (
                    "mongolia",
                    "sweden",
                    "sudan",
                    "senegal",
                    "malta",
                    "colombia",
                    "grenada",
                    "seychelles",
                    "nicaragua",
                    "brazil",
                    "papua-new-guinea",
                    "venezuela",
                    "samoa",
                    "slovenia",
                    "north-macedonia",
                    "croatia",
                    "peru",
                    "mauritius",
                    "saudi-arabia",
                    "south-sudan",
                    "botswana",
                    "congo",
                )
            ],
        }
    ]
    conflicts = {c["entry"]: c for c in report["conflicts"]}
    assert set(conflicts) == {"thanh-lap-dang", "quan-he-ngoai-giao-sweden"}
    assert all(c["resolved"] for c in conflicts.values())
    assert {w["entry"] for w in report["warnings"]} >= {"quan-he-ngoai-giao-sudan", "diplomatic-2024"}


def test_validate_broken_registry_exits_1_with_located_errors(runner, real_copy):
    text = real_copy.read_text(encoding="utf-8").replace("date: 1954-05-07", "date: 1954-02-31", 1)
    real_copy.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    date: 1954-02-31") + 1
    result = run(runner, "validate", "--registry", str(real_copy), "--format", "json", "--lang", "en")
    assert result.exit_code == 1
    (error,) = json.loads(result.output)["errors"]
    assert (error["line"], error["column"], error["entry"], error["field"]) == (
        line,
        11,
        "dien-bien-phu",
        "date",
    )
    assert error["message"] == "1954-02-31 is not a real calendar date"


def test_upcoming_on_an_invalid_registry_is_one_line_and_exit_1(runner, real_copy):
    text = real_copy.read_text(encoding="utf-8").replace("category: historical", "category: sport", 1)
    real_copy.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["upcoming", "--registry", str(real_copy), "--lang", "en"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "unknown category 'sport'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2024-02-31"], "--from: '2024-02-31' is not a real date in the form YYYY-MM-DD"),
        (["--days", "0"], "--days: expected a number from 1 to 36600"),
        (["--category", "sport"], "--category: unknown category 'sport'"),
        (["--country", "XX"], "--country: unknown country code 'XX'"),
    ],
)
def test_bad_arguments(runner, args, message):
    result = runner.invoke(main, ["upcoming", "--registry", str(REAL_REGISTRY), "--lang", "en", *args])
    assert result.exit_code == 1 and result.output.strip().startswith(message)


def test_bad_arguments_in_vietnamese(runner):
    result = runner.invoke(main, ["upcoming", "--registry", str(REAL_REGISTRY), "--from", "2024-02-31"])
    assert result.output.strip() == "--from: '2024-02-31' không phải là ngày có thật theo dạng YYYY-MM-DD"


def test_console_script_runs_as_installed(tmp_path):
    """`python -m calendar_service` (what the console script calls) in a clean directory."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "calendar_service",
            "upcoming",
            "--registry",
            str(REAL_REGISTRY),
            "--from",
            "2024-05-07",
            "--days",
            "1",
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "70th anniversary of the Điện Biên Phủ Victory (7 May 1954 – 7 May 2024)" in result.stdout


def test_debug_shows_the_traceback(runner, tmp_path):
    """What the user sees with --debug: Python's traceback ending in the error, on stderr."""
    missing = tmp_path / "missing.yaml"
    debug = subprocess.run(
        [
            sys.executable,
            "-m",
            "calendar_service",
            "upcoming",
            "--registry",
            str(missing),
            "--lang",
            "en",
            "--debug",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert debug.returncode == 1 and debug.stdout == ""
    assert debug.stderr.startswith("Traceback (most recent call last):\n")
    assert debug.stderr.rstrip().splitlines()[-1].endswith(f"RegistryError: {missing}: file not found")
    quiet = runner.invoke(main, ["upcoming", "--registry", str(missing), "--lang", "en"])
    assert quiet.exit_code == 1 and quiet.output.strip() == f"{missing}: file not found"


def test_default_registry_is_found_from_the_project_directory(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run(runner, "validate", "--format", "json")
    assert json.loads(result.output)["file"] == "data/events.yaml"
