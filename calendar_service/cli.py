"""The ``calendar-service`` command: parses arguments, calls the pipeline, prints.

Errors are caught in one place (``_run``): the user reads one plain line and the
command exits 1; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import click

from . import __version__, cli_users, jobs
from .cli_usage import CalendarGroup
from .config import (
    ALL_INTERFACES,
    OPTIONS,
    Settings,
    listening_url,
    load_settings,
    local_today,
    loopback_links,
)
from .dates.anniversaries import Query, unverified, upcoming
from .dates.bounds import FIRST_DAY, LAST_DAY, covered, parse_count, parse_date
from .dates.text import occurrence_dict, upcoming_text
from .errors import CalendarServiceError, UsageError
from .feeds.publish import summary
from .i18n import LANGUAGES, N_, Language, gettext, ngettext
from .model import MilestoneFilter
from .registry.checks import check, load_registry
from .registry.report import to_json, validation_json, validation_text

MAX_DAYS = 36600


def settings_options(*names: str) -> Callable[[Callable], Callable]:
    """Command-line flags generated from the settings schema (as Radicale does):
    the flag, its help and its environment variable come from one table, and a
    value given is parsed and checked there like any other source."""

    def decorate(command: Callable) -> Callable:
        for name in reversed(names):
            option = OPTIONS[name]
            command = click.option(
                option.source,
                name,
                default=None,
                metavar=name.upper(),
                help=f"{option.help[:1].upper()}{option.help[1:]} (${option.env}; default: {option.default}).",
            )(command)
        return command

    return decorate


def _common(command: Callable) -> Callable:
    """Options every command takes, and the one place errors are reported."""

    @settings_options("registry", "language")
    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Configuration file (TOML).",
    )
    @click.option("--debug", is_flag=True, help="Show a traceback on errors.")
    @functools.wraps(command)
    def wrapper(config_path, debug, **kwargs):
        click.get_current_context().meta["config_path"] = config_path
        overrides = {name: kwargs.pop(name) for name in list(kwargs) if name in OPTIONS}
        shown = overrides.get("language") if overrides.get("language") in LANGUAGES else "vi"
        try:
            settings = load_settings(config_path, overrides=overrides)
            shown = settings.language
            return command(settings, settings.language, **kwargs)
        except CalendarServiceError as error:
            if debug:
                raise
            click.echo(error.render(shown), err=True)
            sys.exit(1)

    return wrapper


def _now() -> dt.datetime:
    """The real clock: read only here, at the edge, and passed in."""
    return dt.datetime.now(dt.UTC)


def _today(settings: Settings) -> dt.date:
    return local_today(settings, _now())


def _date(value: str | None, option: str) -> dt.date | None:
    """A date given on the command line: YYYY-MM-DD in ASCII digits, from
    1900-01-01 to 2200-12-31 (``dates.bounds``)."""
    if value is None:
        return None
    day = parse_date(value)
    if day is None:
        raise UsageError(
            N_("{option}: '{value}' is not a real date in the form YYYY-MM-DD"), option=option, value=value
        )
    if not covered(day):
        raise UsageError(
            N_("{option}: {value} is outside the dates this service covers ({first} to {last})"),
            option=option,
            value=value,
            first=FIRST_DAY.isoformat(),
            last=LAST_DAY.isoformat(),
        )
    return day


@click.group(cls=CalendarGroup)
@click.version_option(__version__, prog_name="calendar-service")
def main() -> None:
    """Anniversary and commemoration calendar service."""


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@settings_options("subscribers")
@_common
def validate(settings: Settings, lang: Language, fmt: str) -> None:
    """Check the registry (schema, dates, ids, sources, conflicts, coverage) and the subscribers file."""
    from .alerts.subscribers import check_dict, check_subscribers, check_text

    report = check(settings.registry)
    people = check_subscribers(settings.subscribers, settings)
    if fmt == "json":
        click.echo(validation_json(report, lang, {"subscribers": check_dict(people, lang)}), nl=False)
    else:
        click.echo(validation_text(report, lang) + check_text(people, lang), nl=False)
    sys.exit(0 if report.ok and not people.errors else 1)


@main.command("upcoming")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (default: today).")
@click.option("--days", default="30", show_default=True, help="How many days.")
@click.option("--category", "categories", multiple=True, help="Only this category (repeatable).")
@click.option(
    "--country", "countries", multiple=True, help="Only this partner country, ISO code (repeatable)."
)
@click.option("--milestones", is_flag=True, help="Only năm tròn and năm chẵn.")
@click.option("--text", help="Only entries whose title contains this text (accents optional).")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="Only this scope: national, or a province the registry declares, e.g. lam-dong (repeatable).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_common
def upcoming_command(
    settings: Settings, lang: Language, start, days, categories, countries, milestones, text, scopes, fmt
):
    """List the anniversaries of the coming days."""
    from .model import CATEGORIES
    from .registry.fields import COUNTRIES

    today = _date(start, "--from") or _today(settings)
    days = parse_count(days)
    if days is None or not 1 <= days <= MAX_DAYS:
        raise UsageError(N_("--days: expected a number from 1 to {max}"), max=MAX_DAYS)
    last = today + dt.timedelta(days=days - 1)
    if last > LAST_DAY:
        raise UsageError(
            N_("--days: the period would end on {end}, after {last}"),
            end=last.isoformat(),
            last=LAST_DAY.isoformat(),
        )
    for category in categories:
        if category not in CATEGORIES:
            raise UsageError(
                N_("--category: unknown category '{value}' (known: {known})"),
                value=category,
                known=", ".join(CATEGORIES),
            )
    countries = tuple(code.upper() for code in countries)
    for code in countries:
        if code not in COUNTRIES:
            raise UsageError(N_("--country: unknown country code '{value}'"), value=code)
    registry = load_registry(settings.registry)
    known = registry.known_scopes()
    for scope in scopes:
        if scope not in known:
            raise UsageError(
                N_("--scope: unknown scope '{value}' (known: {known})"), value=scope, known=", ".join(known)
            )
    milestone_filter = MilestoneFilter.MILESTONES if milestones else MilestoneFilter.ALL
    query = Query(frozenset(categories), frozenset(countries), milestone_filter, text, frozenset(scopes))
    found = upcoming(registry, today, days, query)
    if fmt == "json":
        click.echo(to_json([occurrence_dict(o, lang) for o in found]), nl=False)
        return
    click.echo(
        upcoming_text(found, unverified(registry, today.year, last.year, query), today, lang, registry),
        nl=False,
    )


@main.command()
@click.argument("document", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "yaml"]), default="text")
@click.option("--year", type=int, help="The year the document is about (default: read from it).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this new file instead (never overwrites).",
)
@click.option(
    "--save-text",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also save the document's text to this new file (a registry document's file).",
)
@_common
def extract(settings: Settings, lang: Language, document: Path, fmt: str, year, out, save_text) -> None:
    """Propose registry entries from a guidance document (.txt, .pdf, .docx).

    The registry is never changed: the proposals are printed (or written to
    the new file --out) for an editor to review."""
    from .intake.output import run as run_extract

    text = run_extract(document, load_registry(settings.registry), fmt, lang, year, out, save_text)
    if text is not None:
        click.echo(text, nl=False)


@main.command()
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Feeds directory (default: feeds/)."
)
@click.option("--today", metavar="YYYY-MM-DD", help="Build as if today were this date.")
@_common
def build(settings: Settings, lang: Language, out: Path | None, today: str | None) -> None:
    """Publish the iCalendar feeds (only files whose content changed are written)."""
    day = _date(today, "--today") or _today(settings)
    if not sys.stderr.isatty():
        result = jobs.rebuild_feeds(settings, day, _now(), out)
    else:
        with click.progressbar(length=1, label=gettext("Writing feeds", lang), file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            result = jobs.rebuild_feeds(settings, day, _now(), out, progress=progress)
    click.echo(summary(result, lang))


def _mail_command(job, settings: Settings, lang: Language, today: str | None, dry_run: bool) -> None:
    day = _date(today, "--today") or _today(settings)
    done = job(settings, day, _now(), dry_run=dry_run, clock=_now)
    if not done.subscribers_file_found:
        click.echo(
            gettext("No subscribers file at {path}: nothing to send.", lang).format(
                path=settings.subscribers
            ),
            err=True,
        )
    report = done.report
    if dry_run:
        for outgoing in report.planned:
            click.echo(f"{outgoing.recipient}\t{outgoing.message['Subject']}")
        count = len(report.planned)
        click.echo(
            ngettext(
                "Dry run: {count} message would be sent; nothing was sent or recorded.",
                "Dry run: {count} messages would be sent; nothing was sent or recorded.",
                count,
                lang,
            ).format(count=count)
        )
        return
    for line in report.sent:
        click.echo(line)
    if done.outbox is not None and report.sent:
        click.echo(
            gettext(
                "No SMTP server is set (CALENDAR_SMTP_HOST): the messages were written to {path} as .eml files.",
                lang,
            ).format(path=Path(done.outbox).resolve()),
            err=True,
        )
    for line in report.failed:
        click.echo(gettext("failed, will retry: {what}", lang).format(what=line), err=True)
    for line in report.rejected:
        click.echo(gettext("refused by the server, not retried: {what}", lang).format(what=line), err=True)
    for line in report.uncertain:
        click.echo(
            gettext("delivery uncertain (the server may have it), not resent: {what}", lang).format(
                what=line
            ),
            err=True,
        )
    click.echo(run_summary(report, lang))
    if report.outstanding:
        _echo_outstanding(report.outstanding, lang)
    if not report.ok:
        sys.exit(1)


def run_summary(report, lang: Language) -> str:
    """One line: what was sent (and how many of those late), what was already done."""
    sent = len(report.sent)
    parts = [ngettext("{count} message sent", "{count} messages sent", sent, lang).format(count=sent)]
    if report.late:
        parts[0] += ngettext(" ({count} of them late)", " ({count} of them late)", report.late, lang).format(
            count=report.late
        )
    parts.append(gettext("{count} already done", lang).format(count=report.skipped))
    if report.unsubscribed:
        count = len(report.unsubscribed)
        parts.append(
            ngettext(
                "{count} unsubscribed address skipped", "{count} unsubscribed addresses skipped", count, lang
            ).format(count=count)
        )
    if report.failed:
        count = len(report.failed)
        parts.append(ngettext("{count} failed", "{count} failed", count, lang).format(count=count))
    if report.rejected:
        count = len(report.rejected)
        parts.append(ngettext("{count} refused", "{count} refused", count, lang).format(count=count))
    if report.uncertain:
        count = len(report.uncertain)
        parts.append(ngettext("{count} uncertain", "{count} uncertain", count, lang).format(count=count))
    return "; ".join(parts) + "."


_STATES = {
    "failed": N_("failed, waiting for a retry"),
    "rejected": N_("refused by the server"),
    "uncertain": N_("delivery uncertain"),
}


def _echo_outstanding(rows: list[dict], lang: Language) -> None:
    count = len(rows)
    click.echo(
        ngettext(
            "{count} message needs attention (resend: calendar-service ledger resend NUMBER; "
            "give up: calendar-service ledger dismiss NUMBER):",
            "{count} messages need attention (resend: calendar-service ledger resend NUMBER; "
            "give up: calendar-service ledger dismiss NUMBER):",
            count,
            lang,
        ).format(count=count),
        err=True,
    )
    for row in rows:
        click.echo(
            f"  #{row['id']}  {row['kind']}  {row['subscriber']}  {row['occurrence']}"
            f"  {gettext(_STATES[row['state']], lang)}: {row['last_error'] or ''}",
            err=True,
        )


_today_option = click.option("--today", metavar="YYYY-MM-DD", help="Run as if today were this date.")
_dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would be sent; send and record nothing."
)


@main.command()
@_today_option
@_dry_run_option
@_common
def alerts(settings: Settings, lang: Language, today: str | None, dry_run: bool) -> None:
    """Send the lead-time alerts that are due (each once)."""
    _mail_command(jobs.send_alerts, settings, lang, today, dry_run)


@main.command()
@_today_option
@_dry_run_option
@_common
def digest(settings: Settings, lang: Language, today: str | None, dry_run: bool) -> None:
    """Send this week's planning digest (the next 8 weeks), once per subscriber."""
    _mail_command(jobs.send_digest, settings, lang, today, dry_run)


@main.group()
def ledger() -> None:
    """Messages that failed, were refused, or may or may not have arrived."""


@ledger.command("list")
@_common
def ledger_list(settings: Settings, lang: Language) -> None:
    """List the messages that need attention (exit 1 if there are any)."""
    rows = jobs.outstanding(settings)
    if not rows:
        click.echo(gettext("Nothing needs attention.", lang))
        return
    _echo_outstanding(rows, lang)
    sys.exit(1)


@ledger.command("resend")
@click.argument("number", type=int)
@_common
def ledger_resend(settings: Settings, lang: Language, number: int) -> None:
    """Send a failed, refused or uncertain message again (same Message-ID)."""
    report = jobs.resend(settings, number, _now(), _now)
    for line in report.sent:
        click.echo(line)
    for line in report.failed + report.rejected + report.uncertain:
        click.echo(gettext("not delivered: {what}", lang).format(what=line), err=True)
    if not report.sent:
        sys.exit(1)


@ledger.command("dismiss")
@click.argument("number", type=int)
@_common
def ledger_dismiss(settings: Settings, lang: Language, number: int) -> None:
    """Give up on a failed, refused or uncertain message: it is no longer reported."""
    jobs.dismiss(settings, number, _now())
    click.echo(gettext("Message {id} dismissed.", lang).format(id=number))


@main.group("db")
def db_group() -> None:
    """The shared database (ledger, feed stamps, job store) and its schema."""


@db_group.command("upgrade")
@_common
def db_upgrade(settings: Settings, lang: Language) -> None:
    """Bring the database's schema to the newest revision (run, scheduler, serve,
    build, alerts and digest also do it before they use the database)."""
    from .db import Database, upgrade

    database = Database(settings.database_url)
    try:
        done = upgrade(database)
    finally:
        database.dispose()
    if not done.changed:
        message = gettext(
            "Database {url}: schema at revision {revision}, the newest this version knows.", lang
        )
    elif done.before is None:
        message = gettext("Database {url}: schema upgraded to revision {revision}.", lang)
    else:
        message = gettext("Database {url}: upgraded from revision {before} to {revision}.", lang)
    click.echo(message.format(url=database.shown, revision=done.after, before=done.before))


@db_group.command("current")
@_common
def db_current(settings: Settings, lang: Language) -> None:
    """Show the database's schema revision and the newest this version knows."""
    from .db import Database, current_revision, head_revision
    from .db.migrate import refuse_newer

    database = Database(settings.database_url)
    try:
        revision = current_revision(database)
    finally:
        database.dispose()
    refuse_newer(database, revision)
    head = head_revision()
    if revision == head:
        message = gettext(
            "Database {url}: schema at revision {revision}, the newest this version knows.", lang
        )
    elif revision is None:
        message = gettext(
            "Database {url}: no schema revision recorded yet; this version knows up to {head}: "
            "run 'calendar-service db upgrade'.",
            lang,
        )
    else:
        message = gettext(
            "Database {url}: schema at revision {revision}; this version knows up to {head}: "
            "run 'calendar-service db upgrade'.",
            lang,
        )
    click.echo(message.format(url=database.shown, revision=revision, head=head))


def _upgrade_database(settings: Settings) -> None:
    """Bring the schema up to date before serving (or refuse with one line)."""
    from .db import open_database

    open_database(settings.database_url).dispose()


@main.command("unsubscribed")
@click.option("--remove", metavar="EMAIL", help="Send alerts and digests to this address again.")
@_common
def unsubscribed_command(settings: Settings, lang: Language, remove: str | None) -> None:
    """List the addresses that unsubscribed with the link in their mail."""
    found = jobs.unsubscribed(settings, remove)
    if remove is not None:
        click.echo(gettext("{email} receives alerts and digests again.", lang).format(email=remove))
    for address, when in sorted(found.items()):
        click.echo(f"{address}\t{when.isoformat(timespec='seconds')}")
    if remove is None and not found:
        click.echo(gettext("No address has unsubscribed.", lang))


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


@main.command("scheduler")
@_common
def scheduler_command(settings: Settings, lang: Language) -> None:
    """Run the scheduler alone (alerts, digest, feed rebuilds) until stopped."""
    from .scheduler import ZonedFormatter, run_forever

    handler = logging.StreamHandler()
    handler.setFormatter(ZonedFormatter(settings.timezone))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    run_forever(
        settings,
        _context_config(),
        {"registry": settings.registry},
        _stop_on_signals(),
        started=lambda: click.echo(gettext("Scheduler running; stop with Ctrl+C.", lang), err=True),
    )


def _ensure_feeds(settings: Settings, lang: Language) -> None:
    """Publish the feeds before serving when there are none yet, or when they
    were published with other links (another port or base URL): the
    subscribe page and the feeds then show the address this server has."""
    from .feeds.record import INDEX_FILE

    try:
        index = json.loads((Path(settings.feeds_dir) / INDEX_FILE).read_text(encoding="utf-8"))
        links = [item["url"] for item in index["feeds"]]
    except (OSError, ValueError, KeyError, TypeError):
        links = []
    if not links or not all(link.startswith(settings.base_url + "/") for link in links):
        click.echo(summary(jobs.rebuild_feeds(settings, _today(settings), _now()), lang), err=True)


def _start_web(settings: Settings, lang: Language, companion: list[str] | None = None) -> None:
    """Check the address, publish what is missing, say where the pages are, serve."""
    from .web.server import check_address, serve

    check_address(settings.host, settings.port)
    _upgrade_database(settings)
    _ensure_feeds(settings, lang)
    if (
        settings.base_url == listening_url(settings.host, settings.port)
        and settings.host not in ALL_INTERFACES
    ):
        line = gettext("Serving on {url}/", lang).format(url=settings.base_url)
    else:
        line = gettext("Listening on {host}:{port}; links in pages, feeds and mail use {url}/", lang).format(
            host=settings.host, port=settings.port, url=settings.base_url
        )
    click.echo(line, err=True)
    if loopback_links(settings):
        click.echo(
            gettext(
                "Links use {url}, which opens only on this machine, though the service listens on every "
                "interface: set CALENDAR_BASE_URL to the address readers use.",
                lang,
            ).format(url=settings.base_url),
            err=True,
        )
    serve(settings, companion=companion)


@main.command()
@settings_options("host", "port", "workers")
@_common
def serve(settings: Settings, lang: Language) -> None:
    """Serve the web pages, the API and the feeds with gunicorn."""
    _start_web(settings, lang)


@main.command()
@settings_options("host", "port", "workers")
@_common
def run(settings: Settings, lang: Language) -> None:
    """Run everything on the embedded defaults: the scheduler and the web service."""
    # The scheduler runs in a process of its own, started by gunicorn's master
    # once it listens and stopped with it: its threads are never in a process
    # that forks workers.
    scheduler = [sys.executable, "-m", "calendar_service", "scheduler", "--registry", str(settings.registry)]
    if _context_config():
        scheduler += ["--config", str(_context_config())]
    _start_web(settings, lang, companion=scheduler)


def _context_config() -> str | None:
    value = click.get_current_context().meta.get("config_path")
    return str(value) if value else None


# The accounts' commands live in their own module (this one is long enough).
cli_users.register(main, _common)


if __name__ == "__main__":  # pragma: no cover
    main()
