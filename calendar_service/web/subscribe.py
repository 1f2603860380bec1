"""The subscribe page: the four main feeds first, the category and country
feeds in groups, how to subscribe on a phone and a computer, which calendar
programs keep the reminders, and a builder for a feed of one's own selection
(a GET form, so it works without JavaScript; a script updates it live).

Feed addresses are built from the running service's base URL, not read from
``index.json``: the index keeps the URLs of the build that wrote it, which may
have run with another base URL (another port, a staging host)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from flask import render_template, request
from flask_babel import gettext as _

from ..dates.anniversaries import occurrences
from ..dates.titles import category_name, country_name, day, scope_name
from ..feeds.kinds import FeedKind, FeedSpec, window
from ..i18n import N_, Language, gettext
from ..model import CATEGORIES, MilestoneFilter, Precision, Registry
from . import current, current_language
from .auth import current_user
from .params import Filters, filters
from .private import feed_token_for

# The feeds the page leads with, in this order: (kind, with reminders).
MAIN_FEEDS = (
    (FeedKind.ALL, False),
    (FeedKind.MILESTONES, False),
    (FeedKind.PLANNING, False),
    (FeedKind.MILESTONES, True),
)
ADVICE = {
    (FeedKind.ALL, False): N_("For the newsroom's shared calendar."),
    (FeedKind.MILESTONES, False): N_("For planning the big coverage: năm tròn and năm chẵn only."),
    (FeedKind.PLANNING, False): N_(
        "Works in every calendar program: the reminders are ordinary entries on the days to start preparing."
    ),
    (FeedKind.MILESTONES, True): N_(
        "The milestones with reminders, for calendar programs that keep them (see Reminders)."
    ),
}


@dataclass(frozen=True)
class FeedLinks:
    """One feed as a reader subscribes to it: its address and the links that add it."""

    id: str  # an HTML id
    title: str
    description: str
    url: str  # the address as it is (http or https)
    events: int | None = None
    advice: str = ""  # whom the feed suits (the main feeds)

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    @property
    def url_parts(self) -> list[str]:
        """The address cut after each / ? and &, where a narrow screen may wrap it."""
        return [part for part in re.findall(r"[^/?&]*[/?&]?", self.url) if part]

    @property
    def webcal(self) -> str:
        """The same address for calendar programs: webcal:// opens the system's calendar."""
        return "webcal://" + self.url.split("://", 1)[1]

    @property
    def google(self) -> str:
        return "https://calendar.google.com/calendar/r?cid=" + quote(self.webcal, safe="")

    @property
    def outlook(self) -> str:
        return "https://outlook.live.com/calendar/0/addfromweb?" + urlencode(
            {"url": self.url, "name": self.title}
        )

    @property
    def office(self) -> str:
        return "https://outlook.office.com/calendar/0/addfromweb?" + urlencode(
            {"url": self.url, "name": self.title}
        )


def subscribe():
    lang = current_language()
    state = current.state()
    base = state.settings.base_url.rstrip("/")
    index = state.index()
    registry = current.registry()
    # Private mode: the addresses carry the reader's feed token (query ``token``).
    private = state.settings.web_private
    token = feed_token_for(current_user()) if private else None
    suffix = "?" + urlencode({"token": token}) if token else ""
    published = {}
    for item in index.get("feeds", []):
        if item["lang"] != lang:
            continue
        spec = FeedSpec.from_index(item, registry)
        published[spec] = FeedLinks(
            id="feed-" + spec.name.replace("/", "-"),
            title=spec.title(),  # in the reader's language, always current
            description=spec.description(current.state().settings.lead_times),
            url=f"{base}/feeds/{spec.path}{suffix}",
            events=item.get("events"),
            advice=gettext(ADVICE[spec.kind, spec.alarms], lang)
            if (spec.kind, spec.alarms) in ADVICE
            else "",
        )
    main_specs = [FeedSpec(lang, kind, alarms=alarms) for kind, alarms in MAIN_FEEDS]
    main = [published[spec] for spec in main_specs if spec in published]
    # The builder's selection (a 400 page names a wrong value).
    chosen = filters(request.args, lang, registry.known_scopes())
    return render_template(
        "subscribe.html",
        main=main,
        categories=[links for spec, links in published.items() if spec.kind is FeedKind.CATEGORY],
        countries=sorted(
            (links for spec, links in published.items() if spec.kind is FeedKind.COUNTRY),
            key=lambda links: sort_key(links.title),
        ),
        scopes=[links for spec, links in published.items() if spec.kind is FeedKind.SCOPE],
        reminders=[links for spec, links in published.items() if spec.alarms and spec not in main_specs],
        planning_feed=published.get(FeedSpec(lang, FeedKind.PLANNING)),
        other_lang=Language.EN if lang == Language.VI else Language.VI,
        builder=_builder(chosen, registry, base, lang, token),
        private=private,
        feed_token=token,
        window=_window_text(index.get("window"), lang),
    )


def _builder(
    chosen: Filters, registry: Registry, base: str, lang: Language, token: str | None = None
) -> dict:
    """The builder's choices and, once something is chosen, the feed it gives."""
    countries = {e.country for e in registry.events if e.country and e.precision is Precision.DAY}
    present = registry.scopes_present()
    options = {
        "categories": [(c, category_name(c, lang)) for c in CATEGORIES],
        "countries": sorted(((c, country_name(c, lang)) for c in countries), key=lambda o: sort_key(o[1])),
        "milestones": [
            ("all", _("every anniversary")),
            ("milestones", _("round and half-decade years")),
            ("tron", _("major anniversary (năm tròn)")),
        ],
        # Offered once the registry holds local entries, as in the planning view.
        "scopes": [(s, scope_name(s, registry, lang)) for s in present] if len(present) > 1 else [],
    }
    result = None
    # A search text is not offered.
    picked = Filters(chosen.categories, chosen.countries, chosen.milestone, scopes=chosen.scopes)
    selection = picked.as_args()
    if selection:
        start, end = window(current.today(), current.state().settings)
        found = occurrences(registry, start, end, picked.query())
        result = FeedLinks(
            id="feed-selection",
            title=gettext("Anniversaries – {subject}", lang).format(
                subject=selection_name(picked, lang, registry)
            ),
            description="",
            url=f"{base}/feeds/filtered.ics?"
            + urlencode([*selection, ("lang", lang), *([("token", token)] if token else [])]),
            events=len(found),
        )
    return {"options": options, "chosen": picked, "result": result}


def selection_name(chosen: Filters, lang: Language, registry: Registry | None = None) -> str:
    """What a selection holds, in words: "diplomatic relations, Sweden, năm tròn"."""
    parts = [category_name(c, lang) for c in CATEGORIES if c in chosen.categories]
    parts += sorted((country_name(c, lang) for c in chosen.countries), key=sort_key)
    parts += [scope_name(s, registry, lang) for s in chosen.scopes]
    if chosen.milestone is MilestoneFilter.MILESTONES:
        parts.append(gettext("round and half-decade years", lang))
    elif chosen.milestone is MilestoneFilter.TRON:
        parts.append(gettext("major anniversary (năm tròn)", lang))
    return ", ".join(parts)


def sort_key(text: str) -> str:
    """Alphabetical order for Vietnamese and English names: letters first, then
    their marks (Úc after U, Đ with D)."""
    plain = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in plain if not unicodedata.combining(c)) + "\0" + text


def _window_text(window_: dict | None, lang: Language) -> str | None:
    if not window_:
        return None
    return gettext("The feeds hold the anniversaries from {start} to {end}.", lang).format(
        start=day(dt.date.fromisoformat(window_["start"]), lang),
        end=day(dt.date.fromisoformat(window_["end"]), lang),
    )
