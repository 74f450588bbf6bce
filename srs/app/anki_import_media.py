"""The images of an Anki package that ``srs import-anki`` writes into srs's media folder: where
each one goes (an existing identical file is reused, a different one with the same name gets
a digest suffix), then the writes, each atomic, undone if the import fails."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from srs.anki.package import read_media, safe_media_name
from srs.errors import SrsError
from srs.files import create_private, private_folder, replaced_atomically

if TYPE_CHECKING:
    from srs.anki.package import AnkiCollection
    from srs.store.collection import Collection


def media_directory(collection: Collection) -> Path:
    """Where imported media go: ``media/`` beside an SQLite collection, else the data folder."""
    if collection.path is not None:
        return collection.path.parent / "media"
    from platformdirs import user_data_dir

    return Path(user_data_dir("srs", appauthor=False)) / "media"


class MediaPlan:
    """Decides where each media file of the package goes, then writes them (undoable)."""

    def __init__(self, package: AnkiCollection, path: Path, directory: Path) -> None:
        self.package = package
        self.path = path
        self.directory = directory
        self.targets: dict[str, Path] = {}  # name as referenced -> target file
        self.pending: dict[Path, bytes] = {}
        self.present = 0
        self.missing: list[str] = []
        self.written: list[Path] = []

    def resolve(self, reference: str) -> str | None:
        """The path to put in Markdown for a media name used by a note (None: not in the package)."""
        from urllib.parse import unquote

        name = safe_media_name(reference)
        if not name or re.match(r"^[a-z][a-z0-9+.-]*:", reference, re.I):
            return None
        if reference in self.targets:
            return str(self.targets[reference])
        member = self.package.media.get(name) or self.package.media.get(safe_media_name(unquote(reference)))
        if member is None:
            if reference not in self.missing:
                self.missing.append(reference)
            return None
        data = read_media(self.path, member, self.package.media_compressed)
        target = self.directory / name
        digest = hashlib.sha1(data).hexdigest()
        if target in self.pending and self.pending[target] != data or target.exists() and _sha1_file(target) != digest:
            target = self.directory / f"{Path(name).stem}-{digest[:8]}{Path(name).suffix}"
        if target.exists() and _sha1_file(target) == digest:
            if target not in self.pending:
                self.present += 1
        elif target not in self.pending:
            self.pending[target] = data
        self.targets[reference] = target
        return str(target)

    def write(self) -> None:
        if not self.pending:
            return
        try:
            private_folder(self.directory)
        except OSError as error:
            raise SrsError(f"cannot write media ({error.strerror or error})", path=str(self.directory)) from None
        try:
            for target, data in self.pending.items():
                with replaced_atomically(target, what="media") as temporary:
                    with os.fdopen(create_private(temporary), "wb") as out:
                        out.write(data)
                self.written.append(target)
        except SrsError:
            self.undo()
            raise

    def undo(self) -> None:
        for target in self.written:
            try:
                target.unlink()
            except OSError:
                pass
        self.written.clear()


def _sha1_file(path: Path) -> str:
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return ""
