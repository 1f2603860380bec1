"""Login attempts, throttled: after ``per_account`` failures for one username,
or ``per_address`` from one client address, within ``window``, further
attempts are refused until the oldest of them leaves the window. Kept in the
shared database, so every web worker and instance counts the same attempts."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

from ..db.schema import login_attempts


@dataclasses.dataclass(frozen=True)
class Throttle:
    engine: Engine
    per_account: int = 5
    per_address: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)

    def _keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(f"user:{username.strip().casefold()[:64]}", self.per_account)]
        if address:
            keys.append((f"ip:{address[:100]}", self.per_address))
        return keys

    def retry_after(self, username: str, address: str | None, now: dt.datetime) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        since = now - self.window
        wait = 0
        with self.engine.connect() as connection:
            for key, limit in self._keys(username, address):
                times = (
                    connection.execute(
                        select(login_attempts.c.at)
                        .where(login_attempts.c.key == key, login_attempts.c.at > since)
                        .order_by(login_attempts.c.at.desc())
                        .limit(limit)
                    )
                    .scalars()
                    .all()
                )
                if len(times) >= limit:
                    oldest = min(t if t.tzinfo else t.replace(tzinfo=dt.UTC) for t in times)
                    wait = max(wait, int((oldest + self.window - now).total_seconds()) + 1)
        return wait

    def failed(self, username: str, address: str | None, now: dt.datetime) -> None:
        with self.engine.begin() as connection:
            for key, _limit in self._keys(username, address):
                connection.execute(insert(login_attempts).values(key=key, at=now))
            connection.execute(delete(login_attempts).where(login_attempts.c.at < now - 2 * self.window))

    def succeeded(self, username: str, now: dt.datetime) -> None:
        """A successful sign-in forgets the account's failures (not the address's)."""
        with self.engine.begin() as connection:
            key = self._keys(username, None)[0][0]
            connection.execute(delete(login_attempts).where(login_attempts.c.key == key))
        del now


def count_recent(engine: Engine, key: str, since: dt.datetime) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).where(login_attempts.c.key == key, login_attempts.c.at > since)
        ).scalar_one()
