"""Coverages as the pages show them: badges, cards, the values of their forms
and a history in the reader's language (labels, display names and dates,
never the stored keys)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence

from babel.dates import format_time
from flask import url_for
from flask_babel import gettext as _

from ..dates.titles import day
from ..i18n import N_, Language
from ..model import Occurrence
from ..planning.accounts import Role, User
from ..planning.coverage import FIELDS, Change, Coverage, Format, Status
from ..planning.plans import default_due
from . import current
from .auth import current_user, stores

# The label of each field, as forms and the history name it.
FIELD_LABELS = {
    "desk": N_("Desk"),
    "assignees": N_("Assignees"),
    "format": N_("Format"),
    "angle": N_("Angle / working title"),
    "notes": N_("Notes"),
    "status": N_("Status"),
    "due": N_("Due"),
    "published_url": N_("Published at"),
    "id": N_("Coverage"),
    "year": N_("Year"),
    "entry_id": N_("Entry"),
}


def field_label(name: str) -> str:
    return _(FIELD_LABELS.get(name, name))


def display_names() -> dict[str, str]:
    """Every account's display name, by username."""
    return {user.username: user.display_name for user in stores().accounts.all()}


def assignable() -> list[User]:
    """The accounts a coverage can be assigned to: the active ones, by display name."""
    return sorted((u for u in stores().accounts.all() if u.active), key=lambda u: u.display_name.casefold())


def can_edit() -> bool:
    user = current_user()
    return user is not None and user.can(Role.EDITOR)


def when(moment: dt.datetime, lang: Language) -> str:
    """A moment in the service's time zone, its date as the pages write dates
    (vi: 1/3/2024, 09:30; en: 1 March 2024, 09:30)."""
    local = moment.astimezone(zoneinfo.ZoneInfo(current.state().settings.timezone))
    return f"{day(local.date(), lang)}, {format_time(local, 'HH:mm', locale=lang)}"


def _people(usernames: Sequence[str], names: Mapping[str, str]) -> str:
    return ", ".join(names.get(name, name) for name in usernames)


def badge(coverage: Coverage, names: Mapping[str, str], lang: Language) -> dict:
    """A small badge: the status, and who covers it."""
    return {
        "id": coverage.id,
        "status": coverage.status.value,
        "label": _(coverage.status.label),
        "who": _people(coverage.assignees, names) or coverage.desk,
        "url": url_for("pages.entry", event_id=coverage.entry_id, lang=lang) + f"#coverage-{coverage.id}",
    }


def card(coverage: Coverage, names: Mapping[str, str], lang: Language) -> dict:
    """Everything a reader sees of a coverage."""
    return {
        **badge(coverage, names, lang),
        "coverage": coverage,
        "entry_id": coverage.entry_id,
        "year": coverage.year,
        "desk": coverage.desk,
        "assignees": _people(coverage.assignees, names),
        "format": _(coverage.format.label),
        "angle": coverage.angle,
        "notes": coverage.notes,
        "due": day(coverage.due, lang) if coverage.due else "",
        "published_url": coverage.published_url,
        "version": coverage.version,
        "updated": when(coverage.updated_at, lang),
        "updated_by": names.get(coverage.updated_by, coverage.updated_by),
        "history_url": url_for("pages.coverage_history", coverage_id=coverage.id, lang=lang),
        "form": form_values(coverage),
    }


def shown_value(name: str, value: object, names: Mapping[str, str], lang: Language) -> str:
    """A stored (JSON) value of a field, as a reader reads it."""
    if value in (None, "", []):
        return "—"
    if name == "status":
        try:
            return _(Status(str(value)).label)
        except ValueError:
            return str(value)
    if name == "format":
        try:
            return _(Format(str(value)).label)
        except ValueError:
            return str(value)
    if name == "assignees" and isinstance(value, (list, tuple)):
        return _people([str(v) for v in value], names)
    if name == "due":
        try:
            return day(dt.date.fromisoformat(str(value)), lang)
        except ValueError:
            return str(value)
    return str(value)


def history(changes: Sequence[Change], names: Mapping[str, str], lang: Language) -> list[dict]:
    """The history, newest first, each change field by field."""
    return [
        {
            "version": change.version,
            "created": change.action == "created",
            "who": names.get(change.changed_by, change.changed_by),
            "when": when(change.changed_at, lang),
            "fields": [
                {
                    "label": field_label(name),
                    "before": shown_value(name, before, names, lang),
                    "after": shown_value(name, after, names, lang),
                }
                for name in FIELDS
                if name in change.changes
                for before, after in [change.changes[name]]
            ],
        }
        for change in reversed(changes)
    ]


def form_values(coverage: Coverage | None = None, due: dt.date | None = None) -> dict:
    """A form's values: a coverage's, or a new one's (due on ``due``)."""
    if coverage is None:
        return {
            "desk": "",
            "assignees": [],
            "format": Format.ARTICLE.value,
            "angle": "",
            "notes": "",
            "status": Status.IDEA.value,
            "due": due.isoformat() if due else "",
            "published_url": "",
        }
    return {
        name: ("" if value is None else value)
        for name, value in coverage.values().items()  # JSON-friendly: lists, ISO dates
    }


def new_form_values(occurrence: Occurrence) -> dict:
    settings = current.state().settings
    return form_values(due=default_due(occurrence.date, occurrence.milestone, settings.lead_times))


def choices() -> dict:
    """The options of a coverage form's selects."""
    return {
        "statuses": [(s.value, _(s.label)) for s in Status],
        "formats": [(f.value, _(f.label)) for f in Format],
        "people": [(u.username, u.display_name) for u in assignable()],
    }
