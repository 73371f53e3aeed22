"""The operations log as a training set for memory managers (Memory-R1 trains its manager with
PPO/GRPO on such traces). One JSON object per decision: the chat prompt an LLM manager is given,
the decision taken as its completion, and the outcome so far (what became of the memory it
touched) from which a reward can be computed."""

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from memos_service.db.models import Memory, Operation
from memos_service.db.operations import all_operations
from memos_service.policy.prompts import DECIDE_SYSTEM, render_decision


def training_record(operation: Operation, memory: Memory | None) -> dict[str, Any]:
    candidate, memories = operation.inputs["candidate"], operation.inputs["memories"]
    decision = operation.decision
    completion = {"operation": decision["operation"], "id": decision["id"], "text": decision["content"],
                  "reason": decision["reason"]}
    return {
        "id": operation.id, "tenant_id": str(operation.tenant_id), "cube_id": str(operation.cube_id),
        "job_id": str(operation.job_id) if operation.job_id else None, "user_id": operation.user_id,
        "created_at": operation.created_at.isoformat(), "policy": operation.policy, "model": operation.model,
        "latency_ms": operation.latency_ms, "fallback_reason": operation.fallback_reason,
        "messages": [{"role": "system", "content": DECIDE_SYSTEM},
                     {"role": "user", "content": render_decision(candidate, memories)}],
        "completion": completion,
        "said": operation.inputs.get("messages") or [],
        # As the manager saw them, for `memos policy train --operations`.
        "candidate": candidate, "memories": memories,
        "outcome": None if memory is None else {
            "memory_id": str(memory.public_id), "status": memory.status, "version": memory.version,
            "access_count": memory.access_count, "content": memory.content,
        },
    }


def training_records(session: Session, tenant_id: Any = None) -> Iterator[dict[str, Any]]:
    for operation in all_operations(session, tenant_id):
        memory = session.get(Memory, operation.memory_id) if operation.memory_id is not None else None
        yield training_record(operation, memory)
