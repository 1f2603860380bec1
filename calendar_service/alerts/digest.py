"""The weekly digest for the planning meeting: the next 8 weeks by week,
milestones first, a run of empty weeks said once, the dates to verify once,
and, further ahead, the năm tròn due within the longest lead time. With the
newsroom's plans (``Plans``), each anniversary says how it is covered, and a
section lists the milestones of the digest's period nobody covers yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..config import Settings
from ..dates.anniversaries import unverified
from ..dates.titles import day, milestone_name, occurrence_title, unverified_title
from ..feeds.entries import entry_url
from ..i18n import Language, gettext, ngettext
from ..model import Milestone, Occurrence, Registry
from .mail import Outgoing, envelope, environment, footer_links, message_id, weekday_day, with_parts
from .plans import Plans, coverage_lines, uncovered_milestones
from .subscribers import Subscriber

DIGEST_WEEKS = 8


def week_key(today: dt.date) -> str:
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def _monday(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday())


def digest_end(today: dt.date, subscribers: Iterable[Subscriber]) -> dt.date:
    """The last day a digest sent on ``today`` looks at: the end of its 8 weeks,
    or further for the năm tròn due within the longest lead time."""
    weeks_end = _monday(today) + dt.timedelta(weeks=DIGEST_WEEKS, days=-1)
    longest = max((s.lead_times.longest for s in subscribers), default=0)
    return max(weeks_end, today + dt.timedelta(days=longest))


def in_days(days: int, lang: Language) -> str:
    if days == 0:
        return gettext("today", lang)
    return ngettext("in {days} day", "in {days} days", days, lang).format(days=days)


def _item(
    o: Occurrence, today: dt.date, settings: Settings, lang: Language, plans: Plans | None = None
) -> dict[str, object]:
    return {
        "date": weekday_day(o.date, lang),
        "days": in_days((o.date - today).days, lang),
        "milestone": milestone_name(o.milestone, lang),
        "level": o.milestone.value if o.milestone else "",
        "title": occurrence_title(o, lang),
        "url": entry_url(settings, o.event.id, lang),
        "coverage": coverage_lines(o, plans, lang) if plans is not None else [],
    }


def _order(items: list[Occurrence]) -> list[Occurrence]:
    return sorted(items, key=lambda o: (o.milestone is None, o.date, o.event.id))


def _blocks(
    mine: list[Occurrence],
    monday: dt.date,
    today: dt.date,
    settings: Settings,
    lang: Language,
    plans: Plans | None = None,
) -> list[dict]:
    """One block per week with anniversaries; a run of empty weeks is one line."""
    blocks: list[dict] = []
    for number in range(DIGEST_WEEKS):
        first = monday + dt.timedelta(weeks=number)
        last = first + dt.timedelta(days=6)
        items = [o for o in mine if first <= o.date <= last]
        if not items:
            if blocks and "empty" in blocks[-1]:
                blocks[-1]["end"] = last
            else:
                blocks.append({"empty": True, "start": first, "end": last, "items": []})
            continue
        label = gettext("Week {week}: {start} – {end}", lang).format(
            week=first.isocalendar()[1], start=day(first, lang), end=day(last, lang)
        )
        blocks.append(
            {"label": label, "items": [_item(o, today, settings, lang, plans) for o in _order(items)]}
        )
    for block in blocks:
        if "empty" in block:
            block["label"] = gettext("No anniversaries from {start} to {end}.", lang).format(
                start=day(block["start"], lang), end=day(block["end"], lang)
            )
    return blocks


def digest_message(
    registry: Registry,
    settings: Settings,
    subscriber: Subscriber,
    found: list[Occurrence],
    today: dt.date,
    now: dt.datetime,
    plans: Plans | None = None,
) -> Outgoing:
    """The digest of one subscriber; ``found`` covers today to ``digest_end``;
    ``plans``: the coverages (None leaves them out)."""
    lang = subscriber.language
    monday = _monday(today)
    end = monday + dt.timedelta(weeks=DIGEST_WEEKS, days=-1)
    mine = [o for o in found if subscriber.wants(o)]
    ahead_end = today + dt.timedelta(days=subscriber.lead_times.longest)
    ahead = [o for o in mine if end < o.date <= ahead_end and o.milestone is Milestone.TRON]
    to_verify: dict[str, str] = {}
    for u in unverified(registry, monday.year, end.year):
        if u.event.id not in to_verify and (
            (not subscriber.categories and not subscriber.countries)
            or u.event.category in subscriber.categories
            or u.event.country in subscriber.countries
        ):
            to_verify[u.event.id] = unverified_title(u, lang)
    subject = gettext("Anniversaries of the next {weeks} weeks (from {start})", lang).format(
        weeks=DIGEST_WEEKS, start=day(monday, lang)
    )
    msgid = message_id("digest", subscriber.email.casefold(), week_key(today), settings=settings)
    message = envelope(subscriber, subject, msgid, settings, now)
    context = {
        "lang": lang,
        "subject": subject,
        "subscriber": subscriber,
        "weeks_count": DIGEST_WEEKS,
        "start": weekday_day(monday, lang),
        "end": weekday_day(end, lang),
        "blocks": _blocks([o for o in mine if o.date <= end], monday, today, settings, lang, plans),
        "ahead_label": gettext("Further ahead: năm tròn until {date}", lang).format(
            date=weekday_day(ahead_end, lang)
        ),
        "ahead": [
            _item(o, today, settings, lang, plans) for o in sorted(ahead, key=lambda o: (o.date, o.event.id))
        ],
        **_uncovered(mine, ahead, end, today, settings, lang, plans),
        "no_coverage": gettext("No coverage yet", lang),
        "to_verify": list(to_verify.values()),
        **footer_links(settings, subscriber),
        "planning_url": f"{settings.base_url}/?from={monday.isoformat()}&weeks={DIGEST_WEEKS}&lang={lang}",
    }
    with_parts(message, environment(lang), "digest", context)
    message["Content-Language"] = lang
    return Outgoing(subscriber.email, message)


def _uncovered(
    mine: list[Occurrence],
    ahead: list[Occurrence],
    end: dt.date,
    today: dt.date,
    settings: Settings,
    lang: Language,
    plans: Plans | None,
) -> dict[str, object]:
    """The milestones of the digest (its 8 weeks, and the năm tròn further
    ahead) that no coverage plans yet: a heading and the list."""
    if plans is None:
        return {"uncovered_label": "", "uncovered": []}
    found = uncovered_milestones([o for o in mine if o.date <= end] + ahead, plans)
    if found:
        label = ngettext(
            "{count} milestone (năm tròn, năm chẵn) without coverage yet:",
            "{count} milestones (năm tròn, năm chẵn) without coverage yet:",
            len(found),
            lang,
        ).format(count=len(found))
    else:
        label = gettext("Every milestone (năm tròn, năm chẵn) of this digest has a coverage.", lang)
    return {"uncovered_label": label, "uncovered": [_item(o, today, settings, lang) for o in found]}
