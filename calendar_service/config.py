"""Settings: one schema read from the defaults, a TOML file, the environment and
command-line flags, in that order (later wins). Radicale's DEFAULT_CONFIG_SCHEMA
is the model: the same table drives every source and the README."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import stat
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .errors import ConfigError, Location, problem
from .i18n import LANGUAGES, N_, Language, Msg
from .model import LeadTimes

DEFAULT_CONFIG_FILE = "calendar-service.toml"
# One SMTP delivery attempt may take at most this many SMTP timeouts in all
# (connect and greeting, TLS and login, envelope, message and reply).
ATTEMPT_OPERATIONS = 4
LEASE_MARGIN_SECONDS = 2


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(Msg(N_("expected one of: ")), ", ".join(allowed))
        return value

    return parse


def _boolean(value: str) -> bool:
    """true/false (also yes/no, on/off, 1/0, any case); TOML's true arrives as "True"."""
    text = value.strip().casefold()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError(Msg(N_("expected true or false")))


def _language(value: str) -> Language:
    return Language(_choice(*LANGUAGES)(value))


def _integer(value: str) -> int:
    """A whole number in ASCII digits (int() also reads full-width digits and 1_000)."""
    text = value.strip()
    if not re.fullmatch(r"-?[0-9]{1,18}", text):
        raise ValueError(Msg(N_("expected a whole number")))
    return int(text)


def _bounded(low: int, high: int, message: str) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``; ``message`` (a msgid that states
    the range) is the reason given for anything else."""

    def parse(value: str) -> int:
        number = _integer(value)
        if not low <= number <= high:
            raise ValueError(Msg(message))
        return number

    return parse


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?")
_URL_PATH = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@/%-]*")  # RFC 3986 path characters
_DRIVERS = ("sqlite", "postgresql", "postgresql+psycopg")  # postgresql is read with psycopg 3


def _line(value: str) -> str:
    """Text of one line: no line breaks or other control characters."""
    if _CONTROL.search(value):
        raise ValueError(Msg(N_("expected one line without control characters")))
    return value


def _path(value: str) -> Path:
    return Path(_line(value))


def http_address(value: str, *, query: bool = False) -> str:
    """An http(s) address to write as is into feeds, mail headers and pages:
    ASCII, a host (name, IPv4 or bracketed IPv6) and valid port, RFC 3986
    path characters, no user name, and a query or fragment only if ``query``.
    ValueError (with the reason) for anything else."""
    if not re.match(r"https?://", value):
        raise ValueError(Msg(N_("expected an http:// or https:// address")))
    if not value.isascii() or re.search(r"[\x00-\x20\x7f]", value):
        raise ValueError(
            Msg(N_("expected an http:// or https:// address in ASCII, without spaces or control characters"))
        )
    parts = urlsplit(value)
    if (
        not _host(parts)
        or "@" in parts.netloc
        or not _URL_PATH.fullmatch(parts.path)
        or (not query and ("?" in value or "#" in value))
        or not _URL_PATH.fullmatch(parts.query.replace("?", "") + parts.fragment.replace("?", ""))
    ):
        raise ValueError(
            Msg(
                N_(
                    "expected an http:// or https:// address with a host name, and no user name, query or fragment"
                )
            )
        )
    return value


def _url(value: str) -> str:
    """The public base URL: no query or fragment, no final slash."""
    return http_address(value).rstrip("/")


def _host(parts) -> bool:
    """A host name, an IPv4 address or a bracketed IPv6 address, and a valid port if any."""
    try:
        parts.port  # noqa: B018 - ValueError for a port out of range or not a number
    except ValueError:
        return False
    host = parts.hostname or ""
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return bool(_HOST_NAME.fullmatch(host))


def _database_url(value: str) -> str:
    """An SQLAlchemy URL of a database this service runs on: SQLite or PostgreSQL (psycopg 3)."""
    try:
        url = make_url(_line(value))
    except (ArgumentError, ValueError):
        raise ValueError(
            Msg(
                N_(
                    "expected a database URL such as sqlite:///var/calendar.sqlite3 or postgresql://user@host/db"
                )
            )
        ) from None
    if url.drivername not in _DRIVERS:
        raise ValueError(Msg(N_("unsupported database; use one of: ")), ", ".join(_DRIVERS))
    return value


NOT_ASCII_LOCAL_PART = N_(
    "the part before @ must be ASCII: this service does not send internationalised (SMTPUTF8) mail"
)


def email_address(value: str) -> str:
    """An address mail is sent from or to (the sender, subscribers): checked
    by email-validator, without a DNS lookup. The part before @ must be ASCII
    (NOT_ASCII_LOCAL_PART); an international domain is kept in its ASCII
    (xn--) form. ValueError (with the reason) for anything else."""
    value = value.strip()
    local = value.rpartition("@")[0]
    if local and not local.isascii() and "<" not in value and " " not in value:
        raise ValueError(Msg(NOT_ASCII_LOCAL_PART))
    import email_validator  # imported when used: 0.1 s that most commands do not need

    try:
        checked = email_validator.validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except email_validator.EmailNotValidError:
        raise ValueError(Msg(N_("expected an email address such as lich@example.org"))) from None
    return value if value.isascii() else checked.ascii_email


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"


def _domain(value: str) -> str:
    """A UID domain: a host name (``lich.example.org``; the old fixed
    ``calendar-service`` is one label and stays valid)."""
    domain = value.strip().lower().rstrip(".")
    if len(domain) > 253 or not re.fullmatch(rf"{_LABEL}(?:\.{_LABEL})*", domain):
        raise ValueError(Msg(N_("expected a domain name such as lich.example.org")))
    return domain


def _mailbox(value: str) -> str:
    """A sender: ``lich@example.org`` or ``Lịch kỷ niệm <lich@example.org>``."""
    from email.utils import parseaddr

    name, address = parseaddr(value)
    if not address or "\n" in value or "\r" in value:
        raise ValueError(Msg(N_("expected an email address such as lich@example.org")))
    checked = email_address(address)  # the address itself, checked by email-validator
    return f"{name} <{checked}>" if name else checked


def _secret(value: str) -> str:
    if len(value) < 16:
        raise ValueError(Msg(N_("expected at least 16 characters")))
    return value


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(Msg(N_("unknown time zone"))) from None
    return value


def days_list(value: str) -> tuple[int, ...]:
    parts = [part for part in str(value).replace(" ", "").split(",") if part]
    if not all(re.fullmatch(r"[0-9]{1,4}", part) for part in parts):
        raise ValueError(Msg(N_("expected whole numbers of days separated by commas")))
    days = tuple(sorted({int(part) for part in parts}, reverse=True))
    if not days or any(not 0 < day <= 366 for day in days):
        raise ValueError(Msg(N_("expected whole numbers of days separated by commas")))
    return days


def _seconds(value: str) -> float:
    text = value.strip()
    number = float(text) if re.fullmatch(r"[0-9]{1,6}(?:\.[0-9]{1,9})?", text) else -1.0
    if not 0 <= number <= 3600:
        raise ValueError(Msg(N_("expected a number of seconds 0–3600")))
    return number


_HOURS = _bounded(1, 168, N_("expected a number of hours 1–168"))
_YEARS = _bounded(0, 50, N_("expected a number of years 0–50"))


@dataclass(frozen=True)
class Option:
    name: str
    parse: Callable[[str], object]
    default: object
    help: str
    secret: bool = False  # only from the environment, never a file
    flag: str | None = None  # the command-line flag that sets it, where there is one

    @property
    def env(self) -> str:
        return "CALENDAR_" + self.name.upper()

    @property
    def source(self) -> str:
        """How a value given on the command line is named in error messages."""
        return self.flag or "--" + self.name.replace("_", "-")


SCHEMA: tuple[Option, ...] = (
    Option("registry", _path, Path("data/events.yaml"), "the registry file", flag="--registry"),
    Option("subscribers", _path, Path("data/subscribers.yaml"), "the subscribers file"),
    Option("feeds_dir", _path, Path("feeds"), "where feeds are published"),
    Option(
        "base_url",
        _url,
        None,  # not given: the address the service listens on (listening_url)
        "public base URL for links in pages, feeds and mail (default: http://HOST:PORT the service listens on)",
    ),
    Option(
        "uid_domain",
        _domain,
        None,
        "domain of the feeds' UIDs: set once, never change (default: the host of the base URL)",
    ),
    Option(
        "secret_key",
        _secret,
        None,
        "key that signs unsubscribe links (default: one kept in the database)",
        secret=True,
    ),
    Option(
        "web_private",
        _boolean,
        False,
        "require sign-in to read the planning view and the feeds (feeds then need a per-user token)",
    ),
    Option(
        "proxy_hops",
        _bounded(0, 5, N_("expected a number of proxies 0–5")),
        0,
        "reverse proxies in front of the web service whose X-Forwarded-For is trusted (0: none)",
    ),
    Option(
        "database_url",
        _database_url,
        "sqlite:///var/calendar-service.sqlite3",
        "SQLAlchemy URL of the job store and ledger",
    ),
    Option("smtp_host", _line, None, "SMTP server (none: mail goes to the outbox)"),
    Option(
        "smtp_port",
        _bounded(1, 65535, N_("expected a port number 1–65535")),
        None,
        "SMTP port (default by security: 25, 587 or 465)",
    ),
    Option("smtp_user", _line, None, "SMTP user name"),
    Option("smtp_password", _line, None, "SMTP password", secret=True),
    Option("smtp_security", _choice("none", "starttls", "ssl"), "starttls", "none, starttls or ssl"),
    Option(
        "smtp_ca_file", _path, None, "CA certificates to trust for the SMTP server (default: the system's)"
    ),
    Option("mail_from", _mailbox, None, "sender address (required with SMTP)"),
    Option("outbox", _path, Path("var/outbox"), "folder for .eml files when no SMTP is set"),
    Option("timezone", _timezone, "Asia/Ho_Chi_Minh", "time zone of the schedule"),
    Option(
        "alert_hour", _bounded(0, 23, N_("expected an hour 0–23")), 7, "hour of the day the alerts go out"
    ),
    Option("language", _language, Language.VI, "language of messages: vi or en", flag="--lang"),
    Option("lead_times_tron", days_list, (90, 30, 7, 1), "lead times in days before a năm tròn"),
    Option("lead_times_chan", days_list, (30, 7, 1), "lead times in days before a năm chẵn"),
    Option("lead_times_yearly", days_list, (7, 1), "lead times in days before other anniversaries"),
    Option("window_years_back", _YEARS, 1, "feeds start on 1 January this many years back"),
    Option("window_years_ahead", _YEARS, 5, "feeds end on 31 December this many years ahead"),
    Option(
        "smtp_retries",
        _bounded(1, 10, N_("expected a number of attempts 1–10")),
        3,
        "delivery attempts per message within one run",
    ),
    Option("smtp_timeout_seconds", _seconds, 30.0, "network timeout for each SMTP operation"),
    Option("smtp_backoff_seconds", _seconds, 2.0, "first wait between attempts (doubles each time)"),
    Option(
        "claim_lease_seconds",
        _bounded(0, 7 * 24 * 3600, N_("expected a number of seconds 0–604800")),
        900,
        "after this, an alert left claimed by a dead process is retried",
    ),
    Option(
        "digest_weekday",
        _choice("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        "mon",
        "day of the weekly digest",
    ),
    Option("rebuild_hours", _HOURS, 6, "feeds are rebuilt this often (and when the registry changes)"),
    Option("refresh_hours", _HOURS, 12, "how often calendar clients should refresh feeds"),
    Option("host", _line, "127.0.0.1", "address the web service listens on", flag="--host"),
    Option(
        "port",
        _bounded(1, 65535, N_("expected a port number 1–65535")),
        8000,
        "port of the web service",
        flag="--port",
    ),
    Option(
        "workers",
        _bounded(1, 64, N_("expected a number of workers 1–64")),
        2,
        "web worker processes",
        flag="--workers",
    ),
)
OPTIONS = {option.name: option for option in SCHEMA}
DEFAULT_LEAD_TIMES = LeadTimes(
    OPTIONS["lead_times_tron"].default,
    OPTIONS["lead_times_chan"].default,
    OPTIONS["lead_times_yearly"].default,
)


@dataclass(frozen=True)
class Settings:
    registry: Path
    subscribers: Path
    feeds_dir: Path
    base_url: str
    uid_domain: str | None
    secret_key: str | None
    web_private: bool
    proxy_hops: int
    database_url: str
    smtp_host: str | None
    smtp_port: int | None
    smtp_user: str | None
    smtp_password: str | None
    smtp_security: str
    smtp_ca_file: Path | None
    mail_from: str | None
    outbox: Path
    timezone: str
    alert_hour: int
    language: Language
    lead_times_tron: tuple[int, ...]
    lead_times_chan: tuple[int, ...]
    lead_times_yearly: tuple[int, ...]
    window_years_back: int
    window_years_ahead: int
    smtp_retries: int
    smtp_timeout_seconds: float
    smtp_backoff_seconds: float
    claim_lease_seconds: int
    digest_weekday: str
    rebuild_hours: int
    refresh_hours: int
    host: str
    port: int
    workers: int

    @property
    def lead_times(self) -> LeadTimes:
        """The three lead-time settings as one value (kept as three for files and the environment)."""
        return LeadTimes(self.lead_times_tron, self.lead_times_chan, self.lead_times_yearly)


assert [f.name for f in fields(Settings)] == [o.name for o in SCHEMA]


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return None


MAX_CONFIG_BYTES = 2**20


def _read_config(path: Path) -> bytes:
    """A regular file of at most MAX_CONFIG_BYTES (opened without blocking: a
    named pipe is refused, not waited on); OSError with the reason otherwise."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(Msg(N_("not a regular file")))
        data = file.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise OSError(Msg(N_("larger than 1 MB")))
    return data


def _shown(option: Option, value: object) -> str:
    """A value as an error message may show it: never a secret or a database
    password, and control characters escaped so that the message stays one line."""
    if option.secret:
        return "***"
    text = str(value)
    if option.name == "database_url":
        text = re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", text)
    return _CONTROL.sub(lambda found: found[0].encode("unicode_escape").decode("ascii"), text)


def _from_file(path: Path) -> dict[str, tuple[object, Location]]:
    shown = str(path)
    try:
        text = _read_config(path).decode("utf-8")
    except FileNotFoundError:
        raise ConfigError([problem(Location(shown), N_("configuration file not found"))]) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.args[0] if isinstance(error.args[0], Msg) else str(error)
        raise ConfigError(
            [problem(Location(shown), N_("cannot read the configuration file: {reason}"), reason=reason)]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+), column (\d+)", str(error))
        where = Location(shown, int(found[1]), int(found[2])) if found else Location(shown)
        raise ConfigError([problem(where, N_("TOML syntax error: {detail}"), detail=str(error))]) from None
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise ConfigError([problem(Location(shown), N_("TOML nested too deeply"))]) from None
    values, problems = {}, []
    for key, value in data.items():
        where = Location(shown, _line_of(text, key))
        option = OPTIONS.get(key)
        if option is None:
            problems.append(
                problem(
                    where,
                    N_("unknown setting '{key}' (known: {known})"),
                    field=key,
                    key=key,
                    known=", ".join(OPTIONS),
                )
            )
        elif option.secret:
            problems.append(
                problem(
                    where,
                    N_("'{key}' is a secret: set {env} in the environment instead"),
                    field=key,
                    key=key,
                    env=option.env,
                )
            )
        elif isinstance(value, list) and all(isinstance(item, int) for item in value):
            values[key] = (",".join(map(str, value)), where)
        elif isinstance(value, (dict, list)):
            problems.append(problem(where, N_("expected a single value"), field=key))
        else:
            values[key] = (value, where)
    if problems:
        raise ConfigError(problems)
    return values


def load_settings(
    config_path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Settings from defaults, then the config file, then the environment, then
    ``overrides`` (command-line flags; None means not given)."""
    environ = os.environ if environ is None else environ
    raw: dict[str, tuple[object, Location | None]] = {}
    path = config_path or environ.get("CALENDAR_CONFIG")
    if path is None and Path(DEFAULT_CONFIG_FILE).exists():
        path = DEFAULT_CONFIG_FILE
    if path is not None:
        raw.update(_from_file(Path(path)))
    for option in SCHEMA:
        if environ.get(option.env):
            raw[option.name] = (environ[option.env], Location(f"${option.env}"))
    for name, value in (overrides or {}).items():
        if value is not None:
            raw[name] = (value, Location(OPTIONS[name].source))
    values, problems = {}, []
    for option in SCHEMA:
        if option.name not in raw:
            values[option.name] = option.default
            continue
        value, where = raw[option.name]
        try:
            values[option.name] = option.parse(str(value))
        except ValueError as error:
            reason, *extra = error.args
            problems.append(
                problem(
                    where,
                    N_("invalid value '{value}' for setting '{key}': {reason}{extra}"),
                    field=option.name,
                    value=_shown(option, value),
                    key=option.name,
                    reason=reason if isinstance(reason, Msg) else Msg(N_("not a valid value")),
                    extra="".join(extra),
                )
            )
    if not problems:
        timeout, backoff = (
            float(str(values["smtp_timeout_seconds"])),
            float(str(values["smtp_backoff_seconds"])),
        )
        needed = lease_needed(timeout, backoff, int(str(values["smtp_retries"])))
        if int(str(values["claim_lease_seconds"])) < needed:
            given = raw.get("claim_lease_seconds") or raw.get("smtp_timeout_seconds")
            where = given[1] if given and given[1] else Location("configuration")
            problems.append(
                problem(
                    where,
                    N_(
                        "a lease of {lease} s is shorter than one delivery attempt can take ({needed} s): "
                        "another run would send the same alert again; raise it or lower smtp_timeout_seconds"
                    ),
                    field="claim_lease_seconds",
                    lease=values["claim_lease_seconds"],
                    needed=needed,
                )
            )
    if not problems and values["smtp_host"] and not values["mail_from"]:
        problems.append(
            problem(
                raw["smtp_host"][1] or Location("configuration"),
                N_(
                    "an SMTP server is set but no sender: set CALENDAR_MAIL_FROM to an address "
                    "of your mail domain (servers refuse calendar-service@localhost)"
                ),
                field="mail_from",
            )
        )
    if problems:
        raise ConfigError(problems)
    if values["base_url"] is None:
        values["base_url"] = listening_url(values["host"], values["port"])
    return Settings(**values)


def lease_needed(timeout: float, backoff: float, retries: int) -> int:
    """The shortest claim lease that outlasts one delivery attempt and the wait
    before the next: the claim is renewed before every attempt."""
    longest_wait = backoff * 2 ** max(retries - 2, 0) if retries > 1 else 0.0
    return int(ATTEMPT_OPERATIONS * timeout + longest_wait + LEASE_MARGIN_SECONDS + 0.999)


# Addresses that mean "every interface" when listening; no one can open them.
ALL_INTERFACES = ("0.0.0.0", "::", "")


def listening_url(host: str, port: int) -> str:
    """The base URL of a service listening on ``host``:``port``, for when no
    base URL is configured: a wildcard address becomes this machine's
    loopback, which at least opens on the machine itself."""
    shown = "127.0.0.1" if host in ALL_INTERFACES else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # an IPv6 literal
    return f"http://{shown}:{port}"


def loopback_links(settings: Settings) -> bool:
    """True when links point at a loopback address (127.0.0.1, ::1,
    localhost) while the service listens on every interface: readers on
    other machines reach the service but not its links."""
    host = (urlsplit(settings.base_url).hostname or "").lower()
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return loopback and settings.host in ALL_INTERFACES


def local_today(settings: Settings, now: dt.datetime) -> dt.date:
    """The date it is at ``now`` (an aware datetime) in the configured time zone:
    the one "today" of the command line, the scheduler and the web service."""
    return now.astimezone(zoneinfo.ZoneInfo(settings.timezone)).date()
