"""Editors who receive alerts: ``data/subscribers.yaml``, validated like the
registry (every problem names file:line:column and the field).

A subscriber given only ``email`` (and optionally ``name`` and ``language``)
follows everything with the default lead times. ``categories`` and
``countries`` narrow the interests: an anniversary matches when its category
or its country is listed. ``milestones`` is ``all`` (default), ``milestones``
(năm tròn and năm chẵn) or ``tron`` (năm tròn only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .config import Settings, days_list
from .errors import DataError, Location, Problem, problem
from .i18n import LANGUAGES, N_
from .model import CATEGORIES, Milestone, Occurrence
from .registry import CONTROL, COUNTRIES
from .yamlfile import YamlFileError, YamlList, YamlMap, load

EMAIL = re.compile(r"^[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;]+$")
MILESTONE_FILTERS = ("all", "milestones", "tron")
_FIELDS = {
    "email",
    "name",
    "language",
    "categories",
    "countries",
    "milestones",
    "lead_times",
    "digest",
    "unsubscribe",
}
_LEVELS = ("tron", "chan", "yearly")


class SubscribersError(DataError):
    """The subscribers file is invalid."""


@dataclass(frozen=True)
class Subscriber:
    email: str
    name: str | None
    language: str
    categories: frozenset[str]
    countries: frozenset[str]
    milestones: str
    lead_tron: tuple[int, ...]
    lead_chan: tuple[int, ...]
    lead_yearly: tuple[int, ...]
    digest: bool = True
    unsubscribe: str | None = None

    def wants(self, occurrence: Occurrence) -> bool:
        event = occurrence.event
        if self.categories or self.countries:
            if event.category not in self.categories and event.country not in self.countries:
                return False
        if self.milestones == "milestones" and occurrence.milestone is None:
            return False
        if self.milestones == "tron" and occurrence.milestone is not Milestone.TRON:
            return False
        return True

    def lead_times(self, occurrence: Occurrence) -> tuple[int, ...]:
        return {Milestone.TRON: self.lead_tron, Milestone.CHAN: self.lead_chan}.get(
            occurrence.milestone, self.lead_yearly
        )


def _text_list(value, where: Location, field: str, email: str, problems: list[Problem], allowed, upper=False):
    if not isinstance(value, YamlList) or not all(isinstance(item, str) for item in value):
        problems.append(problem(where, N_("expected a list of names"), entry_id=email, field=field))
        return frozenset()
    items = frozenset(item.upper() if upper else item for item in value)
    for item in sorted(items - set(allowed)):
        problems.append(
            problem(where, N_("unknown value '{value}'"), entry_id=email, field=field, value=item)
        )
    return items


def _subscriber(data: YamlMap, settings: Settings, problems: list[Problem]) -> Subscriber | None:
    before = len(problems)
    email = data.get("email")
    if not isinstance(email, str) or not EMAIL.match(email.strip()):
        problems.append(
            problem(data.where("email"), N_("'{value}' is not an email address"), field="email", value=email)
        )
        return None
    email = email.strip()
    for key in data:
        if key not in _FIELDS:
            problems.append(
                problem(
                    data.key_locations[key],
                    N_("unknown field (allowed: {allowed})"),
                    entry_id=email,
                    field=key,
                    allowed=", ".join(sorted(_FIELDS)),
                )
            )
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or CONTROL.search(name)):
        problems.append(
            problem(
                data.where("name"),
                N_("must be one line of text, without line breaks or control characters"),
                entry_id=email,
                field="name",
            )
        )
    language = data.get("language", "vi")
    if language not in LANGUAGES:
        problems.append(
            problem(
                data.where("language"),
                N_("unknown language '{value}' (known: vi, en)"),
                entry_id=email,
                field="language",
                value=language,
            )
        )
    categories = (
        _text_list(data["categories"], data.where("categories"), "categories", email, problems, CATEGORIES)
        if "categories" in data
        else frozenset()
    )
    countries = (
        _text_list(
            data["countries"], data.where("countries"), "countries", email, problems, COUNTRIES, upper=True
        )
        if "countries" in data
        else frozenset()
    )
    milestones = data.get("milestones", "all")
    if milestones not in MILESTONE_FILTERS:
        problems.append(
            problem(
                data.where("milestones"),
                N_("unknown milestone filter '{value}' (known: {allowed})"),
                entry_id=email,
                field="milestones",
                value=milestones,
                allowed=", ".join(MILESTONE_FILTERS),
            )
        )
    leads = {
        "tron": settings.lead_times_tron,
        "chan": settings.lead_times_chan,
        "yearly": settings.lead_times_yearly,
    }
    if "lead_times" in data:
        given = data["lead_times"]
        if not isinstance(given, YamlMap):
            problems.append(
                problem(
                    data.where("lead_times"),
                    N_("expected a mapping of fields"),
                    entry_id=email,
                    field="lead_times",
                )
            )
        else:
            for level, value in given.items():
                field = f"lead_times.{level}"
                if level not in _LEVELS:
                    problems.append(
                        problem(
                            given.key_locations[level],
                            N_("unknown field (allowed: {allowed})"),
                            entry_id=email,
                            field=field,
                            allowed=", ".join(_LEVELS),
                        )
                    )
                    continue
                text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
                try:
                    leads[level] = days_list(text)
                except ValueError:
                    problems.append(
                        problem(
                            given.where(level),
                            N_("expected whole numbers of days separated by commas"),
                            entry_id=email,
                            field=field,
                        )
                    )
    digest = data.get("digest", True)
    if not isinstance(digest, bool):
        problems.append(
            problem(data.where("digest"), N_("expected true or false"), entry_id=email, field="digest")
        )
    unsubscribe = data.get("unsubscribe")
    if unsubscribe is not None and (
        not isinstance(unsubscribe, str) or not re.match(r"^(https?://|mailto:)\S+$", unsubscribe)
    ):
        problems.append(
            problem(
                data.where("unsubscribe"),
                N_("expected an https:// or mailto: address"),
                entry_id=email,
                field="unsubscribe",
            )
        )
    if len(problems) > before:
        return None
    return Subscriber(
        email,
        name,
        language,
        categories,
        countries,
        milestones,
        leads["tron"],
        leads["chan"],
        leads["yearly"],
        digest,
        unsubscribe,
    )


def parse(data, path: str, settings: Settings) -> tuple[list[Subscriber], list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(data, YamlMap) or not isinstance(data.get("subscribers"), YamlList):
        where = (
            data.where("subscribers")
            if isinstance(data, YamlMap)
            else getattr(data, "location", Location(path))
        )
        return [], [problem(where, N_("expected a top-level 'subscribers:' list"), field="subscribers")]
    for key in data:
        if key not in ("subscribers", "version"):
            problems.append(
                problem(
                    data.key_locations[key],
                    N_("unknown field (allowed: {allowed})"),
                    field=key,
                    allowed="subscribers, version",
                )
            )
    found, seen = [], {}
    items = data["subscribers"]
    for item, where in zip(items, items.item_locations, strict=True):
        if not isinstance(item, YamlMap):
            problems.append(problem(where, N_("expected a mapping of fields"), field="subscribers"))
            continue
        subscriber = _subscriber(item, settings, problems)
        if subscriber is None:
            continue
        key = subscriber.email.casefold()
        if key in seen:
            problems.append(
                problem(
                    item.where("email"),
                    N_("duplicate subscriber '{email}' (first on line {line})"),
                    field="email",
                    email=subscriber.email,
                    line=seen[key].line,
                )
            )
            continue
        seen[key] = item.where("email")
        found.append(subscriber)
    problems.sort(key=lambda p: (p.location.line or 0, p.location.column or 0))
    return found, problems


def load_subscribers(path: str | Path, settings: Settings) -> list[Subscriber]:
    """The subscribers, or SubscribersError with every problem. A missing file
    means no subscribers (the service runs without alerts)."""
    if not Path(path).exists():
        return []
    try:
        data = load(path)
    except YamlFileError as error:
        raise SubscribersError([error.problem]) from None
    subscribers, problems = parse(data, str(path), settings)
    if problems:
        raise SubscribersError(problems)
    return subscribers
