"""The portable cube archive: an uncompressed tar holding `manifest.json`, `memories.jsonl` and,
since format 2, `blobs.jsonl` with the bytes of the cube's activation caches and adapters as
`blobs/<sha256>`.

Deterministic by construction (sorted keys, fixed tar headers, no instance ids or export time),
so export → import → export gives the same bytes. Memories are keyed by their position in the
archive, not by ids that only mean something in one database. Never pickle: JSON and safetensors.
Written to and read from files, never whole in memory: caches and adapters run to hundreds of MB.
"""

import hashlib
import io
import json
import re
import tarfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from memos_service.blobs.store import BlobStore

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


def write_archive(out: BinaryIO, cube: dict[str, Any], embedding: dict[str, Any], memories: list[dict[str, Any]],
                  blobs: list[dict[str, Any]], store: BlobStore) -> None:
    """Writes the archive to `out`; each blob's bytes are copied from the store with their checksum
    verified, so a damaged file fails the export instead of travelling."""
    memory_lines, blob_lines = _jsonl(memories), _jsonl(blobs)
    sizes = {blob["sha256"]: blob["size"] for blob in blobs}
    files: dict[str, Any] = {MEMORIES: _described(memory_lines, len(memories)), BLOBS: _described(blob_lines, len(blobs))}
    files.update({f"blobs/{sha256}": {"sha256": sha256, "bytes": size} for sha256, size in sizes.items()})
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "cube": cube, "embedding": embedding, "files": files}
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in ((MANIFEST, _canonical(manifest) + b"\n"), (MEMORIES, memory_lines), (BLOBS, blob_lines)):
            tar.addfile(_header(name, len(data)), io.BytesIO(data))
        for sha256 in sorted(sizes):
            with store.open(sha256) as reader:
                tar.addfile(_header(f"blobs/{sha256}", sizes[sha256]), reader)
                reader.finish()


def read_archive(source: BinaryIO, keep_blob: Callable[[BinaryIO], tuple[str, int]]) -> Archive:
    """Reads an archive in one pass. Blob files go to `keep_blob` as they come (into the blob store:
    what an import that fails later leaves there names no row, and is collected as garbage)."""
    files: dict[str, bytes] = {}
    kept: dict[str, int] = {}
    seen: set[str] = set()
    try:
        with tarfile.open(fileobj=source, mode="r|") as tar:
            for member in tar:
                if not member.isfile() or member.name in seen:
                    raise ArchiveError(f"unexpected archive member {member.name!r}")
                seen.add(member.name)
                extracted = tar.extractfile(member)
                assert extracted is not None
                if member.name in (MANIFEST, MEMORIES, BLOBS):
                    files[member.name] = extracted.read()
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
        manifest = json.loads(files[MANIFEST])
        if manifest.get("format") != FORMAT or manifest.get("format_version") not in READABLE_VERSIONS:
            raise ArchiveError(f"unsupported archive format {manifest.get('format')!r} v{manifest.get('format_version')!r}")
        described = manifest["files"]
        memories = _records(files, MEMORIES, described)
        blobs = _records(files, BLOBS, described) if manifest["format_version"] >= 2 else []
        listed = {matched[1]: entry["bytes"] for name, entry in described.items() if (matched := _BLOB_FILE.match(name))}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, ArchiveError):
            raise
        raise ArchiveError(f"malformed archive: {exc}") from None
    if listed != kept:
        raise ArchiveError("the blob files do not match the manifest")
    return Archive(manifest, memories, blobs, kept)


def _records(files: dict[str, bytes], name: str, described: dict[str, Any]) -> list[dict[str, Any]]:
    if name not in files:
        raise ArchiveError(f"a cube archive of this format holds {name}")
    lines = files[name]
    if hashlib.sha256(lines).hexdigest() != described[name]["sha256"] or len(lines) != described[name]["bytes"]:
        raise ArchiveError(f"{name} does not match the checksum in the manifest")
    records = [json.loads(line) for line in lines.splitlines() if line]
    if len(records) != described[name]["records"]:
        raise ArchiveError(f"record count of {name} does not match the manifest")
    return records
