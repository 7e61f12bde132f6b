"""Where evidence files are kept: one small interface, and the instance folder behind it.

Files are named by the SHA-256 of their content, so the same bytes attached twice (to
two answers, by two organisations) are stored once, and a file left behind by a request
that was rolled back is harmless: no row names it, and ``flask evidence prune`` removes
it once it is older than a grace period.

A file reaches storage in two steps. :meth:`EvidenceStorage.stage` streams the upload
into a private temporary file, hashing as it goes, in chunks (never the whole file in
memory) and refuses it as soon as it passes the size limit; the caller then checks the
staged file (type, virus scan) and either :meth:`~StagedFile.keep`\\ s it — an atomic
rename to its content name, after ``fsync`` — or :meth:`~StagedFile.discard`\\ s it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Protocol

#: Bytes read and written at a time.
CHUNK_SIZE = 1024 * 1024
_HASH = re.compile(r"[0-9a-f]{64}")


class FileTooLarge(Exception):
    """The stream passed the size limit; nothing was kept."""


class StagedFile(Protocol):
    """An upload written to a private place, not yet visible under its hash."""

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the content."""

    @property
    def size(self) -> int:
        """Bytes."""

    def open(self) -> BinaryIO:
        """Return the content for reading (seekable), to check it before keeping it."""

    def keep(self) -> None:
        """Make the content readable under its hash, atomically; a no-op if it is already."""

    def discard(self) -> None:
        """Forget the content (after a refusal or a failure); safe to call twice."""


class EvidenceStorage(Protocol):
    """The storage of evidence files, addressed by the SHA-256 of their content."""

    def stage(self, stream: IO[bytes], *, max_size: int) -> StagedFile:
        """Copy ``stream`` to a private temporary place, hashing it.

        :raises FileTooLarge: when it holds more than ``max_size`` bytes (nothing is left).
        """

    def open(self, sha256: str) -> BinaryIO:
        """Return the stored content for reading.

        :raises FileNotFoundError: when nothing is stored under ``sha256``.
        """

    def exists(self, sha256: str) -> bool:
        """Return whether content is stored under ``sha256``."""

    def delete(self, sha256: str) -> None:
        """Remove the content stored under ``sha256``, if any."""

    def stored(self) -> Iterator[tuple[str, dt.datetime]]:
        """Yield every stored hash with the time it was last written (UTC)."""


@dataclass
class _LocalStaged:
    storage: LocalStorage
    path: Path
    sha256: str
    size: int

    def open(self) -> BinaryIO:
        return self.path.open("rb")

    def keep(self) -> None:
        target = self.storage.path_of(self.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            # Same bytes already stored: keep that copy, and mark it as just written so
            # that a prune running now does not take it from under this upload.
            os.utime(target)
            self.discard()
            return
        os.replace(self.path, target)  # atomic on one filesystem
        _fsync_directory(target.parent)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class LocalStorage:
    """Evidence files in a folder (by default ``<instance>/evidence``).

    Layout: ``ab/cd/abcd…`` (two levels of folders from the hash, so no folder grows
    too large) and ``tmp/`` for uploads being staged, on the same filesystem so that
    keeping one is a rename.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.staging = self.root / "tmp"

    def path_of(self, sha256: str) -> Path:
        """Return where the content with this hash is stored."""
        if not _HASH.fullmatch(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def stage(self, stream: IO[bytes], *, max_size: int) -> StagedFile:
        """Stream ``stream`` into ``tmp/``, hashing it and flushing it to disk."""
        self.staging.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=self.staging, prefix="upload-")
        path = Path(name)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(descriptor, "wb") as handle:
                while True:
                    chunk = stream.read(CHUNK_SIZE)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_size:
                        raise FileTooLarge
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return _LocalStaged(self, path, digest.hexdigest(), size)

    def open(self, sha256: str) -> BinaryIO:
        """Return the stored content for reading."""
        return self.path_of(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        """Return whether content is stored under ``sha256``."""
        return self.path_of(sha256).is_file()

    def delete(self, sha256: str) -> None:
        """Remove the content stored under ``sha256``, if any."""
        self.path_of(sha256).unlink(missing_ok=True)

    def stored(self) -> Iterator[tuple[str, dt.datetime]]:
        """Yield every stored hash with its modification time, and stale staged files."""
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if _HASH.fullmatch(path.name):
                yield path.name, _mtime(path)

    def stale_uploads(self, older_than: dt.datetime) -> list[Path]:
        """Return staged files older than ``older_than`` (left by a process that died)."""
        if not self.staging.is_dir():
            return []
        return [path for path in self.staging.iterdir() if _mtime(path) < older_than]


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)


def _fsync_directory(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op where folders cannot be opened)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
