"""Shared fixtures: every test gets its own temporary collection, never the user's.

``db_url`` is the collection of the test (``SRS_DB`` points at it too, so the CLI uses it).
Tests that only make sense on an SQLite file are marked ``sqlite_only``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: needs an SQLite collection file")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test can reach the real collection or the user's data directory."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("SRS_NOW", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    yield


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "collection.db"


@pytest.fixture
def db_url(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test's collection (an SQLite file), also exported as ``SRS_DB``."""
    url = str(db_path)
    monkeypatch.setenv("SRS_DB", url)
    return url


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def collection(db_url: str, now: datetime):  # type: ignore[no-untyped-def]
    from srs.store.collection import Collection

    opened = Collection.open(db_url, now=now)
    yield opened
    opened.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def srs(runner: CliRunner, db_url: str):  # type: ignore[no-untyped-def]
    """Run ``srs ARGS...`` in-process against the test collection; returns click's Result."""

    def run(*args: str, input: str | None = None, now: datetime | None = NOW, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        environment = {"SRS_DB": db_url, **(env or {})}
        if now is not None:
            environment["SRS_NOW"] = now.isoformat()
        return runner.invoke(main, list(args), input=input, env=environment, catch_exceptions=False)

    return run


def shared_path(*parts: str) -> Path:
    """A path under ../shared/, or skip the test where it is absent (a clone elsewhere)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path
