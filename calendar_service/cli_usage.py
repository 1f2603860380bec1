"""Click's own usage errors ("No such option", "Invalid value for '--days'")
in the reader's language.

Click writes these sentences itself, in English, before any of our code runs
(the arguments are not parsed yet). ``CalendarGroup`` runs the command line
with click's standalone mode off, catches its ClickException and writes it
again here: from the exception's facts where it carries them (the option, the
parameter, the close matches), and otherwise by recognising click's English
sentence among the ones below and saying it from our catalog. A sentence a
later click adds is shown as click wrote it.

The language is the one the command would speak: ``--lang``, else the
settings (environment, configuration file), else Vietnamese.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Sequence

import click

from .config import load_settings
from .errors import CalendarServiceError
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Language, gettext, ngettext

# Click's English sentence (click 8), and ours for it; '{x}' stands where
# click writes {x!r}. The first that matches is used: specific ones first.
_SENTENCES = (
    ("{value!r} is not a valid {number_type}.", N_("'{value}' is not a valid {number_type}.")),
    ("{value!r} is not one of {choices}.", N_("'{value}' is not one of {choices}.")),
    ("{value!r} is not {choice}.", N_("'{value}' is not {choice}.")),
    ("{value} is not in the range {range}.", N_("{value} is not in the range {range}.")),
    ("{name} {filename!r} does not exist.", N_("{name} '{filename}' does not exist.")),
    ("{name} {filename!r} is a file.", N_("{name} '{filename}' is a file.")),
    ("{name} {filename!r} is a directory.", N_("{name} '{filename}' is a directory.")),
    ("{name} {filename!r} is not readable.", N_("{name} '{filename}' is not readable.")),
    ("{name} {filename!r} is not writable.", N_("{name} '{filename}' is not writable.")),
    ("Option {name!r} requires an argument.", N_("Option '{name}' needs a value.")),
    ("Option {name!r} requires {nargs} arguments.", N_("Option '{name}' needs {nargs} values.")),
    ("Option {name!r} does not take a value.", N_("Option '{name}' does not take a value.")),
    ("Got unexpected extra argument ({args})", N_("Unexpected extra argument: {args}")),
    ("Got unexpected extra arguments ({args})", N_("Unexpected extra arguments: {args}")),
    ("Missing command.", N_("Missing command.")),
    ("Missing argument {name!r}.", N_("Missing argument '{name}'.")),
    ("Missing option {name!r}.", N_("Missing option '{name}'.")),
)
# Words click puts into those sentences (as {number_type} and an unquoted {name}).
_WORDS = {
    "integer": N_("whole number"),
    "float": N_("number"),
    "File": N_("File"),
    "Directory": N_("Directory"),
    "Path": N_("Path"),
}
_QUOTED = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""


@functools.cache
def _pattern(english: str) -> tuple[re.Pattern[str], frozenset[str]]:
    """A regular expression matching the sentence as click formats it, and
    the fields click wrote with repr()."""
    quoted, parts, position = set(), [], 0
    for found in re.finditer(r"\{(\w+)(!r)?\}", english):
        parts.append(re.escape(english[position : found.start()]))
        name = found[1]
        if found[2]:
            quoted.add(name)
            parts.append(f"(?P<{name}>{_QUOTED})")
        else:
            parts.append(f"(?P<{name}>.+?)")
        position = found.end()
    parts.append(re.escape(english[position:]))
    return re.compile("".join(parts), re.S), frozenset(quoted)


def sentence(text: str, lang: Language) -> str:
    """One of click's sentences in ``lang`` (unchanged when it is not known)."""
    for english, ours in _SENTENCES:
        pattern, quoted = _pattern(english)
        found = pattern.fullmatch(text)
        if found is None:
            continue
        params = {}
        for name, value in found.groupdict().items():
            if name in quoted:
                value = ast.literal_eval(value)
            word = name == "number_type" or (name == "name" and name not in quoted)
            params[name] = gettext(_WORDS[value], lang) if word and value in _WORDS else value
        return gettext(ours, lang).format(**params)
    return text


def _close_matches(possibilities: Sequence[str] | None, lang: Language) -> str:
    if not possibilities:
        return ""
    listed = ", ".join(f"'{p}'" for p in sorted(possibilities))
    return " " + ngettext(
        "Did you mean {options}?", "Did you mean one of {options}?", len(possibilities), lang
    ).format(options=listed)


def message(error: click.ClickException, lang: Language) -> str:
    """What went wrong, in ``lang``: the part after "Error: "."""
    if isinstance(error, click.NoSuchOption):
        return gettext("No such option '{name}'.", lang).format(name=error.option_name) + _close_matches(
            error.possibilities, lang
        )
    if isinstance(error, click.exceptions.NoSuchCommand):
        return gettext("No such command '{name}'.", lang).format(name=error.command_name) + _close_matches(
            error.possibilities, lang
        )
    if isinstance(error, click.BadParameter) and not isinstance(error, click.MissingParameter):
        hint = error.param_hint
        if hint is None and error.param is not None:
            hint = error.param.get_error_hint(error.ctx)
        if hint is None:
            return gettext("Invalid value: {message}", lang).format(message=sentence(error.message, lang))
        if not isinstance(hint, str):
            hint = " / ".join(f"'{name}'" for name in hint)
        return gettext("Invalid value for {param_hint}: {message}", lang).format(
            param_hint=hint, message=sentence(error.message, lang)
        )
    return sentence(error.format_message(), lang)


def render(error: click.ClickException, lang: Language) -> str:
    """The usage line, the hint and the error, as click lays them out."""
    lines = []
    ctx = getattr(error, "ctx", None)
    if isinstance(error, click.UsageError) and ctx is not None:
        usage = ctx.get_usage()
        if usage.startswith("Usage:"):
            usage = gettext("Usage:", lang) + usage[len("Usage:") :]
        lines.append(usage)
        if ctx.command.get_help_option(ctx) is not None:
            option = max(ctx.command.get_help_option_names(ctx), key=len)
            lines.append(
                gettext("Try '{command} {option}' for help.", lang).format(
                    command=ctx.command_path, option=option
                )
            )
        lines.append("")
    lines.append(gettext("Error: {message}", lang).format(message=message(error, lang)))
    return "\n".join(lines)


def reader_language(args: Sequence[str]) -> Language:
    """The language the command would have spoken: ``--lang``, else the
    settings, else the default."""
    asked = config = None
    for index, arg in enumerate(args):
        following = args[index + 1] if index + 1 < len(args) else None
        if arg == "--lang":
            asked = following
        elif arg.startswith("--lang="):
            asked = arg.split("=", 1)[1]
        elif arg == "--config":
            config = following
        elif arg.startswith("--config="):
            config = arg.split("=", 1)[1]
    if asked in LANGUAGES:
        return Language(asked)
    try:
        return load_settings(config).language
    except (CalendarServiceError, OSError):
        return DEFAULT_LANGUAGE


class CalendarGroup(click.Group):
    """The command group whose usage errors are written in the reader's language."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        args = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as error:
            click.echo(render(error, reader_language(args)), err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo(gettext("Aborted!", reader_language(args)), err=True)
            sys.exit(1)
        # Without standalone mode click returns the exit code of --help and
        # --version, and a command's return value (ours return None).
        sys.exit(result if isinstance(result, int) else 0)
