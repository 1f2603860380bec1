"""The subscribe page: every published feed in the reader's language, with
its address and one-click links for the common calendar services."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import render_template

from ..feeds.kinds import FeedSpec
from ..registry.fields import COUNTRIES
from . import current, current_language


def subscribe_links(item: dict, title: str) -> dict:
    https = item["url"]
    webcal = item["webcal"]
    return {
        "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
        "outlook": "https://outlook.live.com/calendar/0/addfromweb?"
        + urlencode({"url": https, "name": title}),
        "office": "https://outlook.office.com/calendar/0/addfromweb?"
        + urlencode({"url": https, "name": title}),
    }


def subscribe():
    lang = current_language()
    index = current.state().index()
    feeds = []
    for item in index.get("feeds", []):
        if item["lang"] != lang:
            continue
        spec = FeedSpec.from_index(item)
        title = spec.title()  # in the reader's language, always current
        description = spec.description(current.state().settings.lead_times)
        feeds.append({**item, "title": title, "description": description, **subscribe_links(item, title)})
    return render_template("subscribe.html", feeds=feeds, window=index.get("window"), countries=COUNTRIES)
