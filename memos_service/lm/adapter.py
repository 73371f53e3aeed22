"""Parameter memories: a LoRA adapter fine-tuned with peft on text built from plaintext memories,
so the model carries them in weights.

Stored as safetensors (the adapter's weights only) with the adapter config and the training record
(loss curve, steps, time, the memories and their versions, the model's fingerprint) in the row.
The record also keeps a probe: the trained model's next-token logits for a fixed text, so anyone
loading the adapter can check they reproduce the server's model.
"""

import hashlib
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from memos_service.blobs.store import blob_store
from memos_service.config import Settings
from memos_service.db import jobs
from memos_service.db.engine import session_scope
from memos_service.db.models import Blob
from memos_service.lm.model import LanguageModel, get_language_model
from memos_service.lm.selection import claim_selection, record_built

DEFAULT_TEMPLATE = "{memories}\n"
PROBE = "Things to remember:"
PROBE_LOGITS = 16
PROGRESS_EVERY = 5


def _fresh_model(lm: LanguageModel, path: str) -> Any:
    """A copy of the base model to train: the process's shared one serves caches and must stay untouched."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=getattr(torch, lm.dtype))
    return model.to(lm.device)


def _loss(model: Any, ids: Any) -> float:
    import torch

    with torch.no_grad():
        return float(model(ids, labels=ids).loss)


def train_adapter(lm: LanguageModel, path: str, text: str, *, rank: int, steps: int, learning_rate: float,
                  max_tokens: int, report: Callable[[int, float], None]) -> tuple[bytes, dict[str, Any]]:
    import torch
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict
    from safetensors.torch import save

    ids = lm.tokenizer(text, add_special_tokens=False, truncation=True, max_length=max_tokens,
                       return_tensors="pt").input_ids.to(lm.device)
    base = _fresh_model(lm, path)
    loss_before = _loss(base, ids)
    config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules="all-linear", bias="none")
    torch.manual_seed(0)
    model = get_peft_model(base, config)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=learning_rate)
    curve = []
    started = time.perf_counter()
    model.train()
    for step in range(1, steps + 1):
        loss = model(ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        curve.append(round(float(loss.detach()), 6))
        if step % PROGRESS_EVERY == 0 or step == steps:
            report(step, curve[-1])
    model.eval()
    probe = lm.tokenizer(PROBE, add_special_tokens=False, return_tensors="pt").input_ids.to(lm.device)
    with torch.no_grad():
        probe_logits = model(probe).logits[0, -1, :PROBE_LOGITS].tolist()
    weights = {name: tensor.detach().to("cpu").contiguous() for name, tensor in get_peft_model_state_dict(model).items()}
    adapter_config = {key: (sorted(value) if isinstance(value, set) else value)
                      for key, value in model.peft_config["default"].to_dict().items()}
    record = {
        "format": "memos-lora/1", "model": lm.name, "model_fingerprint": lm.fingerprint, "rank": rank, "steps": steps,
        "learning_rate": learning_rate, "tokens": int(ids.shape[1]), "seconds": round(time.perf_counter() - started, 3),
        "loss_before": round(loss_before, 6), "loss_after": round(_loss(model, ids), 6), "loss_curve": curve,
        "adapter_config": adapter_config, "probe": {"text": PROBE, "logits": probe_logits},
    }
    return save(weights, metadata={"format": "memos-lora/1", "model_fingerprint": lm.fingerprint}), record


def run_adapter_training(job_id: uuid.UUID, session_factory: Callable[[], Any], settings: Settings,
                         clock: Callable[[], datetime]) -> dict[str, Any] | None:
    """An `adapter` job: train on the selected memories (progress on the job as it goes), store the
    adapter, and record it with the job's completion in one transaction."""
    with session_factory() as session:
        selected = claim_selection(session, job_id, clock(), DEFAULT_TEMPLATE)
    if selected is None:
        return None
    payload = selected.payload
    lm = get_language_model(settings)

    def report(step: int, loss: float) -> None:
        with session_scope() as session:
            jobs.report_progress(session, job_id, {"step": step, "steps": payload["steps"], "loss": loss})

    data, record = train_adapter(lm, str(settings.lm_path), selected.text, rank=payload["rank"], steps=payload["steps"],
                                 learning_rate=payload["learning_rate"], max_tokens=payload["max_tokens"], report=report)
    sha256, size = blob_store(settings).put(data)
    with session_factory() as session:
        job = jobs.unfinished(session, job_id)
        if job is None:
            return None
        count = select(func.count()).where(Blob.cube_id == selected.cube_id, Blob.kind == "adapter")
        version = 1 + (session.scalar(count) or 0)
        metadata = {**record, "version": version, "active": False,
                    "text_sha256": hashlib.sha256(selected.text.encode()).hexdigest()}
        blob = record_built(session, job_id, selected, kind="adapter", lm=lm, sha256=sha256, size=size, metadata=metadata)
        result = {"adapter_id": str(blob.id), "version": version, "loss_before": record["loss_before"],
                  "loss_after": record["loss_after"], "steps": record["steps"], "size": size, "status": blob.status}
        jobs.complete(job, result, clock())
    return result


def activate(session: Any, blob: Blob) -> None:
    """Makes `blob` the cube's one active adapter."""
    others = select(Blob.id).where(Blob.cube_id == blob.cube_id, Blob.kind == "adapter", Blob.id != blob.id)
    for other in session.scalars(select(Blob).where(Blob.id.in_(others)).with_for_update()):
        if other.metadata_.get("active"):
            other.metadata_ = {**other.metadata_, "active": False}
    blob.metadata_ = {**blob.metadata_, "active": True}
    session.flush()
