"""Intake stage: read a guidance document (.txt, .pdf, .docx), find the
anniversaries it names, match them against the registry and propose entries.

reading (file -> text) -> joining (the registry's normal form, PDF breaks
joined) -> anniversaries, partners, documents (through finding: the items
found) -> matching (against the registry) -> table, output (JSON) and stubs
(YAML to review); extraction runs the whole for one file. Nothing here
writes to the registry.
"""
