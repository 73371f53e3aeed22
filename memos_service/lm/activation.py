"""Activation memories: the KV cache of a prefix built from plaintext memories, so an inference
engine can start from it instead of reading the memories again.

Stored as safetensors (tensors `layers.{i}.keys` / `layers.{i}.values`, shape
[batch, heads, tokens, head_dim]); never pickle, which would run code on load.
"""

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from memos_service.blobs.store import blob_store
from memos_service.config import Settings
from memos_service.db import jobs
from memos_service.db.blobs import BlobRepository, BlobStatus
from memos_service.db.cubes import CubeRepository
from memos_service.db.models import Blob, Memory
from memos_service.lm.model import LanguageModel, check_cube_model, get_language_model
from memos_service.lm.selection import select_memories

DEFAULT_TEMPLATE = "Things to remember:\n{memories}\n"


@dataclass(frozen=True)
class BuiltCache:
    data: bytes  # safetensors
    metadata: dict[str, Any]


def prefix_text(contents: Sequence[str], template: str) -> str:
    return template.replace("{memories}", "\n".join(f"- {content}" for content in contents))


def prefix_ids(lm: LanguageModel, text: str) -> Any:
    """The prefix's token ids, without special tokens: a cache is a prefix, whatever follows it."""
    return lm.tokenizer(text, add_special_tokens=False, return_tensors="pt").input_ids.to(lm.device)


def build_cache(lm: LanguageModel, text: str) -> BuiltCache:
    import torch
    from safetensors.torch import save

    ids = prefix_ids(lm, text)
    with torch.no_grad():
        cache = lm.model(ids, use_cache=True).past_key_values
    tensors = {}
    for number, layer in enumerate(cache.layers):
        tensors[f"layers.{number}.keys"] = layer.keys.detach().to("cpu").contiguous()
        tensors[f"layers.{number}.values"] = layer.values.detach().to("cpu").contiguous()
    first = tensors["layers.0.keys"]
    metadata = {
        "format": "memos-kv-cache/1", "model": lm.name, "model_fingerprint": lm.fingerprint, "dtype": str(first.dtype),
        "layers": str(len(cache.layers)), "heads": str(first.shape[1]), "head_dim": str(first.shape[3]),
        "tokens": str(ids.shape[1]), "prefix_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    return BuiltCache(save(tensors, metadata=metadata), metadata)


def run_activation_build(job_id: uuid.UUID, session_factory: Callable[[], Any], settings: Settings,
                         clock: Callable[[], datetime]) -> dict[str, Any] | None:
    """An `activation` job: select memories, run the model over their prefix once, store the cache,
    and record it, with the job's completion, in one transaction. A cache whose memories changed
    while it was being built is recorded stale at once."""
    with session_factory() as session:
        job = jobs.claim(session, job_id, clock())
        if job is None:
            return None
        tenant_id, cube_id, payload = job.tenant_id, job.cube_id, dict(job.payload)
        cube = CubeRepository(session, tenant_id).get(cube_id)
        chosen = select_memories(session, tenant_id, cube, payload)
        sources = [(memory.id, memory.public_id, memory.version) for memory in chosen]
        text = prefix_text([memory.content for memory in chosen], payload.get("template") or DEFAULT_TEMPLATE)
        if payload.get("scheduled"):
            now = datetime.fromisoformat(payload["as_of"]) if payload.get("as_of") else clock()
            used = [memory.last_accessed_at for memory in chosen if memory.last_accessed_at]
            if not used or max(used) < now - timedelta(days=payload.get("retire_unused_days", 7)):
                # Nothing in the cube is hot: no cache to keep (and an old one was, or will be, retired).
                job = jobs.unfinished(session, job_id)
                if job is not None:
                    jobs.complete(job, {"skipped": "no memory of the cube was used recently"}, clock())
                return None
            current = _scheduled_cache(session, cube_id)
            if current is not None and current.status == BlobStatus.ready and current.metadata_.get("sources") == [
                    {"id": str(public_id), "version": version} for _, public_id, version in sources]:
                # The hottest memories are what they were: the cache in place still holds them.
                job = jobs.unfinished(session, job_id)
                if job is not None:
                    result = {"activation_id": str(current.id), "unchanged": True}
                    jobs.complete(job, result, clock())
                    return result
            if current is not None:
                payload["replaces"] = str(current.id)
    lm = get_language_model(settings)
    built = build_cache(lm, text)
    sha256, size = blob_store(settings).put(built.data)
    with session_factory() as session:
        job = jobs.unfinished(session, job_id)
        if job is None:
            return None
        cube = CubeRepository(session, tenant_id).get(cube_id, for_update=True)
        check_cube_model(cube, lm)
        metadata = {**built.metadata, "prefix": text, "scheduled": bool(payload.get("scheduled")),
                    "sources": [{"id": str(public_id), "version": version} for _, public_id, version in sources],
                    "selection": {name: payload[name] for name in ("memory_ids", "query", "top_k", "hottest", "template")
                                  if payload.get(name) is not None}}
        blobs = BlobRepository(session, tenant_id)
        blob = blobs.create(cube, kind="activation", sha256=sha256, size=size, lm_name=lm.name,
                            lm_fingerprint=lm.fingerprint, memory_ids=[memory_id for memory_id, _, _ in sources],
                            metadata=metadata, job_id=job_id)
        current = dict(session.execute(select(Memory.id, Memory.version).where(
            Memory.id.in_([memory_id for memory_id, _, _ in sources]), Memory.status == "active")).all())
        if any(current.get(memory_id) != version for memory_id, _, version in sources):
            blob.status = BlobStatus.stale
        if payload.get("replaces"):
            old = session.get(Blob, uuid.UUID(payload["replaces"]))
            if old is not None and old.tenant_id == tenant_id and old.cube_id == cube_id:
                session.delete(old)
        result = {"activation_id": str(blob.id), "tokens": int(built.metadata["tokens"]), "size": size,
                  "sha256": sha256, "memories": len(sources), "status": blob.status}
        jobs.complete(job, result, clock())
    return result


def _scheduled_cache(session: Any, cube_id: uuid.UUID) -> Blob | None:
    """The cube's hot-memory cache, the one beat keeps."""
    return session.scalar(select(Blob).where(Blob.cube_id == cube_id, Blob.kind == "activation",
                                             Blob.metadata_["scheduled"].astext == "true")
                          .order_by(Blob.created_at.desc()).limit(1))
