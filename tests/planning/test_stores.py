"""The planning stores on SQLite and the real PostgreSQL: accounts with argon2
hashes and tokens, the login throttle, coverages with history and optimistic
versioning."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from calendar_service.db import open_database
from calendar_service.db.schema import tokens, users
from calendar_service.errors import AccountError, CoverageConflict, CoverageError
from calendar_service.planning.accounts import Accounts, Role, TokenKind
from calendar_service.planning.coverage import CoverageStore, Format, Status
from calendar_service.planning.throttle import Throttle

NOW = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def engine(database_url):
    database = open_database(database_url)
    yield database.engine
    database.dispose()


def test_an_account_keeps_an_argon2_hash_never_the_password(engine):
    accounts = Accounts(engine)
    user = accounts.add("Lan.Nguyen", PASSWORD, Role.EDITOR, NOW, display_name="Nguyễn Lan")
    assert (user.username, user.display_name, user.role) == ("lan.nguyen", "Nguyễn Lan", Role.EDITOR)
    with engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.verify("LAN.NGUYEN", PASSWORD) == user
    assert accounts.verify("lan.nguyen", PASSWORD + "x") is None
    assert accounts.verify("nobody", PASSWORD) is None
    with pytest.raises(AccountError, match="already exists"):
        accounts.add("lan.nguyen", PASSWORD, Role.VIEWER, NOW)
    with pytest.raises(AccountError, match="too short"):
        accounts.add("short", "123", Role.VIEWER, NOW)
    with pytest.raises(AccountError, match="not a valid username"):
        accounts.add("lan nguyen", PASSWORD, Role.VIEWER, NOW)


def test_a_disabled_account_cannot_sign_in_nor_use_its_tokens(engine):
    accounts = Accounts(engine)
    user = accounts.add("tuan", PASSWORD, Role.EDITOR, NOW)
    raw = accounts.issue_token(user, TokenKind.API, NOW, label="script")
    with engine.connect() as connection:
        assert raw not in connection.execute(select(tokens.c.token_hash)).scalar_one()
    assert accounts.user_for_token(raw, TokenKind.API, NOW) == user
    assert accounts.user_for_token(raw, TokenKind.FEED, NOW) is None  # a token is for one use
    accounts.change("tuan", NOW, active=False)
    assert accounts.verify("tuan", PASSWORD) is None
    assert accounts.user_for_token(raw, TokenKind.API, NOW) is None
    accounts.change("tuan", NOW, active=True)
    [token] = accounts.tokens_of(user)
    assert accounts.revoke_token(user, token.id, NOW)
    assert accounts.user_for_token(raw, TokenKind.API, NOW) is None


def test_login_attempts_are_throttled_per_account_and_released_after_the_window(engine):
    throttle = Throttle(engine, per_account=3, per_address=10)
    for minute in range(3):
        assert throttle.retry_after("lan", "127.0.0.1", NOW + dt.timedelta(minutes=minute)) == 0
        throttle.failed("lan", "127.0.0.1", NOW + dt.timedelta(minutes=minute))
    wait = throttle.retry_after("LAN", "10.0.0.1", NOW + dt.timedelta(minutes=3))
    assert wait == 12 * 60 + 1
    assert throttle.retry_after("other", "10.0.0.1", NOW + dt.timedelta(minutes=3)) == 0
    assert throttle.retry_after("lan", "127.0.0.1", NOW + dt.timedelta(minutes=15, seconds=1)) == 0


def test_a_coverage_records_every_change_and_refuses_a_stale_save(engine):
    Accounts(engine).add("reporter", PASSWORD, Role.VIEWER, NOW)
    store = CoverageStore(engine)
    created = store.create(
        "dien-bien-phu",
        2024,
        {"assignees": ["Reporter"], "angle": "Những người lính năm xưa", "due": "2024-04-07"},
        "editor",
        NOW,
    )
    assert (created.status, created.format, created.version) == (Status.ASSIGNED, Format.ARTICLE, 1)
    assert created.assignees == ("reporter",) and created.due == dt.date(2024, 4, 7)
    later = NOW + dt.timedelta(hours=1)
    saved = store.update(created.id, 1, {"status": "in_progress"}, "reporter", later)
    assert saved.version == 2 and saved.updated_by == "reporter"
    assert store.update(saved.id, 2, {"status": "in_progress"}, "reporter", later) == saved  # no change
    with pytest.raises(CoverageConflict) as conflict:
        store.update(created.id, 1, {"angle": "Góc khác"}, "editor", later)
    assert conflict.value.current == saved and conflict.value.attempted == {"angle": "Góc khác"}
    history = store.history(created.id)
    assert [(c.version, c.action, c.changed_by) for c in history] == [
        (1, "created", "editor"),
        (2, "updated", "reporter"),
    ]
    assert history[1].changes == {"status": ("assigned", "in_progress")}
    assert store.in_years(2024, 2024) == {("dien-bien-phu", 2024): [saved]}
    assert store.orphans(["dien-bien-phu"]) == [] and store.orphans([]) == [saved]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"assignees": ["ghost"]}, "assignees"),
        ({"status": "done"}, "status"),
        ({"format": "novel"}, "format"),
        ({"due": "07/04/2024"}, "due"),
        ({"due": "2024-02-30"}, "due"),
        ({"published_url": "javascript:alert(1)"}, "published_url"),
        ({"angle": "x" * 301}, "angle"),
        ({"desk": "a\nb"}, "desk"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_a_bad_coverage_field_is_named_and_nothing_is_stored(engine, values, field):
    store = CoverageStore(engine)
    with pytest.raises(CoverageError) as error:
        store.create("dien-bien-phu", 2024, values, "editor", NOW)
    assert error.value.field == field
    assert store.all() == []
