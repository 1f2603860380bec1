"""``calendar-service users``: the accounts of the web service, on the shared
database (its schema brought up to date first, as every command does).

A password is never an argument (it would stay in the shell's history and in
``ps``): it is asked twice at a prompt, or read as one line from standard
input with ``--password-stdin`` (for scripts). Errors are one line in the
chosen language and exit 1, through ``cli._common``.
"""

from __future__ import annotations

import datetime as dt
import sys
import unicodedata

import click

from .config import Settings
from .errors import AccountError
from .i18n import N_, Language, gettext
from .planning.accounts import MAX_PASSWORD, Accounts, Role, User

ROLES = [role.value for role in Role]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Accounts:
    """The accounts store on the configured database, closed on exit."""

    def __init__(self, settings: Settings):
        from .db import open_database

        self.database = open_database(settings.database_url)
        self.accounts = Accounts(self.database.engine)

    def __enter__(self) -> Accounts:
        return self.accounts

    def __exit__(self, *exc) -> None:
        self.database.dispose()


def _password(lang: Language, from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline(MAX_PASSWORD + 2)
        password = line.rstrip("\r\n")
        if not password:
            raise AccountError(N_("no password on standard input"))
        return password
    first = click.prompt(gettext("Password", lang), hide_input=True, default="", show_default=False)
    second = click.prompt(gettext("Password again", lang), hide_input=True, default="", show_default=False)
    if first != second:
        raise AccountError(N_("the two passwords differ"))
    if not first:
        raise AccountError(N_("no password given"))
    return first


def _role(value: str) -> Role:
    if value not in ROLES:
        raise AccountError(N_("'{role}' is not a role: viewer, editor or admin"), role=value)
    return Role(value)


_password_stdin = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (one line) instead of asking.",
)


def register(main: click.Group, common) -> None:
    """Add the ``users`` group to the command line (``common``: cli._common)."""

    @main.group("users")
    def users() -> None:
        """Accounts of the web service: viewers read, editors plan, admins manage accounts."""

    @users.command("add")
    @click.argument("username")
    @click.option(
        "--role", "role", required=True, metavar="viewer|editor|admin", help="What the account may do."
    )
    @click.option("--name", "display_name", help="Name shown in the pages (default: the username).")
    @click.option("--email", help="Email address (assignment mails go there).")
    @_password_stdin
    @common
    def add(
        settings: Settings,
        lang: Language,
        username: str,
        role: str,
        display_name: str | None,
        email: str | None,
        password_stdin: bool,
    ) -> None:
        """Create an account (the password is asked twice, never given as an argument)."""
        chosen = _role(role)
        password = _password(lang, password_stdin)
        with _Accounts(settings) as accounts:
            user = accounts.add(username, password, chosen, _now(), display_name=display_name, email=email)
        click.echo(
            gettext("Account {name} created: {role}.", lang).format(name=user.username, role=user.role.value)
        )

    @users.command("list")
    @common
    def list_(settings: Settings, lang: Language) -> None:
        """List the accounts: username, name, role, active, email."""
        with _Accounts(settings) as accounts:
            found = accounts.all()
        if not found:
            click.echo(gettext("No accounts yet: create one with calendar-service users add.", lang))
            return
        click.echo(_table(found, lang))

    @users.command("passwd")
    @click.argument("username")
    @_password_stdin
    @common
    def passwd(settings: Settings, lang: Language, username: str, password_stdin: bool) -> None:
        """Set a new password for an account."""
        with _Accounts(settings) as accounts:
            user = accounts.get(username)
            accounts.set_password(user.username, _password(lang, password_stdin), _now())
        click.echo(gettext("New password set for {name}.", lang).format(name=user.username))

    @users.command("disable")
    @click.argument("username")
    @common
    def disable(settings: Settings, lang: Language, username: str) -> None:
        """Disable an account: it can no longer sign in nor use its tokens."""
        with _Accounts(settings) as accounts:
            user = accounts.change(username, _now(), active=False)
        click.echo(gettext("Account {name} disabled.", lang).format(name=user.username))

    @users.command("enable")
    @click.argument("username")
    @common
    def enable(settings: Settings, lang: Language, username: str) -> None:
        """Enable a disabled account again."""
        with _Accounts(settings) as accounts:
            user = accounts.change(username, _now(), active=True)
        click.echo(gettext("Account {name} enabled.", lang).format(name=user.username))

    @users.command("role")
    @click.argument("username")
    @click.argument("role", metavar="viewer|editor|admin")
    @common
    def role_(settings: Settings, lang: Language, username: str, role: str) -> None:
        """Change what an account may do."""
        chosen = _role(role)
        with _Accounts(settings) as accounts:
            user = accounts.change(username, _now(), role=chosen)
        click.echo(
            gettext("Account {name} is now: {role}.", lang).format(name=user.username, role=user.role.value)
        )


def _width(text: str) -> int:
    """Columns a text takes in a terminal (wide East Asian characters take two)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def _table(found: list[User], lang: Language) -> str:
    head = [gettext(h, lang) for h in (N_("username"), N_("name"), N_("role"), N_("active"), N_("email"))]
    yes, no = gettext("yes", lang), gettext("no", lang)
    rows = [head] + [
        [u.username, u.display_name, u.role.value, yes if u.active else no, u.email or "—"] for u in found
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for row in rows:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
