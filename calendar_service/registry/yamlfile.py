"""YAML reading that remembers where every value came from.

PyYAML composes the node tree (with line and column marks); this module turns it
into plain dicts and lists that also carry those marks, and refuses what a
registry must never contain silently: duplicate keys, tabs in indentation,
tags that are not plain data. Dates stay strings: the registry parses them
itself, so that 1954-02-31 gets a clear message instead of a YAML error.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import Location, Problem, YamlFileError, problem
from ..i18n import N_

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_TEXT_TAGS = {"tag:yaml.org,2002:timestamp"}
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


# libyaml's parser (with the same marks) where PyYAML was built with it: ten
# times faster on large registries.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlMap(dict):
    """A mapping with the locations of the mapping, its keys and its values."""

    location: Location
    key_locations: dict[str, Location]
    value_locations: dict[str, Location]

    def where(self, key: str) -> Location:
        return self.value_locations.get(key, self.location)


class YamlList(list):
    """A sequence with the locations of the sequence and of each item."""

    location: Location
    item_locations: list[Location]

    def where(self, index: int) -> Location:
        return self.item_locations[index] if index < len(self.item_locations) else self.location


def _location(path: str, mark) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


def _convert(node, loader: yaml.SafeLoader, path: str):
    if node.tag not in _PLAIN_TAGS | _TEXT_TAGS | _COLLECTION_TAGS:
        raise YamlFileError(
            problem(_location(path, node.start_mark), N_("unsupported YAML tag {tag}"), tag=node.tag)
        )
    if isinstance(node, yaml.MappingNode):
        result = YamlMap()
        result.location = _location(path, node.start_mark)
        result.key_locations = {}
        result.value_locations = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, loader, path)
            where = _location(path, key_node.start_mark)
            if not isinstance(key, (str, int, bool)) or key is None:
                raise YamlFileError(problem(where, N_("a key must be a plain word")))
            key = str(key)
            if key in result:
                raise YamlFileError(
                    problem(
                        where,
                        N_("duplicate key '{key}' (first given on line {line})"),
                        key=key,
                        line=result.key_locations[key].line,
                    )
                )
            result[key] = _convert(value_node, loader, path)
            result.key_locations[key] = where
            result.value_locations[key] = _location(path, value_node.start_mark)
        return result
    if isinstance(node, yaml.SequenceNode):
        result = YamlList(_convert(item, loader, path) for item in node.value)
        result.location = _location(path, node.start_mark)
        result.item_locations = [_location(path, item.start_mark) for item in node.value]
        return result
    if node.tag in _TEXT_TAGS:
        return node.value
    return loader.construct_object(node, deep=True)


def _syntax_problem(path: str, text: str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    where = _location(path, mark) if mark else Location(path)
    lines = text.splitlines()
    line = lines[mark.line] if mark and mark.line < len(lines) else ""
    indentation = line[: len(line) - len(line.lstrip(" \t"))]
    if "\t" in indentation or "tab" in (error.problem or ""):
        return problem(where, N_("tab character: indent YAML with spaces, not tabs"))
    detail = (error.problem or str(error)).strip().splitlines()[0]
    return problem(where, N_("YAML syntax error: {detail}"), detail=detail)


def load(path: str | Path, display_path: str | None = None):
    """Read a YAML file into YamlMap/YamlList/scalars, or raise YamlFileError."""
    shown = display_path or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlFileError(problem(Location(shown), N_("file not found"))) from None
    except UnicodeDecodeError as error:
        raise YamlFileError(
            problem(Location(shown), N_("not UTF-8 text (byte {offset})"), offset=error.start)
        ) from None
    except OSError as error:
        raise YamlFileError(
            problem(Location(shown), N_("cannot read the file: {reason}"), reason=error.strerror)
        ) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlFileError(problem(Location(shown, 1, 1), N_("the file is empty")))
        return _convert(node, loader, shown)
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        where = Location(shown, before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1)
        character = error.character if isinstance(error.character, str) else chr(error.character)
        raise YamlFileError(
            problem(where, N_("character U+{code:04X} is not allowed in YAML"), code=ord(character))
        ) from None
    except yaml.MarkedYAMLError as error:
        raise YamlFileError(_syntax_problem(shown, text, error)) from None
    except yaml.YAMLError as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise YamlFileError(
            problem(Location(shown), N_("YAML syntax error: {detail}"), detail=detail)
        ) from None
    finally:
        loader.dispose()
