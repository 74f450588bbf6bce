"""Files srs writes for the user (exports, backups, reports, packages): whole or not at all.

Each is written under a temporary name beside its target and renamed over it at the end, so
a full disk, a kill or an error never leaves a half-written file under the target's name,
and an existing target is replaced only by a complete file. A target that exists and is not
a regular file (a folder, a device, a pipe) is refused: the rename would replace that entry
instead of writing into it.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from srs.errors import SrsError


def refuse_special(target: Path) -> None:
    """An existing ``target`` that is not a regular file is refused (one error line)."""
    if target.exists() and not target.is_file():
        raise SrsError(f"{target}: already exists and is not a regular file (choose another name)")


@contextmanager
def replaced_atomically(target: Path, *, what: str = "") -> Iterator[Path]:
    """A temporary path beside ``target`` (not yet created: the block creates and writes it,
    with the mode it needs), renamed over ``target`` when the block ends. An ``OSError`` in
    the block or the rename is one error line (``TARGET: cannot write WHAT (reason)``); on
    any failure the temporary file is removed and ``target`` is left as it was."""
    refuse_special(target)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield temporary
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        label = f" {what}" if what else ""
        raise SrsError(f"{target}: cannot write{label} ({error.strerror or error})") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def private_folder(path: Path) -> None:
    """Create the folder ``path`` and every missing parent with mode 0700, whatever the umask
    (``mkdir(parents=True)`` gives the parents the umask's mode, 0777 at umask 000): a folder
    srs makes holds a collection, backups or reports, readable by their owner only. Folders
    that exist already are left as they are."""
    if path.exists() and not path.is_dir():
        raise FileExistsError(errno.EEXIST, "exists and is not a folder", str(path))
    missing: list[Path] = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass


def create_private(path: Path) -> int:
    """A new file ``path`` (it must not exist) open for writing, mode 0600 whatever the umask:
    every file srs writes for the user holds card text, so it is readable by its owner only.
    Returns the descriptor (``os.fdopen`` it)."""
    return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
