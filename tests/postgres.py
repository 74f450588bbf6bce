"""A throw-away PostgreSQL server for the test suite (``SRS_TEST_BACKEND=postgresql``).

The server runs from the machine's own binaries (``initdb``/``pg_ctl`` on PATH, or Debian's
``/usr/lib/postgresql/<version>/bin``) in a temporary directory, listening only on 127.0.0.1
on a free port, with durability switched off (it is thrown away at the end). PostgreSQL refuses
to run as root, so as root it runs as the unprivileged user ``nobody`` (via ``runuser``).
Every test gets a new database on it, dropped afterwards: a file-level copy of a template
database migrated to the newest schema once per session (about 3 times faster than creating
and migrating each one; the collection's default preset is still created on first open, as
for a new SQLite file). ``new_database(empty=True)`` gives one without any table.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "postgres"
RUN_AS = "nobody"


def server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """Start with :meth:`start`, stop with :meth:`stop`; :meth:`new_database` gives a URL."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        # The system's temporary folder, not tempfile.tempdir: the session's server may start inside a
        # test that points tempfile at a private folder of its own (tests/test_anki_bombs.py), which
        # the unprivileged server user could not enter.
        self.directory = Path(tempfile.mkdtemp(prefix="srs-test-pg-", dir=os.environ.get("TMPDIR") or "/tmp"))
        self.data = self.directory / "data"
        self.port = 0
        self._counter = itertools.count(1)
        self._as_root = os.geteuid() == 0
        self._template: str | None = None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.binaries / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", RUN_AS, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, cwd=self.directory, timeout=120)

    def start(self) -> None:
        if self._as_root:
            import pwd

            entry = pwd.getpwnam(RUN_AS)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.directory}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
                "-c shared_buffers=64MB",
            ]
        )
        for attempt in range(5):
            self.port = _free_port()
            result = self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"), "-w", "-t", "60",
                "-o", f"-p {self.port} {options}", "start", check=False,
            )
            if result.returncode == 0:
                return
            time.sleep(0.2 * (attempt + 1))
        log = (self.directory / "server.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"PostgreSQL did not start: {result.stderr.strip()}\n{log}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self):  # type: ignore[no-untyped-def]
        import psycopg

        return psycopg.connect(f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres", autocommit=True)

    def _migrated_template(self) -> str:
        if self._template is None:
            from datetime import datetime, timezone

            from srs.store.collection import Collection
            from srs.store.migrations import upgrade

            name = self.new_database(empty=True)
            collection = Collection.open(self.url(name), now=datetime.now(timezone.utc), migrate=False)
            try:
                upgrade(collection, "head")
            finally:
                collection.close()
            self._template = name
        return self._template

    def new_database(self, *, empty: bool = False) -> str:
        """A new database's name (a counter: no user data in the statement): at the newest
        schema with no rows, or without any table when ``empty``."""
        from psycopg import sql

        template = "template0" if empty else self._migrated_template()
        name = f"srs_test_{os.getpid()}_{next(self._counter)}"
        with self._admin() as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(name), sql.Identifier(template))
            )
        return name

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        with self._admin() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":  # ``python tests/postgres.py``: exit 0 when the binaries are installed
    import sys

    binaries = server_binaries()
    print(binaries or "no PostgreSQL server binaries (initdb, pg_ctl)")
    sys.exit(0 if binaries else 1)
