"""YAML data files (the registry, the subscribers) read into values that
remember where they came from (``composer``), within limits: a regular file of
at most ``MAX_FILE_BYTES``, nesting, values and aliases as ``composer`` allows.
Everything wrong is one YamlFileError naming file:line:column: syntax, tabs in
indentation, duplicate keys, tags that are not plain data, characters YAML
does not allow. Dates stay strings: the registry parses them itself, so that
1954-02-31 gets a clear message instead of a YAML error.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml

from ..errors import Location, Problem, YamlFileError, problem
from ..i18n import N_
from .composer import EMPTY, MAX_DEPTH, YamlList, YamlMap, collector_paused, compose, location

__all__ = ["YamlList", "YamlMap", "load", "read_limited", "read_text"]

MAX_FILE_BYTES = 64 * 2**20  # a 100 000-entry registry is about 40 MB

# libyaml's parser (with the same marks) where PyYAML was built with it: ten
# times faster on large registries.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _syntax_problem(path: str, text: str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    where = location(path, mark) if mark else Location(path)
    lines = text.splitlines()
    line = lines[mark.line] if mark and mark.line < len(lines) else ""
    indentation = line[: len(line) - len(line.lstrip(" \t"))]
    if "\t" in indentation or "tab" in (error.problem or ""):
        return problem(where, N_("tab character: indent YAML with spaces, not tabs"))
    detail = (error.problem or str(error)).strip().splitlines()[0]
    return problem(where, N_("YAML syntax error: {detail}"), detail=detail)


NOT_REGULAR = "not a regular file"
TOO_LARGE = "too large"


def read_limited(path: str | Path, limit: int) -> tuple[bytes, None] | tuple[None, str]:
    """``(bytes, None)`` for a regular file of at most ``limit`` bytes, else
    ``(None, NOT_REGULAR or TOO_LARGE)``; OSError when it cannot be opened.
    Opened without blocking, so that a named pipe is refused, not waited on."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None, NOT_REGULAR
        if info.st_size > limit:
            return None, TOO_LARGE
        with os.fdopen(descriptor, "rb") as file:
            descriptor = None
            data = file.read(limit + 1)  # the file may have grown since fstat
    finally:
        if descriptor is not None:
            os.close(descriptor)
    return (None, TOO_LARGE) if len(data) > limit else (data, None)


def read_text(path: str | Path, shown: str, limit: int | None = None) -> str:
    """A data file's UTF-8 text with universal newlines, or YamlFileError
    (``limit``: at most so many bytes, by default MAX_FILE_BYTES)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        data, refusal = read_limited(path, limit)
    except FileNotFoundError:
        raise YamlFileError(problem(Location(shown), N_("file not found"))) from None
    except OSError as error:
        raise YamlFileError(
            problem(Location(shown), N_("cannot read the file: {reason}"), reason=error.strerror)
        ) from None
    if refusal == NOT_REGULAR:
        raise YamlFileError(problem(Location(shown), N_("not a regular file")))
    if refusal == TOO_LARGE:
        raise YamlFileError(
            problem(Location(shown), N_("file too large: more than {limit} bytes"), limit=limit)
        )
    assert data is not None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlFileError(
            problem(Location(shown), N_("not UTF-8 text (byte {offset})"), offset=error.start)
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def load(path: str | Path, display_path: str | None = None):
    """Read a YAML file into YamlMap/YamlList/scalars, or raise YamlFileError."""
    shown = display_path or str(path)
    text = read_text(path, shown)
    loader = _Loader(text)
    try:
        with collector_paused():
            value = compose(loader, shown)
        if value is EMPTY:
            raise YamlFileError(problem(Location(shown, 1, 1), N_("the file is empty")))
        return value
    except YamlFileError:
        raise
    except yaml.reader.ReaderError as error:
        # libyaml counts the position in bytes of the UTF-8 text, PyYAML's reader in characters.
        before = text.encode("utf-8")[: error.position].decode("utf-8", "replace")
        if _Loader is yaml.SafeLoader:
            before = text[: error.position]
        where = Location(shown, before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
        character = error.character if isinstance(error.character, str) else chr(error.character)
        raise YamlFileError(
            problem(where, N_("character U+{code:04X} is not allowed in YAML"), code=ord(character))
        ) from None
    except yaml.MarkedYAMLError as error:
        if error.problem == "exceeded maximum nesting depth" and error.problem_mark:
            # libyaml's own limit (1 000 levels), met while its scanner reads ahead
            raise YamlFileError(
                problem(
                    location(shown, error.problem_mark),
                    N_("YAML nested more than {limit} levels deep"),
                    limit=MAX_DEPTH,
                )
            ) from None
        raise YamlFileError(_syntax_problem(shown, text, error)) from None
    except yaml.YAMLError as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise YamlFileError(
            problem(Location(shown), N_("YAML syntax error: {detail}"), detail=detail)
        ) from None
    finally:
        loader.dispose()
