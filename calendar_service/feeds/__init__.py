"""Feeds stage: which feeds exist, their entries, iCalendar text, stamps and
publishing into the feeds directory."""
