"""How far a member of an Anki package may inflate, decided before anything is extracted.

A crafted ``.apkg`` (a zip bomb) once took up to 8 GiB of temporary disk, and 22 s for a
2 GiB one, before it was refused. Now each member's budget comes from what the package
declares, checked first:

- its declared size (the zip entry's uncompressed size; for a zstd collection, the content
  size in the zstd frame header when the frame has one) against its compressed size: a ratio
  above :data:`MAX_RATIO` is refused (an Anki collection, SQLite pages of text, deflates about
  3-10 to 1; a run of zeros, a bomb, about 1,000 to 1), unless the member is small enough to
  be harmless (:data:`ALWAYS_ALLOWED`);
- the collection's declared size against the free space of the temporary folder, and every
  member against :data:`MAX_MEMBER_BYTES`.

Declarations can lie, so the copy is also counted as it is written (:func:`copy_bounded`) and
stops at the budget: a member without a declared size (a zstd frame written as a stream) gets
``compressed size x MAX_RATIO``.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import BinaryIO

from srs.errors import SrsError

MAX_RATIO = 100  # inflated / compressed
ALWAYS_ALLOWED = 64 << 20  # a member up to 64 MiB is never a danger, whatever its ratio
MAX_MEMBER_BYTES = 8 << 30  # no collection or media file of a package is larger than this
DISK_MARGIN = 256 << 20  # left free on the temporary folder's disk
CHUNK = 1 << 20


def _size(count: int) -> str:
    return f"{count / (1 << 30):.1f} GiB" if count >= 1 << 30 else f"{count / (1 << 20):.1f} MiB" if count >= 1 << 20 else f"{count:,} bytes"


def budget(what: str, package: Path, *, declared: int | None, compressed: int, workdir: Path | None = None) -> int:
    """The bytes ``what`` may inflate to, or an :class:`SrsError` refusing the package from its
    declared sizes (see the module docstring). ``workdir``: where it will be extracted."""
    allowed = max(ALWAYS_ALLOWED, compressed * MAX_RATIO)
    if declared is not None and declared > allowed:
        ratio = declared / max(compressed, 1)
        raise SrsError(
            f"{what} would inflate from {_size(compressed)} to {_size(declared)} ({ratio:,.0f} to 1; "
            f"no Anki package exceeds {MAX_RATIO} to 1): refusing it, nothing was extracted",
            path=str(package),
        )
    needed = declared if declared is not None else allowed
    if needed > MAX_MEMBER_BYTES:
        raise SrsError(f"{what} would inflate to {_size(needed)}, more than {_size(MAX_MEMBER_BYTES)}: refusing it", path=str(package))
    if workdir is not None:
        free = shutil.disk_usage(workdir).free
        if needed > free - DISK_MARGIN:
            raise SrsError(
                f"{what} needs up to {_size(needed)} of temporary space in {workdir}, {_size(free)} free: "
                "free some space or set TMPDIR to a larger disk",
                path=str(package),
            )
    return needed


def copy_bounded(source: BinaryIO, out: BinaryIO, limit: int, what: str, package: Path) -> int:
    """Copy ``source`` to ``out``, refusing it past ``limit`` bytes (a declaration that lied)."""
    written = 0
    while chunk := source.read(CHUNK):
        written += len(chunk)
        if written > limit:
            raise SrsError(f"{what} inflates past {_size(limit)}, more than it declared or its size allows: refusing it", path=str(package))
        out.write(chunk)
    return written


def zstd_bytes(data: bytes, what: str, package: Path) -> bytes:
    """A zstd-compressed member's content, within its budget (srs.anki.inflate_budget)."""
    import zstandard

    limit = budget(what, package, declared=zstd_content_size(data[:18]), compressed=len(data))
    out = io.BytesIO()
    try:
        copy_bounded(zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)), out, limit, what, package)
    except zstandard.ZstdError as error:
        raise SrsError(f"{what} is corrupt (zstd: {error})", path=str(package)) from None
    return out.getvalue()


def read_member(archive: zipfile.ZipFile, member: str, what: str, package: Path) -> bytes:
    """A member's bytes, refused from its declared sizes before it is inflated."""
    info = archive.getinfo(member)
    limit = budget(what, package, declared=info.file_size, compressed=info.compress_size)
    out = io.BytesIO()
    with archive.open(info) as source:
        copy_bounded(source, out, limit, what, package)
    return out.getvalue()


def zstd_content_size(head: bytes) -> int | None:
    """The content size a zstd frame header declares, or None (not declared, not zstd)."""
    import zstandard

    try:
        size = zstandard.frame_content_size(head)
    except zstandard.ZstdError:
        return None
    return size if size >= 0 else None
