"""Hostile input to the registry loader: random text and bytes, mutations of
the real registry and structured nonsense. Every case ends in located errors
or a registry: never a traceback. (The other stages' hostile-input tests are
in alerts/, feeds/, web/ and the top-level test_hostile_input.py.)"""

from __future__ import annotations

import yaml
from hostile import FUZZ, documents
from hypothesis import given
from hypothesis import strategies as st
from paths import REAL_REGISTRY

from calendar_service.errors import CalendarServiceError
from calendar_service.registry.checks import check, load_registry

REAL_TEXT = REAL_REGISTRY.read_text(encoding="utf-8")
YAML_PIECES = st.sampled_from(
    [
        "\t",
        ":",
        "- ",
        "{",
        "}",
        "[",
        "]",
        "&a",
        "*a",
        "!!python/object:os.system",
        "'",
        '"',
        "\n",
        "  ",
        "#",
        "---",
        "...",
        "?",
        "|",
        ">",
        "%YAML 1.1",
        "\x00",
        "date: 2024-02-30",
        "1e400",
        "~",
        "null",
        "no",
        "0x1F",
        "version: 1",
    ]
)


def assert_reported(path):
    """What validation shows: a registry to publish, or errors that each read as
    one line starting with the file's path, in both languages."""
    report = check(path)
    if not report.errors:
        assert report.registry is not None, "no error reported, yet no registry"
    for problem in report.errors:
        for lang in ("en", "vi"):
            text = problem.render(lang)
            assert text.startswith(str(path)) and "\n" not in text.strip(), text


@FUZZ
@given(st.text(max_size=400))
def test_random_text_as_a_registry(tmp_path, text):
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    assert_reported(path)


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_as_a_registry(tmp_path, data):
    path = tmp_path / "events.yaml"
    path.write_bytes(data)
    assert_reported(path)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(REAL_TEXT)), YAML_PIECES), max_size=4))
def test_mutations_of_the_real_registry(tmp_path_factory, edits):
    folder = tmp_path_factory.mktemp("mutated")
    text = REAL_TEXT
    for position, piece in edits:
        text = text[:position] + piece + text[position:]
    path = folder / "events.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    (folder / "sources").symlink_to(REAL_REGISTRY.parent / "sources")
    assert_reported(path)
    try:
        load_registry(path)
    except CalendarServiceError as error:
        assert error.render("vi") and error.render("en")


@FUZZ
@given(documents)
def test_structured_nonsense_as_a_registry(tmp_path, document):
    path = tmp_path / "events.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert_reported(path)
