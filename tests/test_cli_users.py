"""``calendar-service users``: accounts made and changed from the command line,
on the shared database; passwords from a prompt (twice) or standard input,
never an argument; errors one line, exit 1, in the chosen language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from calendar_service.cli import main
from calendar_service.db import open_database
from calendar_service.db.schema import users
from calendar_service.planning.accounts import Accounts, Role

PASSWORD = "correct horse battery"


@pytest.fixture
def env(environment):
    return environment()


@pytest.fixture
def accounts(env):
    database = open_database(env["CALENDAR_DATABASE_URL"])
    yield Accounts(database.engine)
    database.dispose()


def users_(runner, env, *args, input=None):
    return runner.invoke(main, ["users", *args], env=env, input=input)


def test_add_from_standard_input_then_list(runner, env, accounts):
    done = users_(
        runner,
        env,
        "add",
        "Admin",
        "--role",
        "admin",
        "--name",
        "Quản trị viên",
        "--email",
        "admin@example.org",
        "--password-stdin",
        "--lang",
        "en",
        input=PASSWORD + "\n",
    )
    assert done.exit_code == 0, done.output
    assert done.output == "Account admin created: admin.\n"
    assert accounts.verify("admin", PASSWORD).role is Role.ADMIN
    with accounts.engine.connect() as connection:
        assert PASSWORD not in connection.execute(select(users.c.password_hash)).scalar_one()
    users_(runner, env, "add", "lan", "--role", "editor", "--password-stdin", input=PASSWORD + "\n")
    listed = users_(runner, env, "list", "--lang", "en")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].split() == ["username", "name", "role", "active", "email"]
    assert lines[1].split() == ["admin", "Quản", "trị", "viên", "admin", "yes", "admin@example.org"]
    assert lines[2].split() == ["lan", "lan", "editor", "yes", "—"]
    # Columns line up (Vietnamese letters are one column each).
    assert lines[1].index("admin ") == 0 and lines[0].index("role") == lines[1].index("admin", 5)
    vi = users_(runner, env, "list")
    assert vi.output.splitlines()[0].split()[:2] == ["tên", "đăng"]


def test_add_asks_for_the_password_twice(runner, env, accounts):
    done = users_(runner, env, "add", "lan", "--role", "viewer", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert done.exit_code == 0 and PASSWORD not in done.output
    assert accounts.verify("lan", PASSWORD) is not None
    differ = users_(
        runner, env, "add", "tuan", "--role", "viewer", "--lang", "en", input=f"{PASSWORD}\nother one!\n"
    )
    assert differ.exit_code == 1 and differ.output.splitlines()[-1] == "the two passwords differ"
    assert accounts.find("tuan") is None


def test_a_password_is_never_an_argument(runner, env):
    refused = users_(runner, env, "add", "lan", "--role", "viewer", "--password", PASSWORD)
    assert refused.exit_code == 2 and "--password" in refused.output


@pytest.mark.parametrize(
    "args, stdin, vi, en",
    [
        (
            ["add", "x", "--role", "boss"],
            PASSWORD,
            "'boss' không phải vai trò",
            "'boss' is not a role: viewer, editor or admin",
        ),
        (
            ["add", "a b", "--role", "viewer"],
            PASSWORD,
            "'a b' không phải tên đăng nhập hợp lệ",
            "'a b' is not a valid username",
        ),
        (
            ["add", "x", "--role", "viewer"],
            "short",
            "mật khẩu quá ngắn",
            "the password is too short: at least 10 characters",
        ),
        (
            ["add", "x", "--role", "viewer", "--email", "nope"],
            PASSWORD,
            "'nope' không phải địa chỉ email",
            "'nope' is not an email address",
        ),
        (
            ["add", "x", "--role", "viewer"],
            "",
            "không có mật khẩu trên đầu vào chuẩn",
            "no password on standard input",
        ),
        (["passwd", "nobody"], PASSWORD, "không có tài khoản tên 'nobody'", "no account named 'nobody'"),
        (["disable", "nobody"], None, "không có tài khoản tên 'nobody'", "no account named 'nobody'"),
        (["role", "nobody", "editor"], None, "không có tài khoản tên 'nobody'", "no account named 'nobody'"),
    ],
)
def test_errors_are_one_line_in_the_chosen_language(runner, env, args, stdin, vi, en):
    extra = ["--password-stdin"] if stdin is not None else []
    for lang, expected in (("vi", vi), ("en", en)):
        result = users_(
            runner, env, *args, *extra, "--lang", lang, input=None if stdin is None else stdin + "\n"
        )
        assert result.exit_code == 1
        assert len(result.output.strip().splitlines()) == 1 and expected in result.output, result.output


def test_an_existing_account_is_not_replaced(runner, env, accounts):
    users_(runner, env, "add", "lan", "--role", "viewer", "--password-stdin", input=PASSWORD + "\n")
    again = users_(
        runner,
        env,
        "add",
        "LAN",
        "--role",
        "admin",
        "--password-stdin",
        "--lang",
        "en",
        input="another password\n",
    )
    assert again.exit_code == 1 and again.output == "an account named 'lan' already exists\n"
    assert accounts.get("lan").role is Role.VIEWER and accounts.verify("lan", PASSWORD) is not None


def test_passwd_disable_enable_and_role(runner, env, accounts):
    users_(runner, env, "add", "lan", "--role", "viewer", "--password-stdin", input=PASSWORD + "\n")
    done = users_(runner, env, "passwd", "lan", "--password-stdin", "--lang", "en", input="a new password\n")
    assert done.output == "New password set for lan.\n"
    assert accounts.verify("lan", "a new password") is not None and accounts.verify("lan", PASSWORD) is None
    assert users_(runner, env, "disable", "lan", "--lang", "en").output == "Account lan disabled.\n"
    assert accounts.verify("lan", "a new password") is None
    assert "no" in users_(runner, env, "list", "--lang", "en").output.splitlines()[1].split()
    assert users_(runner, env, "enable", "lan", "--lang", "en").output == "Account lan enabled.\n"
    assert (
        users_(runner, env, "role", "lan", "editor", "--lang", "en").output == "Account lan is now: editor.\n"
    )
    assert accounts.get("lan").role is Role.EDITOR
    assert users_(runner, env, "role", "lan", "king", "--lang", "en").exit_code == 1


def test_no_accounts_yet(runner, env):
    result = users_(runner, env, "list", "--lang", "en")
    assert result.exit_code == 0 and "No accounts yet" in result.output
