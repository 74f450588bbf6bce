"""The CLI shell: help, version, status, config, db, and one-line errors."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def test_help_lists_commands_with_summaries(srs) -> None:
    result = srs("--help")
    assert result.exit_code == 0
    for name in ("init", "status", "config", "db"):
        assert f"  {name} " in result.output


def test_every_command_summary_is_whole_and_every_help_line_fits_80_columns(runner) -> None:  # type: ignore[no-untyped-def]
    import click

    from srs.cli import main

    def check(group: click.Group, args: list[str]) -> int:
        listing = runner.invoke(main, [*args, "--help"], terminal_width=80).output
        lines = listing.splitlines()
        assert all(len(line) <= 80 for line in lines), listing
        checked = 0
        for name, command in group.commands.items():
            summary = command.get_short_help_str(limit=10_000)
            assert not summary.endswith("..."), f"{' '.join([*args, name])}: {summary}"
            row = [line for line in lines if line.split()[:1] == [name] and line.startswith("  ")]
            assert row and row[0].split(None, 1)[1] == summary, f"{' '.join([*args, name])}: {row} in\n{listing}"
            checked += 1
            if isinstance(command, click.Group):
                checked += check(command, [*args, name])
            else:
                page = runner.invoke(main, [*args, name, "--help"], terminal_width=80).output
                assert all(len(line) <= 80 for line in page.splitlines()), page
        return checked

    assert check(main, []) >= 20


def test_version(srs) -> None:
    from srs import __version__

    result = srs("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_and_version_do_not_import_sqlalchemy_or_rich() -> None:
    code = (
        "import sys\n"
        "from srs.cli import main\n"
        "for args in (['--help'], ['--version'], ['status', '--help']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('sqlalchemy', 'rich', 'fsrs', 'alembic') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_status_on_empty_collection(srs, db_path: Path) -> None:
    result = srs("status")
    assert result.exit_code == 0, result.output
    assert "empty" in result.output
    assert "srs import" in result.output
    assert db_path.exists()


@pytest.mark.sqlite_only
def test_new_collection_file_is_private_and_parents_created(srs, tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c.db"
    result = srs("--db", str(target), "init")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    from srs.store.migrations import head_revision

    assert head_revision() in result.output


def test_status_on_a_file_that_is_not_a_database(srs, tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("just some text, not SQLite\n" * 50)
    result = srs("--db", str(bad), "status")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"Error: {bad}: not an srs collection")
    assert bad.read_text().startswith("just some text")  # untouched


def test_status_on_a_directory(srs, tmp_path: Path) -> None:
    result = srs("--db", str(tmp_path), "status")
    assert result.exit_code == 1
    assert "is a directory" in result.output
    assert "Traceback" not in result.output


def test_status_on_unreadable_file(srs, tmp_path: Path) -> None:
    target = tmp_path / "locked.db"
    target.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    target.chmod(0)
    try:
        if os.access(target, os.R_OK):  # root reads anything: fall back to a corrupt header
            target.chmod(0o600)
            target.write_bytes(b"\x00garbage" * 100)
        result = srs("--db", str(target), "status")
    finally:
        target.chmod(0o600)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert result.output.count("\n") == 1


def test_foreign_sqlite_database_is_refused(srs, tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("create table notes (id integer primary key, body text)")
    result = srs("--db", str(other), "status")
    assert result.exit_code == 1
    assert "not an srs collection" in result.output


def test_invalid_url(srs) -> None:
    result = srs("--db", "nosuchdialect://x/y", "status")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")


def test_unreachable_server_is_one_error_line(srs) -> None:
    pytest.importorskip("psycopg")
    result = srs("--db", "postgresql+psycopg://u:p@127.0.0.1:1/x", "status")  # nothing listens on port 1
    assert result.exit_code == 1
    assert result.output.startswith("Error: postgresql+psycopg://u:***@127.0.0.1:1/x: cannot open collection")
    assert result.output.count("\n") == 1 and "\t" not in result.output


@pytest.mark.parametrize("url", ["postgresql+psycopg://u:p@host:abc/x", "postgresql+psycopg://u@[::1", "postgresql+psycopg://u@[::1/x"])
def test_typo_in_a_database_url_is_one_error_line(srs, url: str) -> None:
    result = srs("--db", url, "status")
    assert result.exit_code == 1
    assert result.output.startswith("Error: invalid database URL ")
    assert result.output.count("\n") == 1
    assert ":p@" not in result.output  # the password is not shown


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_db_option_is_an_error(srs, tmp_path: Path, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # "  " would be a file name here
    result = srs("--db", value, "status", env={"SRS_DB": str(tmp_path / "other.db")})
    assert result.exit_code == 1
    assert result.output.startswith("Error: --db is empty")
    assert not (tmp_path / "other.db").exists()  # neither SRS_DB's collection nor the default one


@pytest.mark.sqlite_only
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_srs_db_is_unset(srs, tmp_path: Path, value: str) -> None:
    from srs.store.collection import default_collection_path

    result = srs("status", env={"SRS_DB": value})
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "home") in str(default_collection_path())  # the test's own HOME (conftest)
    assert default_collection_path().exists()


def test_config_set_and_show(srs) -> None:
    assert srs("config", "set", "new_per_day", "35").exit_code == 0
    assert srs("config", "set", "learning_steps", "1m 10m 1h").exit_code == 0
    assert srs("config", "set", "timezone", "Asia/Shanghai").exit_code == 0
    shown = srs("config", "show").output
    assert "35" in shown and "1m 10m 1h" in shown and "Asia/Shanghai" in shown


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("desired_retention", "1.5", "allowed: 0.7 to 0.99"),
        ("new_per_day", "lots", "not a whole number"),
        ("day_start_hour", "24", "allowed: 0 to 23"),
        ("timezone", "Mars/Olympus", "unknown time zone"),
        ("learning_steps", "1x", "not a step"),
        ("parameters", "1 2 3", "exactly 21"),
        ("no_such_key", "1", "unknown setting"),
    ],
)
def test_config_set_rejects_invalid_values(srs, key: str, value: str, message: str) -> None:
    result = srs("config", "set", key, value)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert message in result.output
    assert result.output.count("\n") == 1


@pytest.mark.parametrize(("value", "detail"), [("nan", "parameters[0] = nan is out of bounds"), ("100", "parameters[4] = 100.0 is out of bounds")])
def test_parameters_out_of_bounds_are_one_error_line(srs, value: str, detail: str) -> None:
    result = srs("config", "set", "parameters", ",".join([value] * 21))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"Error: parameters: invalid FSRS parameters: {detail}")
    assert "more)" in result.output  # how many others are out of bounds


def test_config_unknown_preset(srs) -> None:
    result = srs("config", "show", "--preset", "Nope")
    assert result.exit_code == 1
    assert "unknown preset 'Nope'" in result.output


def test_usage_error_exits_2(srs) -> None:
    assert srs("config", "set", "new_per_day").exit_code == 2
    assert srs("no-such-command").exit_code == 2


def test_db_current_and_upgrade(srs) -> None:
    from srs.store.migrations import head_revision

    srs("init")
    current = srs("db", "current")
    assert current.exit_code == 0
    assert head_revision() in current.output and "up to date" in current.output
    upgrade = srs("db", "upgrade")
    assert upgrade.exit_code == 0
    assert "Already at the newest schema" in upgrade.output


def test_db_current_of_a_collection_made_by_a_newer_srs(srs, db_url: str) -> None:
    from damage import plant

    srs("init")
    plant(db_url, "update alembic_version set version_num = '0099'")
    current = srs("db", "current")
    assert current.exit_code == 0, current.output
    assert "schema 0099" in current.output and "made by a newer version of srs" in " ".join(current.output.split())
    assert "behind" not in current.output
    refused = srs("status")
    assert refused.exit_code == 1 and "made by a newer version of srs" in refused.output


def test_status_unknown_deck(srs) -> None:
    result = srs("status", "--deck", "Nope")
    assert result.exit_code == 1
    assert "unknown deck 'Nope'" in result.output


def test_changing_a_scheduling_setting_points_to_reschedule(srs) -> None:
    result = srs("config", "set", "desired_retention", "0.85")
    assert result.exit_code == 0
    assert "srs reschedule" in result.output
    assert "srs reschedule" not in srs("config", "set", "new_per_day", "10").output
