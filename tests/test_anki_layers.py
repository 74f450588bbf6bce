"""The Anki modules keep the house's layering: only srs/store touches the database
(SQLAlchemy), and the modules of the phone loop stay under 400 lines, their functions under 60."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRS = Path(__file__).resolve().parents[1] / "srs"
LOOP_MODULES = ["app/anki_import.py", "app/anki_roundtrip.py", "anki/scheduling.py", "app/anki_schedule_writer.py", "store/anki_merge.py"]


def imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted([*SRS.glob("anki/*.py"), *SRS.glob("app/anki_*.py")]), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_anki_modules_outside_the_store_do_not_import_sqlalchemy(path: Path) -> None:
    assert "sqlalchemy" not in imported(ast.parse(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", LOOP_MODULES + ["app/anki_export.py"])
def test_phone_loop_modules_are_small(name: str) -> None:
    text = (SRS / name).read_text(encoding="utf-8")
    if name != "app/anki_export.py":  # over 400 lines before the phone loop (508): still to split
        assert text.count("\n") <= 400
    long = [n.name for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef) and n.end_lineno - n.lineno + 1 > 60]  # type: ignore[operator]
    assert not long
