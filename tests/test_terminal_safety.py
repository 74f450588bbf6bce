"""No byte that controls a terminal reaches stdout or stderr from a path or text a user typed
(issue 21, defects 6 and 7).

A path with an OSC 52 clipboard write, a clear-screen sequence and a right-to-left override
is given to every ``srs`` command that takes a path (found by walking the click commands, so a
new command is covered the day it is added), and to every option that takes user text; what
the command prints, on both streams, must hold no escape, no control character but newline
and tab, and no invisible format character that reorders text.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import NOW

from srs.cli import main

EVIL = "a\x1b]52;c;ZXZpbA==\x07b\x1b[2Jc\x9b31md\u202egnp.exe\u2066e\u2069f\u200bg\x01h"  # no NUL: argv cannot carry one
# What must never be printed: ESC, BEL and every other C0 control but \t and \n, DEL, C1
# controls, bidi embeddings/overrides/isolates and marks, other invisible format characters.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
PATH_TYPES = (click.Path, click.File)


def _commands(command: click.Command = main, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    if isinstance(command, click.Group):
        found = []
        for name, sub in sorted(command.commands.items()):
            found += _commands(sub, (*prefix, name))
        return found
    return [(prefix, command)]


def _cases() -> list[tuple[str, tuple[str, ...], str]]:
    """(case id, command words, parameter name) for every parameter that takes a path or text."""
    cases = []
    for words, command in _commands():
        for param in command.params:
            if isinstance(param, click.Option) and (param.is_flag or param.name in {"new_limit", "review_limit", "limit", "card_id"}):
                continue
            cases.append((f"{' '.join(words)} {param.name}", words, param.name or ""))
    return cases


CASES = _cases()


def _arguments(words: tuple[str, ...], target: str, value: str) -> list[str]:
    command = dict((w, c) for w, c in _commands())[words]
    args = list(words)
    for param in command.params:
        if isinstance(param, click.Argument):
            args.append(value if param.name == target else "plain")
        elif param.name == target:
            args += [param.opts[0], value]
    return args


def _assert_clean(output: bytes, what: str) -> None:
    text = output.decode("utf-8", errors="replace")
    found = sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})
    assert not found, f"{what} printed {', '.join(found)}: {text!r}"


def _run(args: list[str], db: str) -> tuple[bytes, bytes, int]:
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    result = runner.invoke(main, args, env={"SRS_DB": db, "SRS_NOW": NOW.isoformat()}, input="")
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{args}: {result.exception!r}"
    return result.stdout_bytes, result.stderr_bytes, result.exit_code


@pytest.mark.parametrize(("case", "words", "target"), CASES, ids=[c[0] for c in CASES])
def test_every_command_shows_a_typed_path_or_text_without_control_characters(case: str, words: tuple[str, ...], target: str, tmp_path: Path, db_url: str) -> None:
    value = str(tmp_path / EVIL / "file.md") if target not in {"deck", "preset", "key", "value"} else EVIL
    out, err, _code = _run(_arguments(words, target, value), db_url)
    _assert_clean(out, f"srs {case} (stdout)")
    _assert_clean(err, f"srs {case} (stderr)")


@pytest.mark.sqlite_only
def test_a_collection_path_with_control_characters_is_shown_safely(tmp_path: Path) -> None:
    out, err, code = _run(["status"], str(tmp_path / EVIL / "c.db"))
    _assert_clean(out, "srs --db EVIL status (stdout)")
    _assert_clean(err, "srs --db EVIL status (stderr)")


def test_a_stored_root_with_control_characters_is_shown_safely(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / EVIL
    folder.mkdir()
    (folder / "n.md").write_text("Capital of France?::Paris\n", encoding="utf-8")
    for args in (["import", str(folder)], ["sources"], ["status"], ["sources", "remove", str(folder)], ["import", str(folder), "--json"]):
        out, err, code = _run(args, db_url)
        assert code in (0, 1), (args, code, out, err)
        _assert_clean(out, f"srs {args[0]} (stdout)")
        _assert_clean(err, f"srs {args[0]} (stderr)")


def test_the_user_is_shown_where_an_invisible_character_was(tmp_path: Path, db_url: str) -> None:
    """A missing file named with a right-to-left override is named with the override made
    visible, so the name on screen is the name on disk, not a reversed look-alike."""
    path = tmp_path / "T \u202egnp.exe"
    out, err, code = _run(["import", str(path)], db_url)
    assert code == 1
    assert "T <U+202E>gnp.exe" in err.decode(), err


def test_bidi_controls_in_note_text_never_reach_the_terminal(tmp_path: Path, db_url: str) -> None:
    """Issue 21, defect 6: a title ``T \\u202egnp.exe`` displayed reversed in review, stats and
    status. Note text is shown with every invisible format character removed."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "t.md").write_text(
        "# T \u202egnp.exe\n\nWhat does \u2066abc\u2069 mean\u200b?::It \u202dmeans\u202c \u061cnothing\ufeff\n", encoding="utf-8"
    )
    assert _run(["import", str(notes), "--deck", "D\u202eeck"], db_url)[2] == 0
    for args in (["status"], ["stats"], ["review"], ["stats", "curve"], ["sources"], ["check"]):
        out, err, code = _run(args, db_url)
        _assert_clean(out, f"srs {' '.join(args)} (stdout)")
        _assert_clean(err, f"srs {' '.join(args)} (stderr)")
    out, _err, _code = _run(["review"], db_url)
    assert "What does abc mean?" in out.decode(), out
