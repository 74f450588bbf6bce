"""Files written for the user (exports, backups, reports, packages) are whole or not there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from srs.errors import SrsError
from srs.files import replaced_atomically


def test_the_target_appears_only_when_the_block_succeeds(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with replaced_atomically(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("killed halfway")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]
    with replaced_atomically(target) as temporary:
        temporary.write_text("new")
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["out.txt"]


def test_an_os_error_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    target = tmp_path / "out.apkg"
    with pytest.raises(SrsError) as caught:
        with replaced_atomically(target, what="package") as temporary:
            temporary.write_text("part")
            raise OSError(28, "No space left on device")
    assert str(caught.value) == f"{target}: cannot write package (No space left on device)"
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe")
def test_a_special_file_is_refused_not_replaced(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(SrsError, match="already exists and is not a regular file"):
        with replaced_atomically(pipe):
            pytest.fail("the block must not run")
    assert pipe.is_fifo()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe")
def test_report_and_package_onto_a_pipe_are_refused(srs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    note = tmp_path / "n.md"
    note.write_text("Warp size::32\n", encoding="utf-8")
    assert srs("import", str(note)).exit_code == 0
    pipe = tmp_path / "out.apkg"
    os.mkfifo(pipe)
    result = srs("export", "--apkg", str(pipe))
    assert result.exit_code == 1 and result.output == f"Error: {pipe}: already exists and is not a regular file (choose another name)\n"
    assert pipe.is_fifo()
