"""The ``calendar-service`` command: parses arguments, calls the pipeline, prints.

Errors are caught in one place (``_run``): the user reads one plain line and the
command exits 1; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import click

from . import __version__, jobs
from .config import OPTIONS, Settings, load_settings, local_today
from .dates.anniversaries import Query, unverified, upcoming
from .dates.bounds import FIRST_DAY, LAST_DAY, covered, parse_count, parse_date
from .dates.text import occurrence_dict, upcoming_text
from .errors import CalendarServiceError, UsageError
from .feeds.publish import summary
from .i18n import LANGUAGES, N_, Language, gettext
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


@click.group()
@click.version_option(__version__, prog_name="calendar-service")
def main() -> None:
    """Anniversary and commemoration calendar service."""


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_common
def validate(settings: Settings, lang: Language, fmt: str) -> None:
    """Check the registry: schema, dates, ids, sources, conflicts, coverage."""
    report = check(settings.registry)
    click.echo(validation_json(report, lang) if fmt == "json" else validation_text(report, lang), nl=False)
    sys.exit(0 if report.ok else 1)


@main.command("upcoming")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (default: today).")
@click.option("--days", default="30", show_default=True, help="How many days.")
@click.option("--category", "categories", multiple=True, help="Only this category (repeatable).")
@click.option(
    "--country", "countries", multiple=True, help="Only this partner country, ISO code (repeatable)."
)
@click.option("--milestones", is_flag=True, help="Only năm tròn and năm chẵn.")
@click.option("--text", help="Only entries whose title contains this text (accents optional).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_common
def upcoming_command(
    settings: Settings, lang: Language, start, days, categories, countries, milestones, text, fmt
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
    milestone_filter = MilestoneFilter.MILESTONES if milestones else MilestoneFilter.ALL
    query = Query(frozenset(categories), frozenset(countries), milestone_filter, text)
    found = upcoming(registry, today, days, query)
    if fmt == "json":
        click.echo(to_json([occurrence_dict(o, lang) for o in found]), nl=False)
        return
    click.echo(
        upcoming_text(found, unverified(registry, today.year, last.year, query), today, lang), nl=False
    )


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
    done = job(settings, day, _now(), dry_run=dry_run)
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
        click.echo(
            gettext("Dry run: {count} messages would be sent; nothing was sent or recorded.", lang).format(
                count=len(report.planned)
            )
        )
        return
    for line in report.sent:
        click.echo(line)
    for line in report.failed:
        click.echo(gettext("failed, will retry: {what}", lang).format(what=line), err=True)
    click.echo(
        gettext("{sent} sent ({late} late), {skipped} already done, {failed} failed.", lang).format(
            sent=len(report.sent), late=report.late, skipped=report.skipped, failed=len(report.failed)
        )
    )
    if report.failed:
        sys.exit(1)


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


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


@main.command("scheduler")
@_common
def scheduler_command(settings: Settings, lang: Language) -> None:
    """Run the scheduler alone (alerts, digest, feed rebuilds) until stopped."""
    from .scheduler import run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(gettext("Scheduler running; stop with Ctrl+C.", lang), err=True)
    run_forever(settings, _context_config(), {"registry": settings.registry}, _stop_on_signals())


def _ensure_feeds(settings: Settings, lang: Language) -> None:
    """A fresh install has no feeds yet: publish them once before serving."""
    from .feeds.publish import INDEX_FILE

    if not (Path(settings.feeds_dir) / INDEX_FILE).exists():
        click.echo(summary(jobs.rebuild_feeds(settings, _today(settings), _now()), lang), err=True)


@main.command()
@settings_options("host", "port", "workers")
@_common
def serve(settings: Settings, lang: Language) -> None:
    """Serve the web pages, the API and the feeds with gunicorn."""
    from .web.server import serve as run_server

    _ensure_feeds(settings, lang)
    click.echo(
        gettext("Serving on http://{host}:{port}/", lang).format(host=settings.host, port=settings.port),
        err=True,
    )
    run_server(settings)


@main.command()
@settings_options("host", "port", "workers")
@_common
def run(settings: Settings, lang: Language) -> None:
    """Run everything on the embedded defaults: the scheduler and the web service."""
    from .web.server import serve as run_server

    _ensure_feeds(settings, lang)
    # The scheduler runs in a process of its own, started by gunicorn's master
    # once it listens and stopped with it: its threads are never in a process
    # that forks workers.
    scheduler = [sys.executable, "-m", "calendar_service", "scheduler", "--registry", str(settings.registry)]
    if _context_config():
        scheduler += ["--config", str(_context_config())]
    click.echo(
        gettext("Serving on http://{host}:{port}/", lang).format(host=settings.host, port=settings.port),
        err=True,
    )
    run_server(settings, companion=scheduler)


def _context_config() -> str | None:
    value = click.get_current_context().meta.get("config_path")
    return str(value) if value else None


if __name__ == "__main__":  # pragma: no cover
    main()
