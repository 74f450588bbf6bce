"""Crafted ``.apkg`` files that inflate far beyond their size are refused before extraction
(issue 21, defect 10), and the temporary folder is gone on every path.

Each bomb is 100 MiB of zeros (about 100 KB compressed, 1,000 to 1); a real Anki collection
deflates about 3-10 to 1. The expectations (the ratio in the message, the time) are written
here, not computed from srs's own limits.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from anki_builder import zip_package
from sqlalchemy import func, select
from test_anki_import import build_collection

from srs.store.models import Card

BOMB = 100 << 20
CHUNK = 1 << 20


@pytest.fixture(autouse=True)
def own_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder srs extracts into, watched for leftovers."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _deflate_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("collection.anki2", "w", force_zip64=True) as member:
            zeros = bytes(CHUNK)
            for _ in range(BOMB // CHUNK):
                member.write(zeros)
        archive.writestr("media", "{}")
    return path


def _zstd_bomb(path: Path, *, declared: bool) -> Path:
    import zstandard

    frame = io.BytesIO()
    compressor = zstandard.ZstdCompressor(write_content_size=declared)
    with compressor.stream_writer(frame, size=BOMB if declared else -1, closefd=False) as writer:
        zeros = bytes(CHUNK)
        for _ in range(BOMB // CHUNK):
            writer.write(zeros)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("collection.anki21b", frame.getvalue())
        archive.writestr("meta", b"\x08\x03")  # package version 3
        archive.writestr("media", b"")
    return path


def _refused(srs, collection, path: Path, own_tmpdir: Path, message: str) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = srs("import-anki", str(path))
    seconds = time.monotonic() - started
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}: "), result.output
    assert message in lines[0], lines[0]
    assert seconds < 5, f"refused after {seconds:.1f} s"
    assert list(own_tmpdir.iterdir()) == [], "the temporary folder was left behind"
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Card)) == 0


def test_a_deflate_bomb_is_refused_from_its_declared_size(srs, collection, tmp_path: Path, own_tmpdir: Path) -> None:  # type: ignore[no-untyped-def]
    bomb = _deflate_bomb(tmp_path / "bomb.apkg")
    assert bomb.stat().st_size < 1 << 20
    _refused(srs, collection, bomb, own_tmpdir, "collection.anki2 would inflate from ")
    _refused(srs, collection, bomb, own_tmpdir, "to 100.0 MiB (")


def test_a_zstd_bomb_that_declares_its_size_is_refused_before_extraction(srs, collection, tmp_path: Path, own_tmpdir: Path) -> None:  # type: ignore[no-untyped-def]
    _refused(srs, collection, _zstd_bomb(tmp_path / "z.apkg", declared=True), own_tmpdir, "collection.anki21b would inflate from ")


def test_a_zstd_bomb_without_a_declared_size_stops_at_its_budget(srs, collection, tmp_path: Path, own_tmpdir: Path) -> None:  # type: ignore[no-untyped-def]
    _refused(srs, collection, _zstd_bomb(tmp_path / "s.apkg", declared=False), own_tmpdir, "collection.anki21b inflates past 64.0 MiB")


def test_a_media_bomb_is_refused(srs, collection, tmp_path: Path, own_tmpdir: Path) -> None:  # type: ignore[no-untyped-def]
    database = build_collection().write(tmp_path / "build.anki2")
    package = tmp_path / "media.apkg"
    with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(database, "collection.anki2")
        archive.writestr("media", json.dumps({"0": "cat.png"}))
        with archive.open("0", "w", force_zip64=True) as member:
            for _ in range(BOMB // CHUNK):
                member.write(bytes(CHUNK))
    _refused(srs, collection, package, own_tmpdir, "media file 0 would inflate from ")


def test_an_honest_package_still_imports_and_leaves_no_temporary_folder(srs, collection, tmp_path: Path, own_tmpdir: Path) -> None:  # type: ignore[no-untyped-def]
    database = build_collection().write(tmp_path / "build.anki2")
    package = zip_package(tmp_path / "ok.apkg", database, media={"cat.png": json.dumps({"a": 1}).encode()})
    result = srs("import-anki", str(package))
    assert result.exit_code == 0, result.output
    assert list(own_tmpdir.iterdir()) == []
