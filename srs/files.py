"""Files srs writes for the user (exports, backups, reports, packages): whole or not at all.

Each is written under a temporary name beside its target and renamed over it at the end, so
a full disk, a kill or an error never leaves a half-written file under the target's name,
and an existing target is replaced only by a complete file. A target that exists and is not
a regular file (a folder, a device, a pipe) is refused: the rename would replace that entry
instead of writing into it.
"""

from __future__ import annotations

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
