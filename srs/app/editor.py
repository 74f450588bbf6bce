"""Editing a card's note from a session (``e`` in ``srs review``, ``e`` in ``srs draft``): the
editor command from the settings, launched at the card's line, then the file imported again."""

from __future__ import annotations

import shlex
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from srs.app.importing import reimport_file
from srs.errors import ConfigError
from srs.store.collection import Collection


def editor_command(setting: str, environ: Mapping[str, str]) -> list[str]:
    """The editor's argument list: the ``editor`` setting, else $VISUAL, $EDITOR, vi."""
    text = (setting or "").strip() or environ.get("VISUAL", "").strip() or environ.get("EDITOR", "").strip() or "vi"
    try:
        parts = shlex.split(text)
    except ValueError as error:
        raise ConfigError(f"editor command {text!r}: {error}") from None
    if not parts:
        raise ConfigError("the editor command is empty")
    return parts


def launch_editor(command: list[str], path: Path, line: int | None, run: Callable[..., subprocess.CompletedProcess[bytes]] = subprocess.run) -> None:
    """Open ``path`` at ``line``: ``command +LINE path`` as an argument list (no shell)."""
    args = [*command, *([f"+{line}"] if line else []), str(path)]
    # Ctrl-C belongs to the editor while it runs (as git does), not to the review.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        completed = run(args, check=False)
    except FileNotFoundError:
        raise ConfigError(f"editor {command[0]!r} not found (set one: srs config set editor \"nano\")") from None
    except OSError as error:
        raise ConfigError(f"cannot start editor {command[0]!r}: {error.strerror}") from None
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    if completed.returncode != 0:
        raise ConfigError(f"editor {command[0]!r} exited with status {completed.returncode}")


def reimport_source(collection: Collection, path: Path, *, now: datetime) -> str:
    """Re-read one edited file through the importer; returns what to tell the user."""
    report = reimport_file(collection, path, now=now)
    return f"re-imported {path}: {report}"
