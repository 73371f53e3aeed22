"""The portable cube archive: an uncompressed tar holding `manifest.json` and `memories.jsonl`.

Deterministic by construction (sorted keys, fixed tar headers, no instance ids or export time),
so export → import → export gives the same bytes. Memories are keyed by their position in the
archive, not by ids that only mean something in one database. Never pickle: JSON only.
"""

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

FORMAT = "memos-cube-archive"
FORMAT_VERSION = 1
MANIFEST, MEMORIES = "manifest.json", "memories.jsonl"
VERSION_FIELDS = ("version", "op", "content", "memory_type", "status", "metadata", "tags", "importance",
                  "event_time", "expires_at", "actor", "reason", "created_at")


class ArchiveError(ValueError):
    """The archive cannot be read: wrong format, failed checksum, dangling references."""


@dataclass(frozen=True)
class Archive:
    manifest: dict[str, Any]
    memories: list[dict[str, Any]]


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_encode).encode()


def _encode(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot archive {type(value).__name__}")


def _member(name: str, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o644
    return info, io.BytesIO(data)


def write_archive(cube: dict[str, Any], embedding: dict[str, Any], memories: list[dict[str, Any]]) -> bytes:
    lines = b"".join(_canonical(memory) + b"\n" for memory in memories)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "cube": cube,
        "embedding": embedding,
        "files": {MEMORIES: {"sha256": hashlib.sha256(lines).hexdigest(), "bytes": len(lines), "records": len(memories)}},
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in ((MANIFEST, _canonical(manifest) + b"\n"), (MEMORIES, lines)):
            tar.addfile(*_member(name, data))
    return buffer.getvalue()


def read_archive(data: bytes) -> Archive:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            files = {}
            for member in tar.getmembers():
                if not member.isfile() or member.name not in (MANIFEST, MEMORIES):
                    raise ArchiveError(f"unexpected archive member {member.name!r}")
                extracted = tar.extractfile(member)
                assert extracted is not None
                files[member.name] = extracted.read()
    except (tarfile.TarError, EOFError) as exc:
        raise ArchiveError(f"not a cube archive: {exc}") from None
    if MANIFEST not in files or MEMORIES not in files:
        raise ArchiveError(f"a cube archive holds {MANIFEST} and {MEMORIES}")
    try:
        manifest = json.loads(files[MANIFEST])
        described = manifest["files"][MEMORIES]
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise ArchiveError(f"unsupported archive format {manifest.get('format')!r} v{manifest.get('format_version')!r}")
        lines = files[MEMORIES]
        if hashlib.sha256(lines).hexdigest() != described["sha256"] or len(lines) != described["bytes"]:
            raise ArchiveError(f"{MEMORIES} does not match the checksum in the manifest")
        memories = [json.loads(line) for line in lines.splitlines() if line]
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, ArchiveError):
            raise
        raise ArchiveError(f"malformed archive: {exc}") from None
    if len(memories) != described["records"]:
        raise ArchiveError("record count does not match the manifest")
    return Archive(manifest, memories)
