"""Plans on occurrences, as the planning view, the entry page and the API
read them: when a coverage is due by default, which occurrences a coverage
filter keeps, and the coverages of a set of occurrences.

**The default due date** of a coverage is the lead-time date of its
occurrence: the occurrence's date minus the longest lead time configured for
its milestone (``CALENDAR_LEAD_TIMES_TRON``, ``…_CHAN``, ``…_YEARLY``) that is
at most 30 days. With the defaults a năm tròn (90, 30, 7, 1) is due 30 days
before, a năm chẵn (30, 7, 1) 30 days before, any other anniversary (7, 1)
7 days before. A milestone whose lead times are all longer than 30 days, or
that has none, is due on the day itself. The 90-day lead time of a năm tròn
is the time to plan, not to deliver: a piece due three months early would be
stale on the day."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from ..model import LeadTimes, Milestone
from .coverage import Coverage, CoverageStore, Status

# The longest lead time a default due date uses (days).
DUE_HORIZON = 30


def default_due(occurrence_date: dt.date, milestone: Milestone | None, lead_times: LeadTimes) -> dt.date:
    """The lead-time date of an occurrence (see the module's docstring): its
    date minus the longest of its milestone's lead times that is at most 30
    days; the date itself when there is none."""
    usable = [days for days in lead_times.for_milestone(milestone) if 0 <= days <= DUE_HORIZON]
    return occurrence_date - dt.timedelta(days=max(usable, default=0))


@dataclasses.dataclass(frozen=True)
class CoverageFilter:
    """Which occurrences the planning view keeps, by their coverages.

    ``uncovered``: only occurrences without any coverage (a dropped one counts
    as a decision taken, so as coverage). Otherwise an occurrence is kept when
    one of its coverages meets every condition given: ``assignee`` among its
    assignees, its desk among ``desks`` (compared without case), its status
    among ``statuses``. No condition keeps everything."""

    uncovered: bool = False
    assignee: str | None = None
    desks: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = ()

    @property
    def active(self) -> bool:
        return self.uncovered or self.assignee is not None or bool(self.desks or self.statuses)

    def matches(self, coverage: Coverage) -> bool:
        if self.assignee is not None and self.assignee not in coverage.assignees:
            return False
        if self.desks and coverage.desk.casefold() not in {d.casefold() for d in self.desks}:
            return False
        return not self.statuses or coverage.status in self.statuses

    def keeps(self, coverages: Sequence[Coverage]) -> bool:
        """Whether an occurrence with these coverages is shown."""
        if self.uncovered:
            return not coverages
        if not self.active:
            return True
        return any(self.matches(coverage) for coverage in coverages)


def coverages_by_occurrence(
    store: CoverageStore, years: Iterable[int]
) -> dict[tuple[str, int], list[Coverage]]:
    """The coverages of every occurrence in the given years, by (entry id, year)."""
    chosen = list(years)
    if not chosen:
        return {}
    return store.in_years(min(chosen), max(chosen))


def desks_in_use(coverages: Iterable[Coverage]) -> list[str]:
    """The desks coverages name, each once (first spelling kept), sorted."""
    found: dict[str, str] = {}
    for coverage in coverages:
        if coverage.desk:
            found.setdefault(coverage.desk.casefold(), coverage.desk)
    return sorted(found.values(), key=str.casefold)
