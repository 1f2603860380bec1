"""Coverages in the pages, as editors and readers see them: the entry page's
form (due date prefilled with the lead-time date), the badges in the planning
view, the history in the reader's language, the conflict page with both
versions, validation errors that keep what was typed, the coverage filters
and the coverages whose entry left the registry."""

from __future__ import annotations

import re
from html import unescape

import pytest

from calendar_service.web.auth import stores

from .plans import NOW, planning_app, signed_in
from .test_pages import text


@pytest.fixture
def app(settings, tmp_path):
    return planning_app(settings, tmp_path)


def csrf_token(client, path: str = "/entries/dien-bien-phu") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).data.decode())
    assert found, "no form with a CSRF token"
    return found[1]


def create(client, **fields):
    form = {
        "csrf_token": csrf_token(client),
        "lang": "en",
        "entry_id": "dien-bien-phu",
        "year": "2024",
        "desk": "Politics",
        "assignees": ["minh"],
        "format": "series",
        "angle": "Veterans 70 years on",
        "notes": "",
        "status": "assigned",
        "due": "2024-04-07",
        "published_url": "",
        **fields,
    }
    return client.post(f"/coverages?lang={form.pop('lang')}", data=form)


def coverage_id(response) -> int:
    found = re.search(r"#coverage-(\d+)$", response.headers["Location"])
    assert found, response.headers.get("Location")
    return int(found[1])


def test_the_entry_page_offers_editors_a_form_due_on_the_lead_time_date(app):
    """The 70th Điện Biên Phủ (7 May 2024, a năm tròn) is due 30 days before by default."""
    page = signed_in(app, "lan").get("/entries/dien-bien-phu?lang=en").data.decode()
    assert "Add a coverage" in page
    assert 'name="due" min="1900-01-01" max="2200-12-31" value="2024-04-07"' in page
    assert '<option value="minh">Trần Minh</option>' in page
    reader = text(app.test_client().get("/entries/dien-bien-phu?lang=en"))
    assert "Add a coverage" not in reader and "csrf_token" not in reader


def test_an_editor_adds_a_coverage_and_the_pages_show_its_badge(app):
    editor = signed_in(app, "lan")
    response = create(editor)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/entries/dien-bien-phu?lang=en#coverage-")
    entry = text(app.test_client().get("/entries/dien-bien-phu?lang=en"))
    assert "Coverage 70th anniversary of the Điện Biên Phủ Victory" in entry
    assert (
        "assigned Veterans 70 years on Assignees Trần Minh Desk Politics Format series Due 7 April 2024"
        in entry
    )
    assert "assigned · Trần Minh" in entry
    planning = text(app.test_client().get("/?from=2024-04-01&lang=en"))
    assert (
        "7 May 1954 – 7 May 2024) historical · Sources: 164-HD/BTGTU; 94-HD/BTGTU assigned · Trần Minh"
        in planning
    )
    vietnamese = text(app.test_client().get("/?from=2024-04-01&lang=vi"))
    assert "đã giao · Trần Minh" in vietnamese


def test_several_coverages_give_several_badges(app):
    editor = signed_in(app, "lan")
    create(editor)
    create(editor, assignees=[], desk="Photo", format="photo", status="idea", angle="Archive photos")
    planning = text(app.test_client().get("/?from=2024-04-01&lang=en"))
    assert "assigned · Trần Minh idea · Photo" in planning
    month = text(app.test_client().get("/?from=2024-05-01&view=month&lang=en"))
    assert "assigned · Trần Minh idea · Photo" in month


def test_an_edit_is_recorded_and_the_history_speaks_the_readers_language(app):
    editor = signed_in(app, "lan")
    number = coverage_id(create(editor))
    response = editor.post(
        f"/coverages/{number}?lang=en",
        data={
            "csrf_token": csrf_token(editor),
            "lang": "en",
            "version": "1",
            "desk": "Politics",
            "assignees": ["minh", "tuan"],
            "format": "series",
            "angle": "Veterans 70 years on",
            "notes": "Two interviews",
            "status": "in_progress",
            "due": "2024-04-10",
            "published_url": "",
        },
    )
    assert response.status_code == 303
    english = text(app.test_client().get(f"/coverages/{number}/history?lang=en"))
    assert "History of the coverage 70th anniversary of the Điện Biên Phủ Victory" in english
    assert (
        "Changed by Nguyễn Lan, 1 March 2024, 09:30 version 2 Field Before After "
        "Assignees Trần Minh Trần Minh, Lê Tuấn Notes — Two interviews "
        "Status assigned in progress Due 7 April 2024 10 April 2024"
    ) in english
    assert "Created by Nguyễn Lan, 1 March 2024, 09:30 version 1" in english
    assert "in_progress" not in english and "published_url" not in english
    vietnamese = text(app.test_client().get(f"/coverages/{number}/history?lang=vi"))
    assert "Trạng thái đã giao đang thực hiện" in vietnamese
    assert "Hạn 7/4/2024 10/4/2024" in vietnamese


def test_two_editors_saving_the_same_version_the_second_sees_both_and_loses_nothing(app):
    first, second = signed_in(app, "lan"), signed_in(app, "tuan")
    number = coverage_id(create(first))
    form = {"lang": "en", "version": "1", "desk": "Politics", "assignees": ["minh"], "format": "series"}
    form |= {"notes": "", "due": "2024-04-07", "published_url": ""}
    token_first, token_second = csrf_token(first), csrf_token(second)
    saved = first.post(
        f"/coverages/{number}?lang=en",
        data={**form, "csrf_token": token_first, "angle": "Veterans 70 years on", "status": "ready"},
    )
    assert saved.status_code == 303
    conflict = second.post(
        f"/coverages/{number}?lang=en",
        data={**form, "csrf_token": token_second, "angle": "The tunnels of Him Lam", "status": "assigned"},
    )
    assert conflict.status_code == 409
    page = text(conflict)
    assert "Someone else saved this coverage since you opened it" in page
    assert "Nguyễn Lan saved it on 1 March 2024, 09:30" in page
    assert "Angle / working title differs Veterans 70 years on The tunnels of Him Lam" in page
    assert "Status differs ready assigned" in page
    html = conflict.data.decode()
    assert 'name="version" value="2"' in html and ">The tunnels of Him Lam</textarea>" in html
    again = second.post(
        f"/coverages/{number}?lang=en",
        data={**form, "csrf_token": token_second, "version": "2", "angle": "The tunnels of Him Lam"},
    )
    assert again.status_code == 303
    history = text(app.test_client().get(f"/coverages/{number}/history?lang=en"))
    assert "Changed by Lê Tuấn" in history and "Changed by Nguyễn Lan" in history
    assert "Veterans 70 years on The tunnels of Him Lam" in history  # the first save is in the history


@pytest.mark.parametrize(
    ("field", "value", "label", "message"),
    [
        ("due", "2024-02-31", "Due", "expected a date as YYYY-MM-DD"),
        ("published_url", "ftp://example.org/x", "Published at", "expected an http:// or https:// address"),
        ("status", "finished", "Status", "not a known status"),
        ("desk", "x" * 121, "Desk", "at most 120 characters"),
        ("assignees", ["nobody"], "Assignees", "no account named 'nobody'"),
    ],
)
def test_a_field_that_cannot_be_used_gives_the_form_again_with_what_was_typed(
    app, field, value, label, message
):
    editor = signed_in(app, "lan")
    response = create(editor, **{field: value, "angle": "Kept as typed"})
    assert response.status_code == 422
    assert f"{label}: {message}" in text(response)
    html = unescape(response.data.decode())
    assert ">Kept as typed</textarea>" in html and 'aria-invalid="true"' in html
    vietnamese = create(editor, **{field: value, "lang": "vi"})
    assert vietnamese.status_code == 422


def test_an_edit_with_a_bad_field_keeps_the_input_and_the_version(app):
    editor = signed_in(app, "lan")
    number = coverage_id(create(editor))
    response = editor.post(
        f"/coverages/{number}?lang=en",
        data={
            "csrf_token": csrf_token(editor),
            "lang": "en",
            "version": "1",
            "due": "soon",
            "angle": "New angle",
        },
    )
    assert response.status_code == 422
    assert "Due: expected a date as YYYY-MM-DD" in text(response)
    html = response.data.decode()
    assert 'name="version" value="1"' in html and ">New angle</textarea>" in html


def test_a_coverage_needs_a_real_entry_and_anniversary_and_an_editor(app):
    editor = signed_in(app, "lan")
    assert create(editor, entry_id="no-such-entry").status_code == 404
    assert create(editor, year="1950").status_code == 400  # before the victory
    assert create(editor, year="20x4").status_code == 400
    assert (
        editor.post("/coverages/999", data={"csrf_token": csrf_token(editor), "version": "1"}).status_code
        == 404
    )
    number = coverage_id(create(editor))
    assert (
        editor.post(f"/coverages/{number}?lang=en", data={"csrf_token": csrf_token(editor)}).status_code
        == 400
    )
    assert app.test_client().get("/coverages/999/history").status_code == 404
    anonymous = app.test_client()
    assert anonymous.post("/coverages", data={"entry_id": "dien-bien-phu", "year": "2024"}).status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False  # what follows is about roles (the CSRF refusal is above)
    viewer = signed_in(app, "minh")
    assert viewer.post("/coverages", data={"entry_id": "dien-bien-phu", "year": "2024"}).status_code == 403
    assert viewer.post(f"/coverages/{number}", data={"version": "1"}).status_code == 403
    assert anonymous.post("/coverages", data={"entry_id": "dien-bien-phu", "year": "2024"}).status_code == 401
    assert anonymous.post(f"/coverages/{number}?lang=en", data={"version": "1"}).status_code == 401


def test_coverage_filters_and_the_unplanned_nam_tron_link(app):
    editor = signed_in(app, "lan")
    create(editor)  # Điện Biên Phủ, assigned to Trần Minh, Politics
    page = editor.get("/?from=2024-03-01&lang=en").data.decode()
    link = "/?from=2024-03-01&amp;days=90&amp;milestone=tron&amp;coverage=none&amp;lang=en"
    assert f'<a href="{link}">Unplanned major anniversaries (năm tròn) in the next 90 days</a>' in page
    unplanned = text(editor.get(unescape(link)))
    assert "Anniversaries from 1 March 2024 to 29 May 2024" in unplanned
    assert "Điện Biên Phủ Victory" not in unplanned
    assert (
        "30th anniversary of the establishment of diplomatic relations between Việt Nam and Samoa"
        in unplanned
    )
    assert "Border Guard Day" not in unplanned  # a năm chẵn
    mine = text(signed_in(app, "minh").get("/?from=2024-03-01&mine=1&lang=en"))
    assert "Điện Biên Phủ Victory" in mine and "Gạc Ma" not in mine
    assert "Điện Biên Phủ Victory" not in text(signed_in(app, "tuan").get("/?from=2024-03-01&mine=1&lang=en"))
    by_desk = text(editor.get("/?from=2024-03-01&desk=politics&lang=en"))
    assert "Điện Biên Phủ Victory" in by_desk and "Gạc Ma" not in by_desk
    assert "Điện Biên Phủ Victory" not in text(editor.get("/?from=2024-03-01&status=published&lang=en"))
    assert "Điện Biên Phủ Victory" in text(editor.get("/?from=2024-03-01&status=assigned&lang=en"))


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("status=finished", "status"), ("coverage=some", "coverage"), ("mine=yes", "mine"), ("mine=1", "mine")],
)
def test_a_bad_coverage_filter_is_a_400_naming_the_parameter(app, query, parameter):
    response = app.test_client().get(f"/?{query}&lang=en")
    assert response.status_code == 400
    assert f"Parameter '{parameter}'" in text(response)


def test_a_coverage_whose_entry_left_the_registry_is_listed_as_orphaned_never_deleted(app):
    with app.app_context():
        orphan = stores().coverages.create(
            "removed-entry", 2024, {"angle": "Old plan", "assignees": ["minh"]}, "lan", NOW
        )
    planning = text(app.test_client().get("/?from=2024-04-01&lang=en"))
    assert "Coverage of entries no longer in the registry" in planning
    assert "assigned · Trần Minh removed-entry, 2024: Old plan" in planning
    history = app.test_client().get(f"/coverages/{orphan.id}/history?lang=en")
    assert history.status_code == 200
    assert "This entry is no longer in the registry: the coverage is kept." in text(history)
    editor = signed_in(app, "lan")
    token = csrf_token(editor, f"/coverages/{orphan.id}/history")
    saved = editor.post(
        f"/coverages/{orphan.id}?lang=en",
        data={"csrf_token": token, "version": "1", "status": "dropped", "lang": "en", "assignees": ["minh"]},
    )
    assert saved.status_code == 303 and saved.headers["Location"].startswith(
        f"/coverages/{orphan.id}/history"
    )


def test_notes_sent_by_a_browser_keep_their_lines(app):
    """Browsers send a textarea's lines with CR LF: the notes were refused for a
    control character, and editing any coverage with notes of two lines failed."""
    editor = signed_in(app, "lan")
    number = coverage_id(
        create(editor, notes="Two interviews\r\nArchive photos", angle="Veterans\r\n70 years on")
    )
    page = text(app.test_client().get(f"/coverages/{number}/history?lang=en"))
    assert "Notes Two interviews Archive photos" in page and "Veterans 70 years on" in page
    with app.app_context():
        assert stores().coverages.get(number).notes == "Two interviews\nArchive photos"


def test_saving_the_same_assignees_in_the_forms_order_changes_nothing(app):
    """The form lists people by display name: saving a coverage of Trần Minh
    and Lê Tuấn unchanged recorded a change of the assignees (their order)."""
    editor = signed_in(app, "lan")
    number = coverage_id(create(editor, assignees=["minh", "tuan"]))
    form = {
        "csrf_token": csrf_token(editor),
        "version": "1",
        "assignees": ["tuan", "minh"],
        "status": "assigned",
    }
    assert editor.post(f"/coverages/{number}?lang=en", data=form).status_code == 303
    with app.app_context():
        assert stores().coverages.get(number).version == 1
        assert len(stores().coverages.history(number)) == 1


def test_a_stale_save_of_ones_own_edit_says_you_saved_it_not_someone_else(app):
    """Regression (newcomer review): the same editor in two windows was told
    "Someone else saved this coverage"."""
    window, other_window = signed_in(app, "lan"), signed_in(app, "lan")
    number = coverage_id(create(window))
    form = {"lang": "en", "version": "1", "desk": "Politics", "assignees": ["minh"], "format": "series"}
    form |= {"notes": "", "due": "2024-04-07", "published_url": "", "status": "assigned"}
    saved = window.post(
        f"/coverages/{number}?lang=en", data={**form, "csrf_token": csrf_token(window), "angle": "A"}
    )
    assert saved.status_code == 303
    stale = other_window.post(
        f"/coverages/{number}?lang=en", data={**form, "csrf_token": csrf_token(other_window), "angle": "B"}
    )
    assert stale.status_code == 409
    page = text(stale)
    assert "This coverage was saved again since you opened it" in page
    assert "You saved it yourself on 1 March 2024, 09:30, in another window or tab." in page
    assert "Someone else" not in page
