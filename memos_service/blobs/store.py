"""The blob store: files named by their sha256 under one directory (MEMOS_HOME/blobs by default).

Why files and not Postgres: caches and adapters run to hundreds of MB; files stream to clients
and into safetensors' memory-mapped loader without passing through the database, and content
addressing makes writes idempotent (the same bytes are one file). Postgres stays the source of
truth for what exists: a `blobs` row names the sha256, its size and meaning; a file no row names
is garbage, and a row whose file is missing or fails its checksum is an error, never served.
"""

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

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
        """Stores bytes under their sha256 (written to a temporary file, then renamed into place)."""
        if len(data) > self.max_bytes:
            raise PayloadTooLarge(f"a blob of {len(data)} bytes exceeds MEMOS_BLOB_MAX_BYTES ({self.max_bytes})")
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, target)
        return sha256, len(data)

    def read(self, sha256: str) -> bytes:
        return b"".join(self.stream(sha256))

    def stream(self, sha256: str) -> Iterator[bytes]:
        """The bytes in chunks; the checksum is verified as they pass, and a mismatch raises at the
        end (a client reading a stream must check the sha256 it was given, as the SDK does)."""
        path = self.path(sha256)
        if not path.exists():
            raise BlobCorrupt(f"blob {sha256} is missing from the blob store")
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                yield chunk
        if digest.hexdigest() != sha256:
            raise BlobCorrupt(f"blob {sha256} fails its checksum")

    def verify(self, sha256: str) -> None:
        for _ in self.stream(sha256):
            pass

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def collect_garbage(self, referenced: set[str], older_than_seconds: float = 600) -> int:
        """Removes files no row names. Only files older than the grace: a build writes its file
        before its row commits, and must not lose it in between."""
        removed = 0
        cutoff = time.time() - older_than_seconds
        for path in self.root.glob("??/*"):
            if path.name not in referenced and path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def blob_store(settings: Settings) -> BlobStore:
    return BlobStore(settings.blob_dir or settings.home / "blobs", settings.blob_max_bytes)
