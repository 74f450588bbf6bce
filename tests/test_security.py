"""Security: private files, note text shown literally, no SQL built from strings, no shell."""

from __future__ import annotations

import ast
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factories import add_card, add_reviews

from srs.store.collection import Collection

SRS = Path(__file__).resolve().parents[1] / "srs"

# SQL text built with formatting, each reviewed: only constants or integers go in, never text
# a user or a note supplied. (file, function) -> why it is safe.
REVIEWED_SQL_FORMATTING = {
    ("store/database.py", "_on_connect"): "PRAGMA busy_timeout with a module constant",
    ("store/database.py", "_on_begin"): "BEGIN DEFERRED/IMMEDIATE from an execution option set in code",
    ("store/imports.py", "enlarge_sqlite_cache"): "PRAGMA cache_size with int()",
    ("store/imports.py", "restore_sqlite_cache"): "PRAGMA cache_size with int()",
    ("store/check.py", "reindex"): "REINDEX TABLE with our table names quoted by the dialect",
    ("store/stats_triggers.py", "drop_triggers"): "DROP TRIGGER/FUNCTION of the module's own constant names (DDL takes no parameters)",
}
SQL_CALLS = {"text", "exec_driver_sql", "execute", "executescript", "executemany"}


def _formatted(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def _calls(tree: ast.AST) -> list[tuple[str, ast.Call]]:
    """Every call with the name of the function that contains it."""
    found: list[tuple[str, ast.Call]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call):
                found.append((function, child))
            visit(child, name)

    visit(tree, "<module>")
    return found


def test_no_sql_is_built_from_strings_and_no_shell_is_used() -> None:
    formatted_sql: set[tuple[str, str]] = set()
    shells: list[str] = []
    for path in sorted(SRS.rglob("*.py")):
        relative = path.relative_to(SRS).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for function, call in _calls(tree):
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            if name in SQL_CALLS and call.args and _formatted(call.args[0]):
                formatted_sql.add((relative, function))
            if any(k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False) for k in call.keywords):
                shells.append(f"{relative}:{call.lineno}")
            if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) and call.func.value.id == "os" and call.func.attr in {"system", "popen"}:
                shells.append(f"{relative}:{call.lineno}")
    unreviewed = formatted_sql - set(REVIEWED_SQL_FORMATTING)
    assert not unreviewed, f"SQL built with string formatting (use bound parameters): {sorted(unreviewed)}"
    assert not shells, f"a shell is used: {shells}"


@pytest.mark.sqlite_only
def test_collection_and_its_companion_files_are_private(tmp_path: Path, now: datetime) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "deep" / "folder" / "collection.db"
        with Collection.open(str(path), now=now) as collection, collection.write() as session:
            add_card(session, now=now)
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    finally:
        os.umask(old)
    assert modes["collection.db"] == 0o600
    assert modes.get("collection.db-wal", 0o600) == 0o600 and modes.get("collection.db-shm", 0o600) == 0o600
    assert "collection.db-wal" in modes  # (WAL is on: the companion files existed while it was open)


@pytest.mark.sqlite_only
def test_every_kind_of_copy_is_private(db_url: str, db_path: Path, now: datetime, srs, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with Collection.open(db_url, now=now) as collection, collection.write() as session:
            add_reviews(session, add_card(session, now=now), [(3, now)])
        made = [
            srs("config", "set", "new_per_day", "30", now=now + timedelta(days=1)),  # first write of the day: daily backup
            srs("backup"),
            srs("export", "--json", str(tmp_path / "all.json")),
            srs("backup", str(tmp_path / "manual.db")),
            srs("restore", str(tmp_path / "manual.db"), "--yes", now=now + timedelta(days=2)),
        ]
        assert all(result.exit_code == 0 for result in made), [r.output for r in made]
        from srs.store import migrations

        with Collection.open(db_url, now=now, migrate=False) as older:  # the next open backs it up first
            migrations.downgrade(older, "0001")
        upgraded = srs("db", "upgrade")
        assert upgraded.exit_code == 0, upgraded.output
    finally:
        os.umask(old)
    copies = list((db_path.parent / "backups").iterdir()) + list(db_path.parent.glob("*.bak")) + [tmp_path / "all.json", tmp_path / "manual.db"]
    names = {p.name for p in copies}
    assert any(n.endswith(".daily.db") for n in names) and any(n.endswith(".before-restore.db") for n in names)
    assert any(n.endswith(".pre-0001.bak") for n in names)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in copies} == {p.name: 0o600 for p in copies}
    assert stat.S_IMODE((db_path.parent / "backups").stat().st_mode) == 0o700


def test_note_text_cannot_style_or_control_the_terminal_in_check_output(collection: Collection, now: datetime, srs, db_url: str) -> None:
    from damage import plant

    with collection.write() as session:
        card = add_card(session, now=now, front="\x1b]0;owned\x07\x1b[2J[blink]evil[/blink] question")
        add_reviews(session, card, [(3, now)])
        card_id = card.id
    plant(db_url, ("update cards set reps = 5 where id = :id", {"id": card_id}))
    result = srs("check")
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "[blink]evil[/blink] question" in result.output


@pytest.mark.sqlite_only
def test_at_umask_000_every_file_is_0600_and_every_folder_0700(tmp_path: Path, now: datetime, srs) -> None:
    """Issue 21, defect 8: reports followed the umask (0666 at umask 000) although they hold
    card text, and so did the folders made for SRS_DB (0777)."""
    db = tmp_path / "made" / "by" / "srs" / "collection.db"
    old = os.umask(0)
    try:
        with Collection.open(str(db), now=now) as collection, collection.write() as session:
            for number in range(3):
                add_reviews(session, add_card(session, now=now, front=f"Q{number}"), [(3, now), (3, now + timedelta(days=2))])
        env = {"SRS_DB": str(db)}
        outputs = [tmp_path / name for name in ("r.html", "r.svg", "r.png", "c.html", "c.svg", "c.png")]
        results = [srs("stats", "--output", str(path), env=env, now=now + timedelta(days=3)) for path in outputs[:3]]
        results += [srs("stats", "curve", "--output", str(path), env=env, now=now + timedelta(days=3)) for path in outputs[3:]]
        results.append(srs("backup", str(tmp_path / "new" / "folder" / "copy.db"), env=env))
        results.append(srs("export", "--json", str(tmp_path / "all.json"), env=env))
        results.append(srs("export", "--apkg", str(tmp_path / "all.apkg"), env=env))
        assert all(result.exit_code == 0 for result in results), [r.output for r in results]
    finally:
        os.umask(old)
    files = [*outputs, tmp_path / "new" / "folder" / "copy.db", tmp_path / "all.json", tmp_path / "all.apkg", db]
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {p.name: oct(0o600) for p in files}
    folders = [tmp_path / "made", tmp_path / "made" / "by", db.parent, tmp_path / "new", tmp_path / "new" / "folder", db.parent / "backups"]
    folders = [f for f in folders if f.exists()]
    assert {str(f): oct(stat.S_IMODE(f.stat().st_mode)) for f in folders} == {str(f): oct(0o700) for f in folders}
