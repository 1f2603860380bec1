"""The ``calendar-service`` command: parses arguments, calls the pipeline, prints.

Errors are caught in one place (``_run``): the user reads one plain line and the
command exits 1; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import signal
import sys
import threading
import zoneinfo
from collections.abc import Callable
from pathlib import Path

import click

from . import __version__
from .config import Settings, load_settings
from .dates.anniversaries import Query, unverified, upcoming
from .dates.text import occurrence_dict, upcoming_text
from .errors import CalendarServiceError, UsageError
from .feeds.publish import publish, summary
from .i18n import N_, Language, gettext
from .model import MilestoneFilter
from .registry.checks import check, load_registry
from .registry.report import to_json, validation_json, validation_text

MAX_DAYS = 36600


def _common(command: Callable) -> Callable:
    """Options every command takes, and the one place errors are reported."""

    @click.option("--registry", type=click.Path(dir_okay=False, path_type=Path), help="Registry file.")
    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Configuration file (TOML).",
    )
    # The values, not the enum: click would offer an enum's member names (VI, EN).
    @click.option(
        "--lang",
        type=click.Choice([lang.value for lang in Language]),
        help="Language of the output (vi or en).",
    )
    @click.option("--debug", is_flag=True, help="Show a traceback on errors.")
    @functools.wraps(command)
    def wrapper(registry, config_path, lang, debug, **kwargs):
        click.get_current_context().meta["config_path"] = config_path
        shown = lang or "vi"
        try:
            settings = load_settings(config_path, overrides={"registry": registry, "language": lang})
            shown = settings.language
            return command(settings, settings.language, **kwargs)
        except CalendarServiceError as error:
            if debug:
                raise
            click.echo(error.render(shown), err=True)
            sys.exit(1)

    return wrapper


def _today(settings: Settings) -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo(settings.timezone)).date()


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            N_("{option}: '{value}' is not a real date in the form YYYY-MM-DD"), option=option, value=value
        ) from None


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
@click.option("--days", type=int, default=30, show_default=True, help="How many days.")
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
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(N_("--days: expected a number from 1 to {max}"), max=MAX_DAYS)
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
    last = today + dt.timedelta(days=days - 1)
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
    registry = load_registry(settings.registry)
    now = dt.datetime.now(dt.UTC)
    if not sys.stderr.isatty():
        result = publish(registry, settings, day, now, out or settings.feeds_dir)
    else:
        with click.progressbar(length=1, label=gettext("Writing feeds", lang), file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            result = publish(registry, settings, day, now, out or settings.feeds_dir, progress)
    click.echo(summary(result, lang))


def _mail_command(run, settings: Settings, lang: Language, today: str | None, dry_run: bool) -> None:
    from .alerts.delivery import transport
    from .alerts.ledger import Ledger
    from .alerts.run import RunReport
    from .alerts.subscribers import load_subscribers

    day = _date(today, "--today") or _today(settings)
    registry = load_registry(settings.registry)
    if not Path(settings.subscribers).exists():
        click.echo(
            gettext("No subscribers file at {path}: nothing to send.", lang).format(
                path=settings.subscribers
            ),
            err=True,
        )
    subscribers = load_subscribers(settings.subscribers, settings)
    ledger = Ledger(settings.database_url, settings.claim_lease_seconds)
    sender = transport(settings, retries=settings.smtp_retries, backoff=settings.smtp_backoff_seconds)
    try:
        report: RunReport = run(
            registry, subscribers, settings, ledger, sender, day, dt.datetime.now(dt.UTC), dry_run=dry_run
        )
    finally:
        sender.close()
        ledger.dispose()
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
    from .alerts.run import run_alerts

    _mail_command(run_alerts, settings, lang, today, dry_run)


@main.command()
@_today_option
@_dry_run_option
@_common
def digest(settings: Settings, lang: Language, today: str | None, dry_run: bool) -> None:
    """Send this week's planning digest (the next 8 weeks), once per subscriber."""
    from .alerts.run import run_digest

    _mail_command(run_digest, settings, lang, today, dry_run)


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
        result = publish(
            load_registry(settings.registry),
            settings,
            _today(settings),
            dt.datetime.now(dt.UTC),
            Path(settings.feeds_dir),
        )
        click.echo(summary(result, lang), err=True)


_host_option = click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
_port_option = click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
_workers_option = click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)


@main.command()
@_host_option
@_port_option
@_workers_option
@_common
def serve(settings: Settings, lang: Language, host: str, port: int, workers: int) -> None:
    """Serve the web pages, the API and the feeds with gunicorn."""
    from .web.server import serve as run_server

    _ensure_feeds(settings, lang)
    click.echo(gettext("Serving on http://{host}:{port}/", lang).format(host=host, port=port), err=True)
    run_server(settings, host, port, workers)


@main.command()
@_host_option
@_port_option
@_workers_option
@_common
def run(settings: Settings, lang: Language, host: str, port: int, workers: int) -> None:
    """Run everything on the embedded defaults: the scheduler and the web service."""
    from .scheduler import build_scheduler
    from .web.server import serve as run_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _ensure_feeds(settings, lang)
    scheduler = build_scheduler(settings, _context_config(), {"registry": settings.registry})
    scheduler.resume()
    click.echo(gettext("Serving on http://{host}:{port}/", lang).format(host=host, port=port), err=True)
    master = os.getpid()
    try:
        run_server(settings, host, port, workers)
    finally:
        if os.getpid() == master:  # gunicorn's workers are forks that exit through here too
            scheduler.shutdown(wait=True)


def _context_config() -> str | None:
    value = click.get_current_context().meta.get("config_path")
    return str(value) if value else None


if __name__ == "__main__":  # pragma: no cover
    main()
