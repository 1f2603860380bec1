"""Hostile YAML files (registry and subscribers): deep nesting, alias bombs,
enormous numbers and files that are not files. Each is refused with one error
naming file:line:column; nothing crashes, hangs or stops a long-running process.

Cases that crashed the interpreter (a segfault) or hung it run in a subprocess,
bounded in time and memory, so that a regression fails the test instead of
killing the test run."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap

import pytest
from paths import REAL_REGISTRY, ROOT

from calendar_service.alerts.subscribers import load_subscribers
from calendar_service.config import load_settings
from calendar_service.errors import SubscribersError
from calendar_service.registry import yamlfile
from calendar_service.registry.checks import check

SETTINGS = load_settings(environ={})

# A few hundred bytes whose aliases expand to a million values (the review's file had 744).
ALIAS_BOMB = "version: 1\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 10 if previous else ['lol'] * 10)}]\n"
    for previous, name in zip([None, "a", "b", "c", "d", "e"], ["a", "b", "c", "d", "e", "f"], strict=True)
)


def run_python(
    code: str, *args: str, timeout: float = 60, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with at most 1.5 GB of memory and
    ``timeout`` seconds: a crash shows as a negative return code."""

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))

    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit_memory,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return run_python("from calendar_service.cli import main; main()", *args, env=env, timeout=timeout)


def errors(path) -> list[str]:
    return [found.render("en") for found in check(path).errors]


def registry_lines(stdout: str) -> str:
    """What `validate` says of the registry (it then reports the subscribers file too)."""
    return "".join(f"{line}\n" for line in stdout.splitlines() if "subscribers" not in line)


def test_thirty_thousand_open_brackets_crashed_validate(tmp_path):
    """`[` × 30 000 made `validate` (and every process loading the registry) die of a segfault."""
    path = tmp_path / "events.yaml"
    path.write_text("[" * 30_000, encoding="utf-8")
    result = cli("validate", "--registry", str(path), "--lang", "en")
    assert result.returncode == 1, (result.returncode, result.stderr[-500:])
    # libyaml's scanner reads the brackets ahead and stops at its own limit, 1 000 levels
    assert registry_lines(result.stdout) == (
        f"error: {path}:1:1001: YAML nested more than 64 levels deep\n{path}: 1 error.\n"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text, where",
    [
        ("[" * 1000 + "]" * 1000, "1:65"),
        ("{a: " * 1000 + "}" * 1000, "1:257"),
        ("".join(" " * depth + "a:\n" for depth in range(1000)) + " " * 1000 + "b\n", "65:65"),
        ("".join(" " * depth + "- \n" for depth in range(1000)) + " " * 1000 + "b\n", "65:65"),
    ],
    ids=["flow-sequences", "flow-mappings", "block-mappings", "block-sequences"],
)
def test_a_thousand_levels_of_nesting_gave_a_recursion_error(tmp_path, text, where):
    """1 000 nested levels gave a RecursionError traceback (and 500s in the web service)."""
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    assert errors(path) == [f"{path}:{where}: YAML nested more than 64 levels deep"]


def test_sixty_four_levels_are_still_read(tmp_path):
    """The depth limit is a limit, not an off-by-one: 64 levels load."""
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 64 + "1" + "]" * 64, encoding="utf-8")
    value = yamlfile.load(path)
    for _ in range(64):
        (value,) = value
    assert value == 1


def test_five_thousand_digit_integer_gave_a_traceback(tmp_path):
    """A 5 000-digit integer raised ValueError (Python's int-to-text limit) as a traceback."""
    path = tmp_path / "events.yaml"
    path.write_text("version: 1\nevents:\n  - id: x\n    date: " + "1" * 5000 + "\n", encoding="utf-8")
    assert errors(path) == [f"{path}:4:11: number too long: 5000 characters (at most 40)"]


def test_explicit_tag_with_a_wrong_value_gave_a_traceback(tmp_path):
    """`!!int abc` raised ValueError from PyYAML's constructor as a traceback."""
    path = tmp_path / "events.yaml"
    path.write_text("version: !!int abc\n", encoding="utf-8")
    assert errors(path) == [f"{path}:1:10: 'abc' cannot be read as tag:yaml.org,2002:int"]


def test_alias_that_contains_itself_gave_a_recursion_error(tmp_path):
    """`a: &x [*x]` composed a cycle that turned into a RecursionError traceback."""
    path = tmp_path / "events.yaml"
    path.write_text("version: 1\na: &x [1, *x]\n", encoding="utf-8")
    assert errors(path) == [f"{path}:2:11: an alias cannot refer to the value that contains it"]


def test_alias_bomb_of_744_bytes_hung_validate(tmp_path):
    """744 bytes of anchors and aliases expanding to 10⁶ values hung `validate` (2.2 GB, 70 s)."""
    path = tmp_path / "events.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    result = cli("validate", "--registry", str(path), "--lang", "en", timeout=30)
    assert result.returncode == 1, result.stderr[-500:]
    assert registry_lines(result.stdout) == (
        f"error: {path}:6:36: YAML aliases expand to more than 100000 values\n{path}: 1 error.\n"
    )


def test_aliases_that_stay_small_are_still_read(tmp_path):
    """Anchors and aliases are YAML: a shared value used a few times loads as before."""
    path = tmp_path / "shared.yaml"
    path.write_text("a: &s {vi: x, en: y}\nb: *s\nc: [*s, *s]\n", encoding="utf-8")
    data = yamlfile.load(path)
    assert data["b"] == data["c"][1] == {"vi": "x", "en": "y"}
    assert str(data.where("b")) == f"{path}:1:4"  # an alias stands where its anchor is


def test_alias_bomb_of_442_bytes_in_subscribers_hung_alerts(tmp_path):
    """442 bytes of aliases in `subscribers.yaml` hung `alerts`."""
    subscribers = tmp_path / "subscribers.yaml"
    bomb = "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 9 if previous else ['x'] * 9)}]\n"
        for previous, name in zip([None, "a", "b", "c", "d", "e"], "abcdef", strict=False)
    )
    subscribers.write_text(bomb + "subscribers:\n  - email: *f\n", encoding="utf-8")
    assert len(subscribers.read_bytes()) <= 442
    env = {
        "CALENDAR_REGISTRY": str(REAL_REGISTRY),
        "CALENDAR_SUBSCRIBERS": str(subscribers),
        "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "CALENDAR_FEEDS_DIR": str(tmp_path / "feeds"),
        "CALENDAR_OUTBOX": str(tmp_path / "outbox"),
    }
    result = cli("alerts", "--today", "2024-03-01", "--lang", "en", env=env, timeout=30)
    assert result.returncode == 1, result.stderr[-500:]
    assert result.stderr == f"{subscribers}:6:8: YAML aliases expand to more than 100000 values\n"
    with pytest.raises(SubscribersError):
        load_subscribers(subscribers, SETTINGS)


def test_bad_registry_killed_the_scheduler_job(tmp_path):
    """A nested or alias-bomb registry crashed or hung the scheduler's rebuild job, stopping every job."""
    code = textwrap.dedent("""\
        import logging, sys
        from calendar_service.scheduler import job_rebuild, RegistryWatcher
        from pathlib import Path
        logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(message)s")
        overrides = {"registry": sys.argv[1], "feeds_dir": sys.argv[2]}
        job_rebuild(None, overrides)
        watcher = RegistryWatcher(Path(sys.argv[1]), None, overrides)
        watcher.seen = None
        watcher()
        print("survived")
        """)
    for name, text in (
        ("nested", "[" * 1000 + "]" * 1000),
        ("very-nested", "[" * 30_000),
        ("bomb", ALIAS_BOMB),
    ):
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        result = run_python(code, str(path), str(tmp_path / "feeds"), timeout=30)
        assert result.returncode == 0, (name, result.returncode, result.stderr[-500:])
        lines = result.stdout.splitlines()
        assert lines[-1] == "survived"
        assert sum(line.startswith("ERROR feeds not rebuilt: ") for line in lines) == 2, result.stdout
        assert f"{path}:" in lines[0]
        assert not (tmp_path / "feeds").exists(), "nothing published from a bad registry"


def test_registry_path_to_dev_zero_read_forever(tmp_path):
    """`--registry /dev/zero` read until memory ran out; a registry must be a regular file."""
    result = cli("validate", "--registry", "/dev/zero", "--lang", "en", timeout=30)
    assert result.returncode == 1, result.stderr[-500:]
    assert registry_lines(result.stdout) == "error: /dev/zero: not a regular file\n/dev/zero: 1 error.\n"


def test_registry_file_over_the_size_limit(tmp_path, monkeypatch):
    """A registry larger than the limit is refused before it is parsed."""
    monkeypatch.setattr(yamlfile, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "events.yaml"
    path.write_text("version: 1\n" + "# padding\n" * 100, encoding="utf-8")
    assert errors(path) == [f"{path}: file too large: more than 1000 bytes"]


def document_registry(tmp_path, file: str) -> str:
    path = tmp_path / "events.yaml"
    path.write_text(
        "version: 1\ndocuments:\n  - id: doc\n    issuer: Test issuer\n    date: 2024-01-12\n"
        f"    title: Test guidance\n    file: {file}\nevents:\n  - id: x\n    title: {{vi: X, en: X}}\n"
        "    date: 1954-05-07\n    category: historical\n"
        "    sources: [{url: 'https://example.org/', title: T}]\n",
        encoding="utf-8",
    )
    return path


def test_document_file_pointing_at_dev_zero_ended_in_memory_error(tmp_path):
    """A document `file:` pointing at /dev/zero was read until a MemoryError."""
    path = document_registry(tmp_path, "/dev/zero")
    code = "import sys; from calendar_service.registry.checks import check\n"
    code += "print('\\n'.join(p.render('en') for p in check(sys.argv[1]).errors))"
    result = run_python(code, str(path), timeout=30)
    assert result.returncode == 0, result.stderr[-500:]
    assert registry_lines(result.stdout) == (
        f"{path}:3:5: entry 'doc', field 'file': source file '/dev/zero' is not a regular file\n"
    )


def test_huge_document_file_was_read_whole(tmp_path):
    """A document of any size was read whole into memory (a huge one ended in a MemoryError)."""
    path = document_registry(tmp_path, "big.txt")
    with open(tmp_path / "big.txt", "wb") as big:
        big.truncate(16 * 2**20 + 1)  # sparse: takes no room on disk
    assert errors(path) == [
        f"{path}:3:5: entry 'doc', field 'file': source file 'big.txt' is larger than 16 MB"
    ]


def test_document_file_that_is_a_directory(tmp_path):
    """A directory as a document gets the same one error, not an IsADirectoryError."""
    (tmp_path / "folder").mkdir()
    path = document_registry(tmp_path, "folder")
    assert errors(path) == [
        f"{path}:3:5: entry 'doc', field 'file': source file 'folder' is not a regular file"
    ]


def test_control_character_located_by_byte_instead_of_character(tmp_path):
    """A forbidden character after Vietnamese text was placed by its byte offset (wrong line and column)."""
    path = tmp_path / "events.yaml"
    path.write_bytes("version: 1\ntitle: Điện Biên Phủ\nx: a\x07b\n".encode())
    assert errors(path) == [f"{path}:3:5: character U+0007 is not allowed in YAML"]


def test_alias_bomb_in_subscribers_hung_the_alerts_job(tmp_path):
    """The scheduler's alerts job hung on an alias bomb in `subscribers.yaml` instead of logging one error."""
    subscribers = tmp_path / "subscribers.yaml"
    subscribers.write_text(
        ALIAS_BOMB.replace("version: 1\n", "") + "subscribers:\n  - email: *f\n", encoding="utf-8"
    )
    code = textwrap.dedent("""\
        import logging, sys
        from calendar_service.scheduler import job_alerts
        logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(message)s")
        job_alerts(None, {"registry": sys.argv[1]})
        print("survived")
        """)
    env = {
        "CALENDAR_SUBSCRIBERS": str(subscribers),
        "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "CALENDAR_FEEDS_DIR": str(tmp_path / "feeds"),
        "CALENDAR_OUTBOX": str(tmp_path / "outbox"),
    }
    result = run_python(code, str(REAL_REGISTRY), env=env, timeout=30)
    assert result.returncode == 0, result.stderr[-500:]
    assert [line for line in result.stdout.splitlines() if line.startswith(("ERROR", "survived"))] == [
        f"ERROR alerts not run: {subscribers}:5:36: YAML aliases expand to more than 100000 values",
        "survived",
    ]


def test_more_values_than_the_limit_are_refused(tmp_path, monkeypatch):
    """A flat list of millions of scalars is refused at the limit, not loaded into gigabytes."""
    from calendar_service.registry import composer

    monkeypatch.setattr(composer, "MAX_NODES", 1000)
    path = tmp_path / "events.yaml"
    path.write_text("[" + "0, " * 2000 + "0]", encoding="utf-8")
    assert errors(path) == [f"{path}:1:2999: more than 1000 values in one YAML file"]
