"""The blob store: files named by their sha256 under one directory (MEMOS_HOME/blobs by default).

Why files and not Postgres: caches and adapters run to hundreds of MB; files stream to clients
and into safetensors' memory-mapped loader without passing through the database, and content
addressing makes writes idempotent (the same bytes are one file). Postgres stays the source of
truth for what exists: a `blobs` row names the sha256, its size and meaning; a file no row names
is garbage, and a row whose file is missing or fails its checksum is an error, never served.
"""

import hashlib
import io
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from memos_service.config import Settings
from memos_service.errors import MemosError, PayloadTooLarge

CHUNK = 1024 * 1024


class BlobCorrupt(MemosError):
    status_code, error_type = 500, "blob_corrupt"


class BlobStore:
    def __init__(self, root: Path, max_bytes: int):
        self.root = root
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> tuple[str, int]:
        """Stores bytes under their sha256."""
        if len(data) > self.max_bytes:
            raise PayloadTooLarge(f"a blob of {len(data)} bytes exceeds MEMOS_BLOB_MAX_BYTES ({self.max_bytes})")
        return self.put_stream(io.BytesIO(data))

    def put_stream(self, source: BinaryIO) -> tuple[str, int]:
        """Stores what `source` reads, hashed as it is copied to a temporary file that is then renamed
        into place under its sha256, so a reader never sees half a blob."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".incoming-", delete=False) as handle:
            try:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise PayloadTooLarge(f"a blob exceeds MEMOS_BLOB_MAX_BYTES ({self.max_bytes})")
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            except BaseException:
                os.unlink(handle.name)
                raise
        sha256 = digest.hexdigest()
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Replacing a file of the same bytes also renews its mtime, which keeps the garbage collector
        # off it until the row that names it again commits.
        os.replace(handle.name, target)
        return sha256, size

    def open(self, sha256: str) -> "VerifiedReader":
        path = self.path(sha256)
        if not path.exists():
            raise BlobCorrupt(f"blob {sha256} is missing from the blob store")
        return VerifiedReader(path, sha256)

    def read(self, sha256: str) -> bytes:
        return b"".join(self.stream(sha256))

    def stream(self, sha256: str) -> Iterator[bytes]:
        """The bytes in chunks; the checksum is verified as they pass, and a mismatch raises at the
        end (a client reading a stream must check the sha256 it was given, as the SDK does)."""
        with self.open(sha256) as reader:
            while chunk := reader.read(CHUNK):
                yield chunk
            reader.finish()

    def verify(self, sha256: str) -> None:
        for _ in self.stream(sha256):
            pass

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    @contextmanager
    def staged(self) -> Iterator["StagedBlobs"]:
        """Blobs written aside, in a folder of this request's own, and moved into the store only by
        `keep()`: what a refused import wrote leaves with its folder (an import refused for another
        tenant's cube once left 300 files behind)."""
        self.root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(dir=self.root, prefix=".staging-"))
        try:
            yield StagedBlobs(BlobStore(folder, self.max_bytes), self)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def collect_garbage(self, referenced: set[str], older_than_seconds: float = 600) -> int:
        """Removes files no row names. Only files older than the grace: a build writes its file
        before its row commits, and must not lose it in between."""
        removed = 0
        cutoff = time.time() - older_than_seconds
        # Also what a crash left half written, or staged and never kept.
        for path in [*self.root.glob("??/*"), *self.root.glob(".incoming-*")]:
            if path.name not in referenced and path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        for folder in self.root.glob(".staging-*"):
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed


class StagedBlobs:
    """Blobs of one request, in a store of their own until kept."""

    def __init__(self, staging: BlobStore, store: BlobStore):
        self._staging, self._store = staging, store

    def put_stream(self, source: BinaryIO) -> tuple[str, int]:
        return self._staging.put_stream(source)

    def keep(self) -> None:
        """Moves every staged blob into the store (a rename: the same file system)."""
        for path in self._staging.root.glob("??/*"):
            target = self._store.path(path.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)


class VerifiedReader:
    """A blob file read once with its checksum: `finish()` after the last byte raises if the bytes
    were not the ones named (a tar writer reads exactly `size` bytes and never sees the end)."""

    def __init__(self, path: Path, sha256: str):
        self.sha256 = sha256
        self._handle = path.open("rb")
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self._digest.update(chunk)
        return chunk

    def finish(self) -> None:
        self._digest.update(self._handle.read())
        if self._digest.hexdigest() != self.sha256:
            raise BlobCorrupt(f"blob {self.sha256} fails its checksum")

    def __enter__(self) -> "VerifiedReader":
        return self

    def __exit__(self, *_: object) -> None:
        self._handle.close()


def blob_store(settings: Settings) -> BlobStore:
    return BlobStore(settings.blob_dir or settings.home / "blobs", settings.blob_max_bytes)
