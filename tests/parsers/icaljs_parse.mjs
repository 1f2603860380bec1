// Parse iCalendar files with Mozilla ical.js (Thunderbird's parser) and print
// what a client would show, as JSON: one object per file.
// Usage: node icaljs_parse.mjs FILE...
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const results = [];
for (const file of process.argv.slice(2)) {
  try {
    const jcal = ICAL.parse(readFileSync(file, "utf8"));
    const calendar = new ICAL.Component(jcal);
    const events = calendar.getAllSubcomponents("vevent").map((component) => {
      const event = new ICAL.Event(component);
      return {
        uid: event.uid,
        summary: event.summary,
        description: event.description,
        start: event.startDate.toString(),
        end: event.endDate.toString(),
        startIsDate: event.startDate.isDate,
        sequence: event.sequence,
        categories: component.getAllProperties("categories").flatMap((p) => p.getValues()),
        url: component.getFirstPropertyValue("url"),
        alarms: component.getAllSubcomponents("valarm").map((a) => a.getFirstPropertyValue("trigger").toString()),
      };
    });
    results.push({
      file,
      name: calendar.getFirstPropertyValue("x-wr-calname"),
      caldesc: calendar.getFirstPropertyValue("x-wr-caldesc"),
      description: calendar.getFirstPropertyValue("description"),
      prodid: calendar.getFirstPropertyValue("prodid"),
      source: calendar.getFirstPropertyValue("source"),
      refresh: String(calendar.getFirstPropertyValue("refresh-interval")),
      events,
    });
  } catch (error) {
    results.push({ file, error: String(error) });
  }
}
process.stdout.write(JSON.stringify(results));
