"""The registry's YAML loader composes libyaml's events itself (no recursion,
limits on depth and aliases, marks kept lazily). PyYAML's own composer and
safe constructor are its oracle: on any text they read, both give the same
values at the same file:line:column, or the same one error."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import REAL_REGISTRY, REGISTRIES, ROOT

from calendar_service.errors import Location, YamlFileError, problem
from calendar_service.i18n import N_
from calendar_service.registry import yamlfile
from calendar_service.registry.composer import location
from calendar_service.registry.yamlfile import YamlList, YamlMap

ORACLE = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PLAIN = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null")}
TEXT = {"tag:yaml.org,2002:timestamp"}
COLLECTIONS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class Unreadable(Exception):
    """The oracle itself fails (a traceback the loader now turns into a problem)."""


def where(path, mark) -> str:
    return str(Location(path, mark.line + 1, mark.column + 1))


def value_of(scalar):
    return ("float", repr(scalar)) if isinstance(scalar, float) and math.isnan(scalar) else scalar


def oracle_convert(node, loader, path):
    """What the loader gave before: PyYAML composes the tree, each node is converted."""
    if node.tag not in PLAIN | TEXT | COLLECTIONS:
        raise YamlFileError(
            problem(location(path, node.start_mark), N_("unsupported YAML tag {tag}"), tag=node.tag)
        )
    if isinstance(node, yaml.MappingNode):
        items, seen = [], {}
        for key_node, value_node in node.value:
            key = oracle_convert(key_node, loader, path)
            key_where = location(path, key_node.start_mark)
            if not isinstance(key, (str, int, bool)) or key is None:
                raise YamlFileError(problem(key_where, N_("a key must be a plain word")))
            key = str(key)
            if key in seen:
                raise YamlFileError(
                    problem(
                        key_where,
                        N_("duplicate key '{key}' (first given on line {line})"),
                        key=key,
                        line=seen[key].line,
                    )
                )
            value = oracle_convert(value_node, loader, path)
            seen[key] = key_where
            items.append((key, str(key_where), where(path, value_node.start_mark), value))
        return ("map", where(path, node.start_mark), items)
    if isinstance(node, yaml.SequenceNode):
        return (
            "seq",
            where(path, node.start_mark),
            [(where(path, item.start_mark), oracle_convert(item, loader, path)) for item in node.value],
        )
    if node.tag in TEXT:
        return node.value
    try:
        return value_of(loader.construct_object(node, deep=True))
    except (ValueError, KeyError, IndexError) as error:
        raise Unreadable from error


def oracle(text: str, path: str):
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlFileError(problem(Location(path, 1, 1), N_("the file is empty")))
        return oracle_convert(node, loader, path)
    except yaml.reader.ReaderError as error:
        raise Unreadable from error  # its position was counted in bytes (fixed, tested elsewhere)
    except yaml.MarkedYAMLError as error:
        if error.problem == "exceeded maximum nesting depth":
            raise Unreadable from error
        raise YamlFileError(yamlfile._syntax_problem(path, text, error)) from None
    except RecursionError as error:
        raise Unreadable from error
    finally:
        loader.dispose()


def snapshot(value):
    """The loader's result in the oracle's shape, every location included."""
    if isinstance(value, YamlMap):
        return (
            "map",
            str(value.location),
            [
                (key, str(value.key_location(key)), str(value.where(key)), snapshot(item))
                for key, item in value.items()
            ],
        )
    if isinstance(value, YamlList):
        return (
            "seq",
            str(value.location),
            [(str(value.where(i)), snapshot(item)) for i, item in enumerate(value)],
        )
    return value_of(value)


def outcome(function, *args):
    try:
        return "value", function(*args)
    except YamlFileError as error:
        return "error", error.problem.render("en")


def assert_same(tmp_path, text: str) -> None:
    path = tmp_path / "data.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        reference = text.encode("utf-8", "surrogatepass").decode("utf-8")
    except UnicodeDecodeError:
        return  # not UTF-8: refused before parsing, by both
    reference = reference.replace("\r\n", "\n").replace("\r", "\n")
    try:
        expected = outcome(oracle, reference, str(path))
    except Unreadable:
        return
    found = outcome(lambda: snapshot(yamlfile.load(path)))
    assert found == expected, text


PIECES = st.sampled_from(
    [
        "\t", ":", "- ", "{", "}", "[", "]", ",", "&a ", "*a", "&b ", "*b", "!!str ", "!!int ",
        "!!map ", "!!set ", "!!python/object:os.system ", "! ", "'", '"', "\n", "  ", "#", "---",
        "...", "? ", "|", ">", "<<: ", "~", "null", "yes", "0x1F", "1:20", "1e400", ".nan",
        "2024-02-30", "Điện Biên Phủ", "version: 1", "a: b", "=",
    ]
)  # fmt: skip
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.dates(), st.datetimes()
)
data = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)


@ORACLE
@given(data, st.sampled_from([None, True, False]), st.booleans())
def test_dumped_data_loads_as_pyyaml_reads_it(tmp_path, value, flow, canonical):
    assert_same(
        tmp_path, yaml.safe_dump(value, default_flow_style=flow, canonical=canonical, allow_unicode=True)
    )


@ORACLE
@given(st.lists(PIECES, max_size=12))
def test_pieces_of_yaml_load_as_pyyaml_reads_them(tmp_path, pieces):
    assert_same(tmp_path, "".join(pieces))


@ORACLE
@given(data, st.lists(st.tuples(st.integers(0, 10_000), PIECES), max_size=4))
def test_mutated_yaml_loads_as_pyyaml_reads_it(tmp_path, value, edits):
    text = yaml.safe_dump(value, allow_unicode=True)
    for position, piece in edits:
        position %= len(text) + 1
        text = text[:position] + piece + text[position:]
    assert_same(tmp_path, text)


@ORACLE
@given(st.text(max_size=200))
def test_random_text_loads_as_pyyaml_reads_it(tmp_path, text):
    assert_same(tmp_path, text)


@pytest.mark.parametrize(
    "path",
    [
        REAL_REGISTRY,
        *sorted(REGISTRIES.glob("*.yaml")),
        ROOT / "calendar_service" / "locale" / "vi" / "LC_MESSAGES" / "messages.po",
    ],
    ids=lambda p: p.name,
)
def test_registries_load_as_pyyaml_reads_them(path, tmp_path):
    assert_same(tmp_path, path.read_text(encoding="utf-8"))


def test_anchors_and_aliases_load_as_pyyaml_reads_them(tmp_path):
    assert_same(tmp_path, "a: &x {b: [1, &y two, *y]}\nc: *x\nd: [*x, *y]\n")
    assert_same(tmp_path, "a: *nowhere\n")
    assert_same(tmp_path, "a: &x 1\nb: &x 2\n")
    assert_same(tmp_path, "a: 1\n---\nb: [\n")
