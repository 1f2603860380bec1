"""Intake stage: read a guidance document (.txt, .pdf, .docx), find the
anniversaries it names, match them against the registry and propose entries.

reading (file -> text) -> joining (normalised and joined text) ->
anniversaries, partners, documents (items found) -> matching (against the
registry) -> render (table, JSON) and stubs (YAML to review). Nothing here
writes to the registry.
"""
