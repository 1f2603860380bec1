"""Domain values: small, immutable, with no display text of their own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .errors import Location
from .i18n import N_, Language

CATEGORIES = ("historical", "holiday", "armed-forces", "borders-seas", "diplomatic", "documents", "people")
# Message ids of the category names, translated where they are shown.
CATEGORY_NAMES = {
    "historical": N_("historical"),
    "holiday": N_("national day / holiday"),
    "armed-forces": N_("armed forces and defence"),
    "borders-seas": N_("borders and seas"),
    "diplomatic": N_("diplomatic relations"),
    "documents": N_("party and state documents"),
    "people": N_("leaders' birth anniversaries"),
}

# The scope of an entry that no province declares: the national calendar.
NATIONAL = "national"
NATIONAL_NAME = N_("national")
# The label of an observance that is a paid public holiday (Labour Code 2019, Art. 112).
HOLIDAY_LABEL = N_("Public holiday")


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class Observance(StrEnum):
    YEARLY = "yearly"  # every anniversary is marked (Gạc Ma, national days)
    MILESTONES = "milestones"  # only years divisible by 5 (diplomatic relations)


class Milestone(StrEnum):
    TRON = "tron"  # năm tròn: n divisible by 10
    CHAN = "chan"  # năm chẵn: n divisible by 5, not by 10

    @classmethod
    def of(cls, n: int | None) -> Milestone | None:
        if not n or n <= 0:
            return None
        if n % 10 == 0:
            return cls.TRON
        if n % 5 == 0:
            return cls.CHAN
        return None


class MilestoneFilter(StrEnum):
    """Which anniversaries a reader follows (subscribers, web filters, queries)."""

    ALL = "all"
    MILESTONES = "milestones"  # năm tròn and năm chẵn
    TRON = "tron"  # năm tròn only

    def accepts(self, milestone: Milestone | None) -> bool:
        if self is MilestoneFilter.TRON:
            return milestone is Milestone.TRON
        if self is MilestoneFilter.MILESTONES:
            return milestone is not None
        return True


@dataclass(frozen=True)
class LeadTimes:
    """How many days before an anniversary reminders and alerts come, by milestone."""

    tron: tuple[int, ...]
    chan: tuple[int, ...]
    yearly: tuple[int, ...]

    def for_milestone(self, milestone: Milestone | None) -> tuple[int, ...]:
        if milestone is Milestone.TRON:
            return self.tron
        if milestone is Milestone.CHAN:
            return self.chan
        return self.yearly

    @property
    def longest(self) -> int:
        return max((*self.tron, *self.chan, *self.yearly), default=0)


@dataclass(frozen=True)
class SolarDate:
    """A Gregorian date known to the day, the month or only the year."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    def as_date(self) -> dt.date | None:
        if self.month is None or self.day is None:
            return None
        return dt.date(self.year, self.month, self.day)

    def iso(self) -> str:
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


@dataclass(frozen=True)
class LunarRule:
    """A yearly date on the Vietnamese lunisolar calendar (e.g. 10/3 âm lịch)."""

    month: int
    day: int
    origin_year: int | None = None

    @property
    def precision(self) -> Precision:
        return Precision.DAY

    @property
    def year(self) -> int | None:
        return self.origin_year


@dataclass(frozen=True)
class YearlyRule:
    """A yearly day of the solar calendar with no origin date to count from
    (Tết Dương lịch, 1/1), or with only an origin year (8/3, from 1910): the
    registry's ``yearly: {month, day, origin_year}``. 29 February is observed
    on 28 February in common years, as for dates."""

    month: int
    day: int
    origin_year: int | None = None

    @property
    def precision(self) -> Precision:
        return Precision.DAY

    @property
    def year(self) -> int | None:
        return self.origin_year

    def iso(self) -> str:
        """ISO 8601's form of a day in every year: --MM-DD."""
        return f"--{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class Scope:
    """A province (or other area) whose local anniversaries the registry holds."""

    id: str
    name: Bilingual
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Document:
    """One of the guidance documents the registry is transcribed from."""

    id: str
    number: str | None
    issuer: str
    title: str
    file: str
    date: dt.date | None = None
    date_note: Bilingual | None = None  # why the date is unknown, or how it is known
    location: Location | None = field(default=None, compare=False)
    # The folder of the registry file that defines the document: ``file`` is relative to it.
    base: str | None = field(default=None, compare=False)

    def path(self, default_base: str | Path) -> Path:
        """The document's text file."""
        return Path(self.base if self.base is not None else default_base) / self.file


@dataclass(frozen=True)
class Citation:
    """Where an entry comes from: a document quoted, or a public source (with
    the words it says, where they were recorded)."""

    document: str | None = None
    quote: str | None = None
    url: str | None = None
    title: str | None = None
    states: SolarDate | None = None  # the date this source gives, when it is not the entry's
    location: Location | None = field(default=None, compare=False)
    url_location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Bilingual:
    """A text the registry gives in both languages (``{vi: …, en: …}``)."""

    vi: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == Language.EN else self.vi


@dataclass(frozen=True)
class Resolution:
    """Which date is right when sources disagree, and why."""

    date: SolarDate
    reason: Bilingual


@dataclass(frozen=True)
class Event:
    id: str
    title: Bilingual
    category: str
    origin: SolarDate | LunarRule | YearlyRule
    observance: Observance
    sources: tuple[Citation, ...]
    country: str | None = None
    partnership: Bilingual | None = None
    note: Bilingual | None = None
    resolution: Resolution | None = None
    location: Location | None = field(default=None, compare=False)
    scope: str = NATIONAL
    holiday: bool = False  # a paid public holiday (Labour Code 2019, Art. 112)

    @property
    def precision(self) -> Precision:
        return self.origin.precision

    def observed(self, n: int | None) -> bool:
        """Whether the n-th anniversary is marked (n is None for a lunar rule with
        no origin year: every year)."""
        if n is None:
            return True
        if n < 1:
            return False
        return self.observance is Observance.YEARLY or Milestone.of(n) is not None

    @property
    def is_lunar(self) -> bool:
        return isinstance(self.origin, LunarRule)

    @property
    def is_rule(self) -> bool:
        """A yearly rule (lunar or solar) rather than a date that happened."""
        return isinstance(self.origin, (LunarRule, YearlyRule))


@dataclass(frozen=True)
class DeclaredCount:
    """A number a document announces ("26 quốc gia"), to report coverage against."""

    id: str
    document: str
    quote: str
    year: int
    category: str
    count: int
    note: str | None = None
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Registry:
    path: str
    documents: dict[str, Document]
    events: tuple[Event, ...]
    declared_counts: tuple[DeclaredCount, ...] = ()
    scopes: dict[str, Scope] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # every file read: the registry and what it includes
    folders: tuple[str, ...] = ()  # the folders its include globs looked in (a new file there is read)

    def event(self, event_id: str) -> Event | None:
        return next((e for e in self.events if e.id == event_id), None)

    def known_scopes(self) -> list[str]:
        """The scopes an entry may have: national, then the declared ones."""
        return [NATIONAL, *self.scopes]

    def scopes_present(self) -> list[str]:
        """The scopes of the entries, national first, then in declaration order."""
        used = {e.scope for e in self.events}
        return [scope for scope in self.known_scopes() if scope in used]

    def scope_name(self, scope: str) -> Bilingual | None:
        """A declared scope's name (None for the national scope: it is translated)."""
        found = self.scopes.get(scope)
        return found.name if found else None


@dataclass(frozen=True)
class Occurrence:
    """The n-th anniversary of an event on a given date (n is None for lunar rules
    with no origin year). ``estimated`` is True when the date is computed beyond
    the range known to be exact (lunar dates), as python-holidays does."""

    event: Event
    date: dt.date
    n: int | None
    milestone: Milestone | None
    estimated: bool = False


@dataclass(frozen=True)
class Unverified:
    """An anniversary whose date is not known to the day: listed "to verify"."""

    event: Event
    year: int
    n: int
    milestone: Milestone | None
