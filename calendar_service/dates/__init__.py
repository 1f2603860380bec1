"""Dates stage: pure date arithmetic (the lunar calendar, anniversaries) and
the text and JSON forms of an occurrence."""
