"""The portable cube archive: an uncompressed tar holding `manifest.json`, `memories.jsonl` and,
since format 2, `blobs.jsonl` with the bytes of the cube's activation caches and adapters as
`blobs/<sha256>`.

Deterministic by construction (sorted keys, fixed tar headers, no instance ids or export time),
so export → import → export gives the same bytes. Memories are keyed by their position in the
archive, not by ids that only mean something in one database. Never pickle: JSON and safetensors.
Written to and read from files, never whole in memory: caches and adapters run to hundreds of MB.
"""

import contextlib
import hashlib
import io
import json
import re
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, BinaryIO

from memos_service.blobs.store import CHUNK, BlobStore

SPOOL_IN_MEMORY_BYTES = 16 * 1024 * 1024

FORMAT = "memos-cube-archive"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # 1: plaintext only
MANIFEST, MEMORIES, BLOBS = "manifest.json", "memories.jsonl", "blobs.jsonl"
_BLOB_FILE = re.compile(r"^blobs/([0-9a-f]{64})$")
VERSION_FIELDS = ("version", "op", "content", "memory_type", "status", "metadata", "tags", "importance",
                  "event_time", "expires_at", "actor", "reason", "created_at")


class ArchiveError(ValueError):
    """The archive cannot be read: wrong format, failed checksum, dangling references."""


@dataclass(frozen=True)
class Archive:
    manifest: dict[str, Any]
    memories: list[dict[str, Any]]
    blobs: list[dict[str, Any]] = field(default_factory=list)
    blob_sizes: dict[str, int] = field(default_factory=dict)  # sha256 -> bytes, of the blob files it holds


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_encode).encode()


def _encode(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot archive {type(value).__name__}")


def _header(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, 0, 0o644
    return info


def _jsonl(records: Sequence[dict[str, Any]]) -> bytes:
    return b"".join(_canonical(record) + b"\n" for record in records)


def _described(data: bytes, records: int) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "records": records}


def write_archive(out: BinaryIO, cube: dict[str, Any], embedding: dict[str, Any], memories: Iterable[dict[str, Any]],
                  blobs: list[dict[str, Any]], store: BlobStore) -> None:
    """Writes the archive to `out`. The memories come one at a time and are spooled as JSON lines
    (to disk past 16 MB): the manifest, written first, holds their checksum. Each blob's bytes are
    copied from the store with their checksum verified, so a damaged file fails the export instead
    of travelling."""
    blob_lines = _jsonl(blobs)
    sizes = {blob["sha256"]: blob["size"] for blob in blobs}
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as memory_lines:
        digest, count = hashlib.sha256(), 0
        for record in memories:
            line = _canonical(record) + b"\n"
            digest.update(line)
            memory_lines.write(line)
            count += 1
        memory_bytes = memory_lines.tell()
        memory_lines.seek(0)
        files: dict[str, Any] = {MEMORIES: {"sha256": digest.hexdigest(), "bytes": memory_bytes, "records": count},
                                 BLOBS: _described(blob_lines, len(blobs))}
        files.update({f"blobs/{sha256}": {"sha256": sha256, "bytes": size} for sha256, size in sizes.items()})
        manifest = _canonical({"format": FORMAT, "format_version": FORMAT_VERSION, "cube": cube, "embedding": embedding,
                               "files": files}) + b"\n"
        with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            tar.addfile(_header(MANIFEST, len(manifest)), io.BytesIO(manifest))
            tar.addfile(_header(MEMORIES, memory_bytes), memory_lines)
            tar.addfile(_header(BLOBS, len(blob_lines)), io.BytesIO(blob_lines))
            for sha256 in sorted(sizes):
                with store.open(sha256) as reader:
                    tar.addfile(_header(f"blobs/{sha256}", sizes[sha256]), reader)
                    reader.finish()


# What a cube archive may hold: the three JSON files and one file per cache or adapter.
MAX_BLOB_FILES = 10_000
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
_BLOCK = 512
_PLAIN_FILE = (b"0", b"\0")
Record = Callable[[str, bytes], dict[str, Any]]  # (file name, one line) -> the record it holds


def check_members(source: BinaryIO) -> None:
    """Walks the tar headers before the standard library parses any: a cube archive holds only plain
    USTAR files, at most MAX_BLOB_FILES + 3 of them. Pax and GNU long-name members are refused here:
    tarfile's pax parsing is quadratic (Python 3.11), and a crafted 130 KB header froze the API for
    19.9 s. Linear in the number of members; the file position is restored."""
    start, members = source.tell(), 0
    while (header := source.read(_BLOCK)) != bytes(_BLOCK):
        if len(header) < _BLOCK:
            raise ArchiveError("not a cube archive: it ends inside a tar header")
        if header[156:157] not in _PLAIN_FILE:
            raise ArchiveError(f"not a cube archive: member type {header[156:157]!r} (a cube archive holds plain "
                               "files only: no pax, GNU long-name, link or directory entries)")
        members += 1
        if members > MAX_BLOB_FILES + 3:
            raise ArchiveError(f"an archive holds at most {MAX_BLOB_FILES} cache and adapter files")
        try:
            size = int(header[124:136].rstrip(b"\0 ").strip() or b"0", 8)  # octal, as USTAR writes it
        except ValueError:
            raise ArchiveError("not a cube archive: a member's size is not an octal number") from None
        source.seek(-(-size // _BLOCK) * _BLOCK, io.SEEK_CUR)
    source.seek(start)


def read_archive(source: BinaryIO, keep_blob: Callable[[BinaryIO], tuple[str, int]],
                 record: Record = lambda _, line: json.loads(line)) -> Archive:
    """Reads a seekable archive in one pass after `check_members`. Blob files go to `keep_blob` as they
    come; the JSON lines are spooled (to disk past 16 MB) and checked against the manifest before
    `record` reads them one line at a time, so an archive is never held whole in memory."""
    check_members(source)
    with contextlib.ExitStack() as spools:
        files: dict[str, tuple[IO[bytes], str, int]] = {}  # name -> (spool, sha256, bytes)
        kept: dict[str, int] = {}
        try:
            with tarfile.open(fileobj=source, mode="r|") as tar:
                for member in tar:
                    extracted = tar.extractfile(member)
                    if extracted is None or member.name in files or member.name in kept:
                        raise ArchiveError(f"unexpected archive member {member.name!r}")
                    if member.name in (MANIFEST, MEMORIES, BLOBS):
                        if member.name == MANIFEST and member.size > MAX_MANIFEST_BYTES:
                            raise ArchiveError(f"{MANIFEST} is larger than {MAX_MANIFEST_BYTES} bytes")
                        files[member.name] = _spooled(extracted, spools.enter_context(
                            tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)))
                    elif matched := _BLOB_FILE.match(member.name):
                        sha256, size = keep_blob(extracted)
                        if sha256 != matched.group(1):
                            raise ArchiveError(f"{member.name} does not hold the bytes its name is the checksum of")
                        kept[sha256] = size
                    else:
                        raise ArchiveError(f"unexpected archive member {member.name!r}")
        except (tarfile.TarError, EOFError) as exc:
            raise ArchiveError(f"not a cube archive: {exc}") from None
        if MANIFEST not in files or MEMORIES not in files:
            raise ArchiveError(f"a cube archive holds {MANIFEST} and {MEMORIES}")
        try:
            manifest = json.loads(files[MANIFEST][0].read())
            if manifest.get("format") != FORMAT or manifest.get("format_version") not in READABLE_VERSIONS:
                raise ArchiveError(f"unsupported archive format {manifest.get('format')!r} v{manifest.get('format_version')!r}")
            described = manifest["files"]
            memories = _records(files, MEMORIES, described, record)
            blobs = _records(files, BLOBS, described, record) if manifest["format_version"] >= 2 else []
            listed = {matched[1]: entry["bytes"] for name, entry in described.items() if (matched := _BLOB_FILE.match(name))}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, ArchiveError):
                raise
            raise ArchiveError(f"malformed archive: {exc}") from None
    if listed != kept:
        raise ArchiveError("the blob files do not match the manifest")
    return Archive(manifest, memories, blobs, kept)


def _spooled(source: IO[bytes], spool: IO[bytes]) -> tuple[IO[bytes], str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        spool.write(chunk)
        size += len(chunk)
    spool.seek(0)
    return spool, digest.hexdigest(), size


def _records(files: dict[str, tuple[IO[bytes], str, int]], name: str, described: dict[str, Any],
             record: Record) -> list[dict[str, Any]]:
    if name not in files:
        raise ArchiveError(f"a cube archive of this format holds {name}")
    spool, sha256, size = files[name]
    if sha256 != described[name]["sha256"] or size != described[name]["bytes"]:
        raise ArchiveError(f"{name} does not match the checksum in the manifest")
    records = [record(name, line) for line in spool if line.strip()]
    if len(records) != described[name]["records"]:
        raise ArchiveError(f"record count of {name} does not match the manifest")
    return records
