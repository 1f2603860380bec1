"""A registry in several files: ``include:`` lists paths or globs relative to
the including file (a province keeps ``local/<province>.yaml`` beside the
national file). Included files may include others.

The files are read depth first, each include in its order and the matches of
a glob sorted by path, so entries keep a stable order. An include of a path
without glob characters that does not exist is an error; a glob may match
nothing. Including a file that is already on the way to it (a cycle), or a
file already included elsewhere (a repeat), is an error at the include that
does it. Every problem names the file, line and column where it is.

Besides the files, the loader lists what to watch for changes: every file
read or sought, and the folders the globs looked in (a new file there changes
the folder's modification time). ``stamp`` turns that list into a value that
changes whenever the registry may have changed, for the web service's reload
and the scheduler's watcher.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Location, Problem, YamlFileError, problem
from ..i18n import N_
from . import yamlfile
from .yamlfile import YamlList, YamlMap

INCLUDE = "include"
_MAGIC = frozenset("*?[")


@dataclass(frozen=True)
class RegistryFile:
    """One file of the registry as read: where it is, how errors name it, its YAML."""

    path: Path  # resolved
    shown: str  # the path errors show (relative to the registry as it was named)
    data: object
    root: bool = False

    @property
    def base(self) -> str:
        """The folder its relative paths (includes, documents' files) start from."""
        return str(self.path.parent)


@dataclass
class Files:
    files: list[RegistryFile] = field(default_factory=list)
    watched: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)  # those the globs looked in (also in ``watched``)


def is_glob(text: str) -> bool:
    return any(ch in _MAGIC for ch in text)


def load_files(path: str | Path, display_path: str | None = None) -> Files:
    """Read the registry file and every file it includes, depth first."""
    found = Files()
    _visit(Path(path), display_path or str(path), [], {Path(path).resolve(): None}, found)
    found.watched = list(dict.fromkeys(found.watched))
    found.folders = list(dict.fromkeys(found.folders))
    return found


def _visit(
    path: Path, shown: str, chain: list[tuple[Path, str]], seen: dict[Path, Location | None], found: Files
) -> None:
    real = path.resolve()
    found.watched.append(str(path))
    try:
        data = yamlfile.load(path, shown)
    except YamlFileError as error:
        found.problems.append(error.problem)
        return
    found.files.append(RegistryFile(real, shown, data, root=not chain))
    if not isinstance(data, YamlMap) or INCLUDE not in data:
        return
    items = data[INCLUDE]
    if not isinstance(items, YamlList):
        found.problems.append(
            problem(data.where(INCLUDE), N_("expected a list of paths or globs"), field=INCLUDE)
        )
        return
    here = [*chain, (real, shown)]
    for item, where in zip(items, items.item_locations, strict=True):
        if not isinstance(item, str) or not item.strip():
            found.problems.append(problem(where, N_("expected a path or a glob"), field=INCLUDE))
            continue
        for target, target_shown in _targets(item.strip(), real.parent, shown, where, found):
            _include(target, target_shown, here, seen, where, found)


def _shown(target: Path, base: Path, parent_shown: str) -> str:
    """How errors name an included file: beside the including file as that one is named."""
    return os.path.normpath(os.path.join(os.path.dirname(parent_shown), os.path.relpath(target, base)))


def _targets(
    item: str, base: Path, parent_shown: str, where: Location, found: Files
) -> list[tuple[Path, str]]:
    pattern = os.path.join(base, item)  # an absolute item stays as it is
    if not is_glob(item):
        target = Path(pattern)
        found.watched.append(str(target))
        if target.is_dir():
            found.problems.append(
                problem(
                    where,
                    N_("'{path}' is a folder: include files, or a glob such as {path}/*.yaml"),
                    field=INCLUDE,
                    path=item,
                )
            )
            return []
        if not target.is_file():
            found.problems.append(
                problem(where, N_("included file '{path}' not found"), field=INCLUDE, path=item)
            )
            return []
        return [(target, _shown(target, base, parent_shown))]
    looked = _glob_folders(pattern)
    found.watched.extend(looked)
    found.folders.extend(looked)
    matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    return [(target, _shown(target, base, parent_shown)) for target in matches]


def _glob_folders(pattern: str) -> list[str]:
    """The folders a glob looks in: its fixed part, and every folder below it for **."""
    parts = Path(pattern).parts
    fixed = []
    for part in parts[:-1]:
        if is_glob(part):
            break
        fixed.append(part)
    prefix = Path(*fixed) if fixed else Path(".")
    folders = [str(prefix)]
    if any(is_glob(part) for part in parts[:-1]) and prefix.is_dir():
        folders += sorted(str(Path(top) / name) for top, names, _ in os.walk(prefix) for name in names)
    return folders


def _include(
    target: Path,
    shown: str,
    chain: list[tuple[Path, str]],
    seen: dict[Path, Location | None],
    where: Location,
    found: Files,
) -> None:
    real = target.resolve()
    ancestors = [path for path, _ in chain]
    if real in ancestors:
        names = [name for _, name in chain[ancestors.index(real) :]] + [shown]
        found.problems.append(
            problem(where, N_("include cycle: {cycle}"), field=INCLUDE, cycle=" → ".join(names))
        )
        return
    if real in seen:
        first = seen[real]
        found.problems.append(
            problem(
                where,
                N_("'{path}' is already included (at {first})"),
                field=INCLUDE,
                path=shown,
                first=f"{first.path}:{first.line}" if first else shown,
            )
        )
        return
    seen[real] = where
    _visit(target, shown, chain, seen, found)


def stamp(paths: Iterable[str]) -> tuple:
    """A value that changes when any of these files or folders changes, appears
    or disappears (modification time and size of each)."""
    values: list[tuple] = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            values.append((path, None))
            continue
        values.append((path, info.st_mtime_ns, info.st_size))
    return tuple(values)
