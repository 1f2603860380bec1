"""The newsroom's accounts: roles, passwords hashed with argon2id
(argon2-cffi, memory-hard; the password itself is never stored or logged),
and the API and feed tokens a user holds (only their SHA-256 is kept, so a
leaked database does not leak usable tokens; a revoked token stays listed).

Usernames are casefolded and never change: coverages name their assignees
and history its authors by username."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import re
import secrets
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..db.schema import tokens, users
from ..errors import AccountError
from ..i18n import N_

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is an attack
_HASHER = PasswordHasher()  # argon2id, the library's RFC 9106 low-memory profile (64 MiB, t=3)
# Verified against when the account does not exist, so that the answer takes as long.
_DUMMY = _HASHER.hash("calendar-service: no such account")


class Role(enum.StrEnum):
    """What an account may do: viewers read, editors plan, admins also manage accounts."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        order = (Role.VIEWER, Role.EDITOR, Role.ADMIN)
        return order.index(self) >= order.index(needed)


class TokenKind(enum.StrEnum):
    API = "api"  # Authorization: Bearer, for the JSON API
    FEED = "feed"  # in a feed's URL, for calendar clients of a private installation


@dataclasses.dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    email: str | None
    role: Role
    active: bool

    def can(self, needed: Role) -> bool:
        return self.active and self.role.allows(needed)


@dataclasses.dataclass(frozen=True)
class Token:
    id: int
    user_id: int
    kind: TokenKind
    label: str | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def username_of(text: str) -> str:
    """The stored form of a username (casefolded), or AccountError."""
    name = text.strip().casefold()
    if not USERNAME.fullmatch(name):
        raise AccountError(
            N_("'{name}' is not a valid username: 1–64 letters a–z, digits, '.', '_' or '-'"), name=text
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(N_("the password is too short: at least {count} characters"), count=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise AccountError(N_("the password is too long: at most {count} characters"), count=MAX_PASSWORD)
    return password


def email_of(text: str | None) -> str | None:
    """An account's email address as given (None when empty), or AccountError."""
    value = (text or "").strip()
    if not value:
        return None
    import email_validator  # imported when used, as config does

    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise AccountError(N_("'{email}' is not an email address"), email=value) from None
    return value


def _user(row) -> User:
    return User(row.id, row.username, row.display_name, row.email, Role(row.role), bool(row.active))


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Accounts:
    """Accounts and tokens in the shared database (opened through its migrations)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # -- accounts -----------------------------------------------------------------
    def add(
        self,
        username: str,
        password: str,
        role: Role,
        now: dt.datetime,
        display_name: str | None = None,
        email: str | None = None,
    ) -> User:
        name = username_of(username)
        values = {
            "username": name,
            "display_name": (display_name or "").strip() or name,
            "email": email_of(email),
            "role": Role(role).value,
            "password_hash": _HASHER.hash(check_password(password)),
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(users).values(**values))
        except IntegrityError:
            raise AccountError(N_("an account named '{name}' already exists"), name=name) from None
        return self.get(name)

    def find(self, username: str) -> User | None:
        try:
            name = username_of(username)
        except AccountError:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.username == name)).first()
        return _user(row) if row else None

    def get(self, username: str) -> User:
        found = self.find(username)
        if found is None:
            raise AccountError(N_("no account named '{name}'"), name=username)
        return found

    def by_id(self, user_id: int) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def all(self) -> list[User]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(users).order_by(users.c.username)).all()
        return [_user(row) for row in rows]

    def change(self, username: str, now: dt.datetime, **values: object) -> User:
        """Set ``role``, ``active``, ``display_name`` or ``email`` of an account."""
        user = self.get(username)
        allowed = {"role", "active", "display_name", "email"}
        assert set(values) <= allowed, set(values) - allowed
        if "role" in values:
            values["role"] = Role(str(values["role"])).value
        if "email" in values:
            values["email"] = email_of(cast(str | None, values["email"]))
        with self.engine.begin() as connection:
            connection.execute(update(users).where(users.c.id == user.id).values(**values, updated_at=now))
        return self.get(username)

    def set_password(self, username: str, password: str, now: dt.datetime) -> None:
        user = self.get(username)
        hashed = _HASHER.hash(check_password(password))
        with self.engine.begin() as connection:
            connection.execute(
                update(users).where(users.c.id == user.id).values(password_hash=hashed, updated_at=now)
            )

    def verify(self, username: str, password: str) -> User | None:
        """The active account these credentials open, or None. Takes as long
        for an unknown name as for a wrong password."""
        try:
            name = username_of(username)
        except AccountError:
            name = None
        row = None
        if name is not None and len(password) <= MAX_PASSWORD:
            with self.engine.connect() as connection:
                row = connection.execute(select(users).where(users.c.username == name)).first()
        try:
            _HASHER.verify(row.password_hash if row else _DUMMY, password[:MAX_PASSWORD])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if _HASHER.check_needs_rehash(row.password_hash):
            with self.engine.begin() as connection:
                connection.execute(
                    update(users).where(users.c.id == row.id).values(password_hash=_HASHER.hash(password))
                )
        return _user(row)

    # -- tokens -------------------------------------------------------------------
    def issue_token(self, user: User, kind: TokenKind, now: dt.datetime, label: str | None = None) -> str:
        """A new token for ``user``: returned once, only its hash is stored."""
        raw = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(
                insert(tokens).values(
                    user_id=user.id,
                    kind=TokenKind(kind).value,
                    token_hash=_token_hash(raw),
                    label=label,
                    created_at=now,
                )
            )
        return raw

    def user_for_token(self, raw: str, kind: TokenKind, now: dt.datetime, touch: bool = True) -> User | None:
        """The active account holding this unrevoked token, or None; ``touch``:
        record the use (False when only checking that it still works)."""
        if not raw or len(raw) > 200:
            return None
        with self.engine.begin() as connection:
            row = connection.execute(
                select(tokens.c.id, tokens.c.user_id).where(
                    tokens.c.token_hash == _token_hash(raw),
                    tokens.c.kind == TokenKind(kind).value,
                    tokens.c.revoked_at.is_(None),
                )
            ).first()
            if row is None:
                return None
            if touch:
                connection.execute(update(tokens).where(tokens.c.id == row.id).values(last_used_at=now))
        user = self.by_id(row.user_id)
        return user if user is not None and user.active else None

    def tokens_of(self, user: User) -> list[Token]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(tokens).where(tokens.c.user_id == user.id).order_by(tokens.c.created_at, tokens.c.id)
            ).all()
        return [
            Token(r.id, r.user_id, TokenKind(r.kind), r.label, r.created_at, r.last_used_at, r.revoked_at)
            for r in rows
        ]

    def revoke_token(self, user: User, token_id: int, now: dt.datetime) -> bool:
        """Revoke one of ``user``'s tokens; False when it is not theirs or already revoked."""
        with self.engine.begin() as connection:
            done = connection.execute(
                update(tokens)
                .where(tokens.c.id == token_id, tokens.c.user_id == user.id, tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        return done.rowcount == 1
