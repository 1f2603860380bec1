"""YAML events composed into values that remember where they came from.

PyYAML's composer builds a node tree recursively (a RecursionError at 1 000
levels; 30 000 brackets crashed the interpreter where libyaml sets no depth
limit of its own) and shares the node of an anchor between its aliases, which
a recursive conversion then copied as often as it is named (744 bytes made a
million values). Here the parser's
events are composed in one loop with an explicit stack, straight into
YamlMap/YamlList and scalars, with the limits of a data file checked as it
goes. The values, their marks and the errors are PyYAML's (its composer and
safe constructor are this module's oracle in the tests).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

from ..errors import Location, YamlFileError, problem
from ..i18n import N_

MAX_DEPTH = 64  # a registry needs 6 levels
MAX_NODES = 5_000_000  # a 100 000-entry registry has about 3.3 million values
MAX_ALIAS_NODES = 100_000  # values reached through aliases, counted as if copied
MAX_NUMBER_LENGTH = 40  # characters of a whole number (Python refuses text of over 4 300 digits)

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"  # kept as text
_CONSTRUCTED = {
    _INT: "construct_yaml_int",
    "tag:yaml.org,2002:float": "construct_yaml_float",
    "tag:yaml.org,2002:bool": "construct_yaml_bool",
    "tag:yaml.org,2002:null": "construct_yaml_null",
}
# Tags a value may carry: plain data (a collection with any of them is read as
# what it is, a mapping or a sequence).
_ACCEPTED = frozenset({_STR, _TIMESTAMP, _MAP, _SEQ, *_CONSTRUCTED})

# The implicit resolvers of PyYAML's safe loader by first character, wildcard
# ones appended: what ``Resolver.resolve`` tries for a plain scalar, in order.
_IMPLICIT = yaml.SafeLoader.yaml_implicit_resolvers
_WILDCARD = tuple(_IMPLICIT.get(None, ()))
_RESOLVERS = {first: tuple(found) + _WILDCARD for first, found in _IMPLICIT.items() if first is not None}


class _Everything:
    def __contains__(self, item: object) -> bool:
        return True


# First characters of the plain scalars that may be something other than text.
_RESOLVED_FIRST = frozenset(_RESOLVERS) if not _WILDCARD else _Everything()


def location(path: str, mark) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


class YamlMap(dict):
    """A mapping with the locations of the mapping, its keys and its values
    (kept as parser marks; a Location is made when one is asked for)."""

    __slots__ = ("_path", "_mark", "_marks")  # _marks: key -> (key's mark, value's mark)

    @property
    def location(self) -> Location:
        return location(self._path, self._mark)

    def key_location(self, key: str) -> Location:
        return location(self._path, self._marks[key][0])

    @property
    def key_locations(self) -> dict[str, Location]:
        return {key: location(self._path, marks[0]) for key, marks in self._marks.items()}

    @property
    def value_locations(self) -> dict[str, Location]:
        return {key: location(self._path, marks[1]) for key, marks in self._marks.items()}

    def where(self, key: str) -> Location:
        marks = self._marks.get(key)
        return location(self._path, marks[1] if marks is not None else self._mark)


class YamlList(list):
    """A sequence with the locations of the sequence and of each item."""

    __slots__ = ("_path", "_mark", "_item_marks")

    @property
    def location(self) -> Location:
        return location(self._path, self._mark)

    @property
    def item_locations(self) -> list[Location]:
        return [location(self._path, mark) for mark in self._item_marks]

    def where(self, index: int) -> Location:
        marks = self._item_marks
        return location(self._path, marks[index] if index < len(marks) else self._mark)


def _scalar(event, constructor, path: str):
    """The value of a scalar event as PyYAML's safe loader resolves and
    constructs it: text, a number, a boolean or null (timestamps stay text)."""
    value = event.value
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return value
        for resolved, pattern in _RESOLVERS.get(value[:1], _WILDCARD):
            if pattern.match(value):
                tag = resolved
                break
        else:
            return value
    if tag == _STR or tag == _TIMESTAMP:
        return value
    mark = event.start_mark
    if tag == _MAP or tag == _SEQ:  # what PyYAML's constructor says of such a scalar
        kind = "mapping" if tag == _MAP else "sequence"
        raise ConstructorError(None, None, f"expected a {kind} node, but found scalar", mark)
    method = _CONSTRUCTED.get(tag)
    if method is None:
        raise YamlFileError(problem(location(path, mark), N_("unsupported YAML tag {tag}"), tag=tag))
    if tag == _INT and len(value) > MAX_NUMBER_LENGTH:
        raise YamlFileError(
            problem(
                location(path, mark),
                N_("number too long: {length} characters (at most {limit})"),
                length=len(value),
                limit=MAX_NUMBER_LENGTH,
            )
        )
    try:
        return getattr(constructor, method)(ScalarNode(tag, value))
    except (ValueError, KeyError, IndexError):
        raise YamlFileError(
            problem(location(path, mark), N_("'{value}' cannot be read as {tag}"), value=value, tag=tag)
        ) from None


def _key(container: YamlMap, value, mark, path: str) -> tuple[object, YamlFileError | None]:
    """The key a mapping's next value goes under, or _BAD_KEY and the error."""
    if not isinstance(value, (str, int, bool)) or value is None:
        return _BAD_KEY, YamlFileError(problem(location(path, mark), N_("a key must be a plain word")))
    key = value if type(value) is str else str(value)
    if key in container:
        found = problem(
            location(path, mark),
            N_("duplicate key '{key}' (first given on line {line})"),
            key=key,
            line=container._marks[key][0].line + 1,
        )
        return _BAD_KEY, YamlFileError(found)
    return key, None


def _anchor(anchors: dict, opened: dict, anchor: str, mark) -> None:
    first = anchors[anchor][1] if anchor in anchors else opened.get(anchor)
    if first is not None:
        raise ComposerError("found duplicate anchor; first occurrence", first, "second occurrence", mark)


def _limit(path: str, mark, message: str, limit: int) -> YamlFileError:
    return YamlFileError(problem(location(path, mark), message, limit=limit))


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (if it was running): reading
    a large file makes millions of objects and no reference cycles, and the
    collector scanning them again and again took half the time of loading a
    10 000-entry registry."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


EMPTY = object()  # a stream without a document
_NO_KEY = object()  # a mapping waiting for its next key
_BAD_KEY = object()  # a key already refused: its value is read and dropped


def compose(loader, path: str):  # noqa: C901 - one loop, kept whole for speed
    """The single document of the loader's stream as YamlMap/YamlList/scalars,
    or EMPTY.

    Syntax errors and the composer's own (undefined alias, duplicate anchor,
    a second document) raise MarkedYAMLError as PyYAML's composer does, and a
    limit raises YamlFileError, at once. A refused tag, key or value is raised
    after the whole document is read, so that a syntax error anywhere wins, as
    it did when PyYAML composed the whole tree before it was converted."""
    get_event = loader.get_event
    constructor = yaml.constructor.SafeConstructor()
    get_event()  # the stream's start
    if type(get_event()) is StreamEndEvent:
        return EMPTY
    anchors: dict[str, tuple[object, object, int]] = {}  # anchor -> (value, mark, values inside)
    opened: dict[str, object] = {}  # anchors of the collections still being read -> their mark
    stack: list[tuple] = []  # the collections that hold the current one, with its state
    # The collection being read: the container, whether it is a mapping, its
    # marks, its anchor and the values read before it; for a mapping, the
    # pending key and that key's mark.
    current = marks = anchor_here = None
    is_map = False
    key = key_mark = _NO_KEY
    before = nodes = expanded = 0
    refused: Exception | None = None
    root = root_mark = None
    while True:
        event = get_event()
        kind = type(event)
        if kind is ScalarEvent:
            mark = event.start_mark
            value = event.value
            if event.tag is not None or (event.implicit[0] and value[:1] in _RESOLVED_FIRST):
                try:
                    value = _scalar(event, constructor, path)
                except (YamlFileError, yaml.MarkedYAMLError) as error:
                    refused = refused or error
            if event.anchor is not None:
                _anchor(anchors, opened, event.anchor, mark)
                anchors[event.anchor] = (value, mark, 1)
            nodes += 1
            if nodes > MAX_NODES:
                raise _limit(path, mark, N_("more than {limit} values in one YAML file"), MAX_NODES)
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value, mark, anchor = current, current._mark, anchor_here
            if anchor is not None:
                del opened[anchor]
                anchors[anchor] = (value, mark, nodes + expanded - before + 1)
            current, is_map, marks, key, key_mark, anchor_here, before = stack.pop()
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            mark = event.start_mark
            nodes += 1
            if len(stack) >= MAX_DEPTH:
                raise _limit(path, mark, N_("YAML nested more than {limit} levels deep"), MAX_DEPTH)
            if nodes > MAX_NODES:
                raise _limit(path, mark, N_("more than {limit} values in one YAML file"), MAX_NODES)
            tag = event.tag
            if tag is not None and tag != "!" and tag not in _ACCEPTED:
                found = problem(location(path, mark), N_("unsupported YAML tag {tag}"), tag=tag)
                refused = refused or YamlFileError(found)
            if event.anchor is not None:
                _anchor(anchors, opened, event.anchor, mark)
                opened[event.anchor] = mark
            stack.append((current, is_map, marks, key, key_mark, anchor_here, before))
            is_map = kind is MappingStartEvent
            current = YamlMap() if is_map else YamlList()
            current._path, current._mark, marks = path, mark, {} if is_map else []
            if is_map:
                current._marks = marks
            else:
                current._item_marks = marks
            key, anchor_here, before = _NO_KEY, event.anchor, nodes + expanded
            continue
        elif kind is AliasEvent:
            mark = event.start_mark
            if event.anchor not in anchors:
                if event.anchor in opened:
                    message = N_("an alias cannot refer to the value that contains it")
                    raise YamlFileError(problem(location(path, mark), message))
                raise ComposerError(None, None, "found undefined alias", mark)
            value, mark, size = anchors[event.anchor]  # an alias stands where its anchor is
            nodes += 1
            expanded += size
            if expanded > MAX_ALIAS_NODES:
                message = N_("YAML aliases expand to more than {limit} values")
                raise _limit(path, event.start_mark, message, MAX_ALIAS_NODES)
        else:  # the document's end
            break
        if is_map:
            if key is _NO_KEY:
                if type(value) is str and value not in current:
                    key, key_mark = value, mark
                else:
                    key, error = _key(current, value, mark, path)
                    key_mark = mark
                    refused = refused or error
            else:
                if key is not _BAD_KEY:
                    current[key] = value
                    marks[key] = (key_mark, mark)
                key = _NO_KEY
        elif current is not None:
            current.append(value)
            marks.append(mark)
        else:
            root, root_mark = value, mark
    following = get_event()
    if type(following) is not StreamEndEvent:
        raise ComposerError(
            "expected a single document in the stream",
            root_mark,
            "but found another document",
            following.start_mark,
        )
    if refused is not None:
        raise refused
    return root
