"""Activation memories: the KV cache of a prefix built from plaintext memories, so an inference
engine can start from it instead of reading the memories again.

Stored as safetensors (tensors `layers.{i}.keys` / `layers.{i}.values`, shape
[batch, heads, tokens, head_dim]); never pickle, which would run code on load.
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from memos_service.blobs.store import blob_store
from memos_service.config import Settings
from memos_service.db import jobs
from memos_service.db.blobs import BlobStatus
from memos_service.db.models import Blob
from memos_service.lm.model import LanguageModel, get_language_model
from memos_service.lm.selection import Selected, claim_selection, record_built

DEFAULT_TEMPLATE = "Things to remember:\n{memories}\n"


@dataclass(frozen=True)
class BuiltCache:
    data: bytes  # safetensors
    metadata: dict[str, Any]


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
    and record it, with the job's completion, in one transaction. The job's result, or None when it
    was finished or cancelled meanwhile."""
    with session_factory() as session:
        selected = claim_selection(session, job_id, clock(), DEFAULT_TEMPLATE)
        if selected is None:
            return None
        payload = selected.payload
        if payload.get("scheduled"):
            settled = _hot_cache_settled(session, job_id, selected, clock)
            if settled is not None:
                return settled
    lm = get_language_model(settings)
    built = build_cache(lm, selected.text)
    sha256, size = blob_store(settings).put(built.data)
    with session_factory() as session:
        job = jobs.unfinished(session, job_id)
        if job is None:
            return None
        metadata = {**built.metadata, "prefix": selected.text, "scheduled": bool(payload.get("scheduled"))}
        blob = record_built(session, job_id, selected, kind="activation", lm=lm, sha256=sha256, size=size,
                            metadata=metadata)
        if payload.get("replaces"):
            old = session.get(Blob, uuid.UUID(payload["replaces"]))
            if old is not None and old.tenant_id == selected.tenant_id and old.cube_id == selected.cube_id:
                session.delete(old)
        result = {"activation_id": str(blob.id), "tokens": int(built.metadata["tokens"]), "size": size,
                  "sha256": sha256, "memories": len(selected.memories), "status": blob.status}
        jobs.complete(job, result, clock())
    return result


def _hot_cache_settled(session: Any, job_id: uuid.UUID, selected: Selected,
                       clock: Callable[[], datetime]) -> dict[str, Any] | None:
    """For beat's hot-memory cache: the job's result when nothing is to be built (nothing in the cube
    was used lately, or the cache in place holds the hottest memories as they are), or None to build
    one (replacing the cache in place, if any)."""
    payload = selected.payload
    now = jobs.as_of(payload, clock)
    used = [memory.last_accessed_at for memory in selected.memories if memory.last_accessed_at]
    current = _scheduled_cache(session, selected.cube_id)
    if not used or max(used) < now - timedelta(days=payload.get("retire_unused_days", 7)):
        # Nothing in the cube is hot: no cache to keep (and an old one was, or will be, retired).
        outcome: dict[str, Any] = {"skipped": "no memory of the cube was used recently"}
    elif current is not None and current.status == BlobStatus.ready and current.metadata_.get("sources") == selected.sources:
        # The hottest memories are what they were: the cache in place still holds them.
        outcome = {"activation_id": str(current.id), "unchanged": True}
    else:
        if current is not None:
            payload["replaces"] = str(current.id)
        return None
    job = jobs.unfinished(session, job_id)
    if job is not None:
        jobs.complete(job, outcome, clock())
    return outcome


def _scheduled_cache(session: Any, cube_id: uuid.UUID) -> Blob | None:
    """The cube's hot-memory cache, the one beat keeps."""
    return session.scalar(select(Blob).where(Blob.cube_id == cube_id, Blob.kind == "activation",
                                             Blob.metadata_["scheduled"].astext == "true")
                          .order_by(Blob.created_at.desc()).limit(1))
