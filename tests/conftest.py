"""Shared fixtures: every test gets its own temporary collection, never the user's.

``db_url`` is the collection of the test (``SRS_DB`` points at it too, so the CLI uses it).
Tests that only make sense on an SQLite file are marked ``sqlite_only``.

Backends: ``SRS_TEST_BACKEND=postgresql`` runs the suite against a real PostgreSQL server that
the session starts and stops itself (tests/postgres.py); ``db_url`` is then a new database
per test, at the newest schema with no rows (``postgres_server.new_database(empty=True)``
gives one without tables). In that run, tests marked ``sqlite_only`` or asking for ``db_path`` (the
SQLite file) are skipped, and tests that never touch a collection (no ``db_url``) are
deselected: they already ran in the SQLite run. ``make test`` runs both.
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
BACKEND = os.environ.get("SRS_TEST_BACKEND", "sqlite").strip().lower() or "sqlite"
if BACKEND not in {"sqlite", "postgresql"}:
    raise pytest.UsageError(f"SRS_TEST_BACKEND={BACKEND!r}: use sqlite or postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: needs an SQLite collection file")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the PostgreSQL run: skip SQLite-file tests, deselect tests without a collection."""
    if BACKEND != "postgresql":
        return
    skip = pytest.mark.skip(reason="SQLite only (SRS_TEST_BACKEND=postgresql)")
    kept, dropped = [], []
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "db_url" not in names:
            dropped.append(item)
            continue
        if item.get_closest_marker("sqlite_only") or "db_path" in names:
            item.add_marker(skip)
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def postgres_server():  # type: ignore[no-untyped-def]
    """The session's PostgreSQL server (tests/postgres.py), started on first use."""
    from postgres import PostgresServer, server_binaries

    binaries = server_binaries()
    if binaries is None:
        pytest.exit("SRS_TEST_BACKEND=postgresql but no PostgreSQL server binaries (initdb, pg_ctl) found", returncode=3)
    server = PostgresServer(binaries)
    server.start()
    yield server
    server.stop()


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
def db_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test's collection (an SQLite file, or a new PostgreSQL database), also ``SRS_DB``."""
    if BACKEND == "postgresql":
        server = request.getfixturevalue("postgres_server")
        name = server.new_database()
        url = server.url(name)
    else:
        url = str(request.getfixturevalue("db_path"))
    monkeypatch.setenv("SRS_DB", url)
    yield url
    if BACKEND == "postgresql":
        server.drop_database(name)


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
