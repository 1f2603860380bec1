"""Parse iCalendar files with libical (Evolution, GNOME Calendar) and print what
a client would show, as JSON. Runs under the system Python, which has PyGObject
and Debian's gir1.2-ical-3.0; usage: /usr/bin/python3 libical_parse.py FILE...

libical accepts much that is wrong and reports it as X-LIC-ERROR properties in
the parsed tree; every one found is listed under "errors"."""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as ICal  # noqa: E402


def errors(component):
    found = []
    prop = component.get_first_property(ICal.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        found.append(prop.as_ical_string().strip())
        prop = component.get_next_property(ICal.PropertyKind.XLICERROR_PROPERTY)
    child = component.get_first_component(ICal.ComponentKind.ANY_COMPONENT)
    while child is not None:
        found += errors(child)
        child = component.get_next_component(ICal.ComponentKind.ANY_COMPONENT)
    return found


def day(time):
    return f"{time.get_year():04d}-{time.get_month():02d}-{time.get_day():02d}"


def calendar_text(calendar):
    """The calendar's own TEXT properties as a client reads them (unescaped)."""
    found = {}
    names = {
        "X-WR-CALNAME": "name",
        "X-WR-CALDESC": "caldesc",
        "DESCRIPTION": "description",
        "PRODID": "prodid",
    }
    prop = calendar.get_first_property(ICal.PropertyKind.ANY_PROPERTY)
    while prop is not None:
        key = names.get(prop.get_property_name())
        value = prop.get_value()
        if key and key not in found and value is not None:
            kind = value.isa()
            found[key] = value.get_text() if kind == ICal.ValueKind.TEXT_VALUE else value.get_x()
        prop = calendar.get_next_property(ICal.PropertyKind.ANY_PROPERTY)
    return found


def parse(path):
    with open(path, encoding="utf-8") as handle:
        calendar = ICal.Component.new_from_string(handle.read())
    if calendar is None:
        return {"file": path, "error": "libical could not parse the file"}
    events = []
    event = calendar.get_first_component(ICal.ComponentKind.VEVENT_COMPONENT)
    while event is not None:
        start, end = event.get_dtstart(), event.get_dtend()
        alarms = event.count_components(ICal.ComponentKind.VALARM_COMPONENT)
        events.append(
            {
                "uid": event.get_uid(),
                "summary": event.get_summary(),
                "description": event.get_description(),
                "start": day(start),
                "end": day(end),
                "startIsDate": bool(start.is_date()),
                "sequence": event.get_sequence(),
                "alarms": alarms,
            }
        )
        event = calendar.get_next_component(ICal.ComponentKind.VEVENT_COMPONENT)
    return {"file": path, "events": events, "errors": errors(calendar), **calendar_text(calendar)}


print(json.dumps([parse(path) for path in sys.argv[1:]]))
