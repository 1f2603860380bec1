"""The one small hierarchy of errors the service raises.

Each error carries the facts (where, which entry, which field) and renders one
plain sentence in the reader's language; the CLI prints that sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import Msg, gettext


@dataclass(frozen=True)
class Location:
    """A place in a text file: 1-based line and column."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class CalendarServiceError(Exception):
    """Base class: ``render(lang)`` gives the one sentence a user reads."""

    def render(self, lang: str = "vi") -> str:  # pragma: no cover - overridden
        return str(self)


@dataclass(frozen=True)
class Problem:
    """One finding about a data file (registry, subscribers, configuration).

    ``message`` is an English msgid with ``{placeholders}`` filled from
    ``params``; it is translated when rendered.
    """

    location: Location
    message: str
    params: tuple[tuple[str, object], ...] = ()
    entry_id: str | None = None
    field: str | None = None

    def text(self, lang: str) -> str:
        params = {
            key: gettext(value, lang) if isinstance(value, Msg) else value for key, value in self.params
        }
        return gettext(self.message, lang).format(**params)

    def render(self, lang: str = "vi") -> str:
        prefix = str(self.location) + ": "
        if self.entry_id and self.field:
            prefix += gettext("entry '{entry}', field '{field}': ", lang).format(
                entry=self.entry_id, field=self.field
            )
        elif self.entry_id:
            prefix += gettext("entry '{entry}': ", lang).format(entry=self.entry_id)
        elif self.field:
            prefix += gettext("field '{field}': ", lang).format(field=self.field)
        return prefix + self.text(lang)

    def as_dict(self, lang: str) -> dict[str, object]:
        return {
            "file": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "entry": self.entry_id,
            "field": self.field,
            "message": self.text(lang),
            "text": self.render(lang),
        }


def problem(location: Location, message: str, *, entry_id=None, field=None, **params) -> Problem:
    return Problem(location, message, tuple(params.items()), entry_id, field)


class DataError(CalendarServiceError):
    """A data file that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].render("en") if problems else "invalid data")
        self.problems = problems

    def render(self, lang: str = "vi") -> str:
        first = self.problems[0].render(lang)
        more = len(self.problems) - 1
        if more:
            first += " " + gettext("({count} more problems: run 'calendar-service validate')", lang).format(
                count=more
            )
        return first


class RegistryError(DataError):
    """The registry file is invalid."""


class ConfigError(DataError):
    """The configuration (file, environment or flags) is invalid."""


class UsageError(CalendarServiceError):
    """A command-line argument that cannot be used."""

    def __init__(self, message: str, **params: object):
        super().__init__(message.format(**params))
        self.message = message
        self.params = params

    def render(self, lang: str = "vi") -> str:
        return gettext(self.message, lang).format(**self.params)
