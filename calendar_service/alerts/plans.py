"""What the newsroom has planned, as the mail shows it: the coverages of each
occurrence with their assignees' names (read once per run from the shared
database, where the web's planning view writes them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from ..dates.titles import day
from ..i18n import Language, gettext
from ..model import Occurrence
from ..planning.accounts import Accounts
from ..planning.coverage import Coverage, CoverageStore, Status


@dataclass(frozen=True)
class Plans:
    coverages: Mapping[tuple[str, int], tuple[Coverage, ...]] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)  # username -> display name

    def of(self, occurrence: Occurrence) -> tuple[Coverage, ...]:
        return self.coverages.get((occurrence.event.id, occurrence.date.year), ())

    def covered(self, occurrence: Occurrence) -> bool:
        """Whether someone plans to cover it (a dropped coverage does not count)."""
        return any(c.status is not Status.DROPPED for c in self.of(occurrence))

    def name(self, username: str) -> str:
        return self.names.get(username) or username


def load_plans(engine: Engine, first: int, last: int) -> Plans:
    """The coverages of occurrences in years first..last and every account's name."""
    found = CoverageStore(engine).in_years(first, last)
    names = {user.username: user.display_name for user in Accounts(engine).all()}
    return Plans({key: tuple(value) for key, value in found.items()}, names)


def coverage_line(coverage: Coverage, plans: Plans, lang: Language) -> str:
    """ "đã giao – Nguyễn Lan, Trần Minh · Thời sự · loạt bài · hạn 3/5/2024"."""
    status = gettext(coverage.status.label, lang)
    who = ", ".join(plans.name(user) for user in coverage.assignees)
    parts = [f"{status} – {who}" if who else status]
    parts += [coverage.desk] if coverage.desk else []
    parts.append(gettext(coverage.format.label, lang))
    if coverage.angle:
        parts.append(f"“{coverage.angle}”")
    if coverage.due:
        parts.append(gettext("due {date}", lang).format(date=day(coverage.due, lang)))
    return " · ".join(parts)


def coverage_lines(occurrence: Occurrence, plans: Plans, lang: Language) -> list[str]:
    """One line per coverage of the occurrence, or one saying there is none."""
    found = plans.of(occurrence)
    if not found:
        return [gettext("No coverage yet", lang)]
    return [coverage_line(c, plans, lang) for c in found]


def uncovered_milestones(found: Iterable[Occurrence], plans: Plans) -> list[Occurrence]:
    """The năm tròn and năm chẵn of ``found`` nobody plans to cover, by date."""
    return sorted(
        (o for o in found if o.milestone is not None and not plans.covered(o)),
        key=lambda o: (o.date, o.event.id),
    )
