"""Editors who receive alerts: ``data/subscribers.yaml``, validated like the
registry (every problem names file:line:column and the field).

A subscriber given only ``email`` (and optionally ``name`` and ``language``)
follows everything with the default lead times. ``categories`` and
``countries`` narrow the interests: an anniversary matches when its category
or its country is listed. ``milestones`` is ``all`` (default), ``milestones``
(năm tròn and năm chẵn) or ``tron`` (năm tròn only).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from ..config import (
    DEFAULT_LEAD_TIMES,
    NOT_ASCII_LOCAL_PART,
    Settings,
    days_list,
    email_address,
    http_address,
)
from ..errors import Location, Problem, SubscribersError, YamlFileError, problem
from ..i18n import LANGUAGES, N_, Language, Msg, gettext, ngettext
from ..model import CATEGORIES, LeadTimes, MilestoneFilter, Occurrence
from ..registry.fields import COUNTRIES, Reader
from ..registry.yamlfile import YamlList, YamlMap, load

_MAILTO_QUERY = re.compile(r"[A-Za-z0-9._~!$&'()*+;=:@/?%-]*")  # RFC 3986 query characters but the comma
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
_LEVELS = ("tron", "chan", "yearly")  # the YAML keys, and the fields of LeadTimes


@dataclass(frozen=True)
class Subscriber:
    """An editor; what is not given follows everything with the default lead times."""

    email: str
    name: str | None = None
    language: Language = Language.VI
    categories: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    milestones: MilestoneFilter = MilestoneFilter.ALL
    lead_times: LeadTimes = DEFAULT_LEAD_TIMES
    digest: bool = True
    unsubscribe: str | None = None

    @property
    def interests(self) -> tuple:
        """Everything ``wants`` and the lead times depend on: subscribers with
        equal interests are due the same alerts."""
        return (self.categories, self.countries, self.milestones, self.lead_times)

    def wants(self, occurrence: Occurrence) -> bool:
        event = occurrence.event
        if self.categories or self.countries:
            if event.category not in self.categories and event.country not in self.countries:
                return False
        return self.milestones.accepts(occurrence.milestone)


def _names(reader: Reader, data: YamlMap, key: str, email: str, allowed, upper=False) -> frozenset[str]:
    value = data.get(key)
    if value is None:
        return frozenset()
    if not isinstance(value, YamlList) or not all(isinstance(item, str) for item in value):
        expected = (
            N_("expected a list of country codes, such as [SE, BR]")
            if upper
            else N_("expected a list of categories, such as [diplomatic, historical] (known: {allowed})")
        )
        reader.add(data.where(key), expected, entry=email, field=key, allowed=", ".join(allowed))
        return frozenset()
    items = frozenset(item.upper() if upper else item for item in value)
    unknown = (
        N_("unknown country code '{value}' (expected an ISO 3166-1 code such as SE)")
        if upper
        else N_("unknown category '{value}' (known: {allowed})")
    )
    for item in sorted(items - set(allowed)):
        reader.add(data.where(key), unknown, entry=email, field=key, value=item, allowed=", ".join(allowed))
    return items


_DAYS_EXPECTED = N_(
    "expected the days before the anniversary as a list of whole numbers from 1 to 366, such as [90, 30, 7, 1]"
)


def _days(reader: Reader, given: YamlMap, level: str, email: str) -> tuple[int, ...] | None:
    """One level's lead times: a YAML list ([90, 30]), one number, or text "90, 30"."""
    value, where, field = given[level], given.where(level), f"lead_times.{level}"
    if isinstance(value, YamlList):
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 366:
                reader.add(
                    value.where(index),
                    N_(
                        "'{value}' is not a number of days from 1 to 366 (expected a list such as [90, 30, 7, 1])"
                    ),
                    entry=email,
                    field=field,
                    value=item,
                )
                return None
        if not value:
            reader.add(where, _DAYS_EXPECTED, entry=email, field=field)
            return None
        return tuple(sorted(set(value), reverse=True))
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return days_list(str(value))
        except ValueError:
            pass
    reader.add(where, _DAYS_EXPECTED, entry=email, field=field)
    return None


def _lead_times(reader: Reader, data: YamlMap, email: str, settings: Settings) -> LeadTimes:
    """The settings' lead times, with the levels the subscriber gives instead."""
    if "lead_times" not in data:
        return settings.lead_times
    given = data["lead_times"]
    if not isinstance(given, YamlMap):
        reader.add(
            data.where("lead_times"),
            N_(
                "expected the days before each kind of anniversary, such as "
                "{{tron: [90, 30, 7, 1], chan: [30, 7, 1], yearly: [7, 1]}}"
            ),
            entry=email,
            field="lead_times",
        )
        return settings.lead_times
    leads: dict[str, tuple[int, ...]] = {}
    for level in given:
        if str(level).strip().isdigit():
            # `lead_times: {tron: 90, 30}`: in a {…} mapping the comma starts a new field.
            reader.add(
                given.key_locations[level],
                N_(
                    "'{key}' is not tron, chan or yearly: inside {{…}} a comma starts a new field; "
                    "write the days as a list, such as tron: [90, 30]"
                ),
                entry=email,
                field="lead_times",
                key=level,
            )
        elif level not in _LEVELS:
            reader.add(
                given.key_locations[level],
                N_("unknown field (allowed: {allowed})"),
                entry=email,
                field=f"lead_times.{level}",
                allowed=", ".join(sorted(_LEVELS)),
            )
        else:
            days = _days(reader, given, level, email)
            if days is not None:
                leads[level] = days
    return dataclasses.replace(settings.lead_times, **leads)


def _address(reader: Reader, data: YamlMap) -> str | None:
    """The subscriber's address as email-validator accepts it (see
    config.email_address), or None and a problem."""
    value = data.get("email")
    try:
        if not isinstance(value, str):
            raise ValueError(None)
        return email_address(value)
    except ValueError as error:
        if error.args and error.args[0] == NOT_ASCII_LOCAL_PART:
            message, reason = N_("'{value}' is not an email address: {reason}"), Msg(NOT_ASCII_LOCAL_PART)
            reader.add(data.where("email"), message, field="email", value=value, reason=reason)
        else:
            reader.add(
                data.where("email"), N_("'{value}' is not an email address"), field="email", value=value
            )
        return None


def _unsubscribe_link(value: object) -> bool:
    """An http(s) address (query allowed) or a mailto: address, with nothing
    that could end its <…> in List-Unsubscribe or add a second target
    (``>``, ``<``, commas, spaces, control characters)."""
    if not isinstance(value, str) or "," in value:
        return False
    try:
        if value.startswith("mailto:"):
            address, _, query = value.removeprefix("mailto:").partition("?")
            return bool(_MAILTO_QUERY.fullmatch(query)) and email_address(address) == address
        http_address(value, query=True)
    except ValueError:
        return False
    return True


def _subscriber(reader: Reader, data: YamlMap, settings: Settings) -> Subscriber | None:
    before = len(reader.problems)
    email = _address(reader, data)
    if email is None:
        return None
    reader.unknown_fields(data, _FIELDS, entry=email)
    name = reader.text(data, "name", entry=email, required=False)
    language = reader.choice(
        data, "language", LANGUAGES, email, N_("unknown language '{value}' (known: vi, en)"), default="vi"
    )
    categories = _names(reader, data, "categories", email, CATEGORIES)
    countries = _names(reader, data, "countries", email, COUNTRIES, upper=True)
    milestones = reader.choice(
        data,
        "milestones",
        tuple(MilestoneFilter),
        email,
        N_("unknown milestone filter '{value}' (known: {allowed})"),
        default="all",
    )
    leads = _lead_times(reader, data, email, settings)
    digest = data.get("digest", True)
    if not isinstance(digest, bool):
        reader.add(data.where("digest"), N_("expected true or false"), entry=email, field="digest")
    unsubscribe = data.get("unsubscribe")
    if unsubscribe is not None and not _unsubscribe_link(unsubscribe):
        reader.add(
            data.where("unsubscribe"),
            N_("expected an https:// or mailto: address without spaces, control characters, <, > or commas"),
            entry=email,
            field="unsubscribe",
        )
    if len(reader.problems) > before:
        return None
    return Subscriber(
        email,
        name,
        Language(language),
        categories,
        countries,
        MilestoneFilter(milestones),
        leads,
        digest,
        unsubscribe,
    )


def parse(data, path: str, settings: Settings) -> tuple[list[Subscriber], list[Problem]]:
    reader = Reader(path)
    if not isinstance(data, YamlMap) or not isinstance(data.get("subscribers"), YamlList):
        where = (
            data.where("subscribers")
            if isinstance(data, YamlMap)
            else getattr(data, "location", Location(path))
        )
        return [], [problem(where, N_("expected a top-level 'subscribers:' list"), field="subscribers")]
    reader.unknown_fields(data, {"subscribers", "version"})
    found, seen = [], {}
    items = data["subscribers"]
    for item, where in zip(items, items.item_locations, strict=True):
        if reader.mapping(item, where, field="subscribers") is None:
            continue
        subscriber = _subscriber(reader, item, settings)
        if subscriber is None:
            continue
        key = subscriber.email.casefold()
        if key in seen:
            reader.add(
                item.where("email"),
                N_("duplicate subscriber '{email}' (first on line {line})"),
                field="email",
                email=subscriber.email,
                line=seen[key].line,
            )
            continue
        seen[key] = item.where("email")
        found.append(subscriber)
    problems = sorted(reader.problems, key=lambda p: (p.location.line or 0, p.location.column or 0))
    return found, problems


@dataclass
class SubscribersCheck:
    """What ``validate`` reports about the subscribers file."""

    path: str
    found: bool
    subscribers: list[Subscriber]
    errors: list[Problem]


def check_subscribers(path: str | Path, settings: Settings) -> SubscribersCheck:
    """Read and check the subscribers file; a missing one means no subscribers."""
    if not Path(path).exists():
        return SubscribersCheck(str(path), False, [], [])
    try:
        data = load(path)
    except YamlFileError as error:
        return SubscribersCheck(str(path), True, [], [error.problem])
    subscribers, problems = parse(data, str(path), settings)
    return SubscribersCheck(str(path), True, subscribers, problems)


def load_subscribers(path: str | Path, settings: Settings) -> list[Subscriber]:
    """The subscribers, or SubscribersError with every problem. A missing file
    means no subscribers (the service runs without alerts)."""
    checked = check_subscribers(path, settings)
    if checked.errors:
        raise SubscribersError(checked.errors)
    return checked.subscribers


def check_text(checked: SubscribersCheck, lang: str) -> str:
    """The lines ``validate`` prints about the subscribers file."""
    if not checked.found:
        return (
            gettext("No subscribers file at {path}: nothing to send.", lang).format(path=checked.path) + "\n"
        )
    lines = [gettext("error", lang) + ": " + found.render(lang) for found in checked.errors]
    count = len(checked.errors)
    if count:
        lines.append(
            ngettext("{path}: {count} error.", "{path}: {count} errors.", count, lang).format(
                path=checked.path, count=count
            )
        )
    else:
        number = len(checked.subscribers)
        lines.append(
            ngettext(
                "{path}: valid, {count} subscriber.", "{path}: valid, {count} subscribers.", number, lang
            ).format(path=checked.path, count=number)
        )
    return "\n".join(lines) + "\n"


def check_dict(checked: SubscribersCheck, lang: str) -> dict[str, object]:
    """The same for ``validate --format json``."""
    return {
        "file": checked.path,
        "found": checked.found,
        "valid": not checked.errors,
        "subscribers": len(checked.subscribers),
        "errors": [found.as_dict(lang) for found in checked.errors],
    }
