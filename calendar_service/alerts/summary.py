"""The alert ledger at a glance, for the admin page: how many messages are in
each state, and those that need attention (the same rows ``ledger list``
reports: failed and waiting for a retry, refused for good, uncertain) with
their reason. Read from the shared database's engine, without opening a
Ledger (which would bring the schema up to date again)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ..db.schema import alerts
from .ledger import CLAIMED, DISMISSED, FAILED, OUTSTANDING, REJECTED, RUN, SEEN, SENT, SUPERSEDED, UNCERTAIN

# The states in the order the admin page lists them.
STATES = (SENT, FAILED, REJECTED, UNCERTAIN, CLAIMED, DISMISSED, SUPERSEDED)
SHOWN = 50  # outstanding rows listed at most (the count says how many there are)


@dataclasses.dataclass(frozen=True)
class LedgerSummary:
    counts: dict[str, int]  # state -> rows (alerts and digests, not the run markers)
    outstanding: list[dict]  # the first SHOWN rows that need attention, oldest first
    outstanding_total: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def ledger_summary(engine: Engine, shown: int = SHOWN) -> LedgerSummary:
    with engine.connect() as connection:
        rows = connection.execute(
            select(alerts.c.state, func.count())
            .where(alerts.c.kind.not_in((RUN, SEEN)))
            .group_by(alerts.c.state)
        ).all()
        counts = {state: 0 for state in STATES} | {state: count for state, count in rows}
        attention = select(alerts).where(alerts.c.state.in_(OUTSTANDING), alerts.c.kind.not_in((RUN, SEEN)))
        listed = [
            dict(r._mapping)
            for r in connection.execute(attention.order_by(alerts.c.due, alerts.c.id).limit(shown))
        ]
    return LedgerSummary(counts, listed, sum(counts.get(state, 0) for state in OUTSTANDING))
