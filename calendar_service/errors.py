"""The one small hierarchy of errors the service raises.

Each error carries the facts (where, which entry, which field) and renders one
plain sentence in the reader's language; the CLI prints that sentence.

    CalendarServiceError
    ├── DataError (every Problem found in a data file)
    │   ├── RegistryError, SubscribersError, ConfigError
    │   └── YamlFileError (the one Problem that stops reading a YAML file)
    ├── UsageError (a command-line argument)
    ├── DocumentError (a document given to `extract` that cannot be read)
    ├── ParameterError (a web query parameter; web.params.BadParameter adds the 400)
    ├── ListenError (the web service's address and port)
    ├── PublishError (writing the feeds)
    ├── StampsMoved (another build stamped the same events meanwhile: built again)
    ├── DeliveryError (sending a message)
    ├── LedgerError (the database cannot be reached or used: the driver's reason)
    └── DatabaseError (the database's schema or its scheduler lock: our reason)

Only ``i18n`` is imported from the package: every stage may raise these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .i18n import N_, Msg, gettext


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


class SubscribersError(DataError):
    """The subscribers file is invalid."""


class ConfigError(DataError):
    """The configuration (file, environment or flags) is invalid."""


class YamlFileError(DataError):
    """A YAML file that cannot be read at all (missing, not UTF-8, bad syntax,
    a duplicate key): its one ``problem``. The loaders that read YAML catch it
    and report the problem as theirs (RegistryError, SubscribersError)."""

    def __init__(self, found: Problem):
        super().__init__([found])
        self.problem = found


class UsageError(CalendarServiceError):
    """A command-line argument that cannot be used."""

    def __init__(self, message: str, **params: object):
        super().__init__(message.format(**params))
        self.message = message
        self.params = params

    def render(self, lang: str = "vi") -> str:
        return gettext(self.message, lang).format(**self.params)


class DocumentError(CalendarServiceError):
    """A document given to ``extract`` cannot be read (missing, of a type the
    intake does not read, damaged, or without text)."""

    def __init__(self, path: Path | str, message: str, **params: object):
        super().__init__(f"{path}: " + message.format(**params))
        self.path, self.message, self.params = str(path), message, params

    def render(self, lang: str = "vi") -> str:
        return gettext("{path}: cannot read the document: {reason}", lang).format(
            path=self.path, reason=gettext(self.message, lang).format(**self.params)
        )


class ParameterError(CalendarServiceError):
    """A query parameter of the web pages or the API that cannot be used.

    ``lang`` is the language of the sentence given to the exception itself
    (the description of the web service's 400)."""

    def __init__(self, name: str, message: str, lang: str, **params: object):
        self.parameter, self.message, self.params = name, message, params
        super().__init__(self.render(lang))

    def render(self, lang: str = "vi") -> str:
        return gettext("Parameter '{name}': ", lang).format(name=self.parameter) + gettext(
            self.message, lang
        ).format(**self.params)


class ListenError(CalendarServiceError):
    """The web service cannot listen on ``host``:``port``. ``reason`` is
    ``in-use``, ``denied``, ``not-here`` or the system's own words."""

    MESSAGES = {
        "in-use": N_(
            "port {port} on {host} is already in use: stop the program using it, or choose another port with --port"
        ),
        "denied": N_(
            "not allowed to listen on port {port} (ports below 1024 need administrator rights): choose another port with --port"
        ),
        "not-here": N_("cannot listen on {host}: it is not an address of this machine (see --host)"),
    }

    def __init__(self, host: str, port: int, reason: str):
        super().__init__(f"{host}:{port}: {reason}")
        self.host, self.port, self.reason = host, port, reason

    def render(self, lang: str = "vi") -> str:
        message = self.MESSAGES.get(self.reason, N_("cannot listen on {host}:{port}: {reason}"))
        return gettext(message, lang).format(host=self.host, port=self.port, reason=self.reason)


class PublishError(CalendarServiceError):
    """Writing the feeds failed; the files already published stay as they were."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def render(self, lang: str = "vi") -> str:
        # The reason is the system's (a full disk), or one of ours (in the catalogs).
        reason = gettext(self.reason, lang)
        return gettext("{path}: cannot publish: {reason}", lang).format(path=self.path, reason=reason)


class StampsMoved(CalendarServiceError):
    """Another build wrote stamps of events this build decided, since it read
    them: ``feeds.publish`` makes the build again with them (and gives up with
    a PublishError after a few attempts)."""

    def render(self, lang: str = "vi") -> str:
        return gettext("other builds kept changing the same stamps; try again", lang)


class DeliveryError(CalendarServiceError):
    """A message could not be delivered (after the retries of this run)."""

    def __init__(self, recipient: str, reason: str):
        super().__init__(f"{recipient}: {reason}")
        self.recipient, self.reason = recipient, reason

    def render(self, lang: str = "vi") -> str:
        return gettext("cannot deliver to {recipient}: {reason}", lang).format(
            recipient=self.recipient, reason=self.reason
        )


class DeliveryRejected(DeliveryError):
    """The server refused the message for good (a 5xx reply): not retried."""


class DeliveryUncertain(DeliveryError):
    """The message was handed over (DATA sent) but no reply came: the server may
    have stored it. Never resent automatically; an operator decides."""


class ClaimLost(CalendarServiceError):
    """Another run took over this alert's claim: this run must not send it."""


class LedgerError(CalendarServiceError):
    """The ledger's database cannot be used (``url`` is shown without its password)."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url, self.reason = url, reason

    def render(self, lang: str = "vi") -> str:
        return gettext("database {url}: {reason}", lang).format(url=self.url, reason=self.reason)


class DatabaseError(CalendarServiceError):
    """The database is reachable but cannot be used as it is: its schema is
    newer than this release or cannot be upgraded, or (SQLite) another
    scheduler holds it. ``url`` is shown without its password; ``message`` is
    a msgid filled from ``params``."""

    def __init__(self, url: str, message: str, **params: object):
        super().__init__(f"{url}: {message.format(**params)}")
        self.url, self.message, self.params = url, message, params

    def render(self, lang: str = "vi") -> str:
        reason = gettext(self.message, lang).format(**self.params)
        return gettext("database {url}: {reason}", lang).format(url=self.url, reason=reason)


class AccountError(CalendarServiceError):
    """An account or a password that cannot be used (``message`` is a msgid filled from ``params``)."""

    def __init__(self, message: str, **params: object):
        super().__init__(message.format(**params))
        self.message, self.params = message, params

    def render(self, lang: str = "vi") -> str:
        return gettext(self.message, lang).format(**self.params)


class CoverageError(AccountError):
    """A coverage field that cannot be used: ``field`` names it."""

    def __init__(self, field: str, message: str, **params: object):
        super().__init__(message, **params)
        self.field = field


class CoverageConflict(CalendarServiceError):
    """A coverage was saved by someone else since the version being edited:
    ``current`` is what is stored now, ``attempted`` the changes not saved."""

    def __init__(self, current: object, attempted: dict[str, object]):
        super().__init__(f"coverage {getattr(current, 'id', '?')} changed since it was opened")
        self.current, self.attempted = current, attempted
