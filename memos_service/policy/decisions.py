"""The contract every memory manager keeps: given a candidate and the related memories already
known (each shown under a small integer, never its real id), decide one operation."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from memos_service.db.models import Memory
from memos_service.policy.candidates import Candidate


class Op(StrEnum):
    add = "ADD"
    update = "UPDATE"
    delete = "DELETE"
    noop = "NOOP"


@dataclass(frozen=True)
class Related:
    ref: int  # what the manager calls this memory; mapped back to the row by the pipeline
    memory: Memory
    similarity: float
    # (attribute, value) read from the words of a fact stored without them: one added through the API
    # ("Ana lives in Paris") sets the same property as one read from chat.
    read: tuple[str, str | None] | None = None
    vector: Any = field(default=None, repr=False, compare=False)  # the memory's stored embedding, where loaded

    @property
    def attribute(self) -> str | None:
        return self.memory.metadata_.get("attribute") or (self.read[0] if self.read else None)

    @property
    def value(self) -> str | None:
        return self.memory.metadata_.get("value") or (self.read[1] if self.read else None)

    @property
    def thing(self) -> str | None:
        return self.memory.metadata_.get("thing")

    def describe(self) -> dict:
        return {"id": self.ref, "content": self.memory.content, "memory_type": self.memory.memory_type,
                "attribute": self.attribute, "similarity": round(self.similarity, 4),
                "event_time": self.memory.event_time.isoformat() if self.memory.event_time else None}


@dataclass(frozen=True)
class Decision:
    op: Op
    target: int | None = None  # a Related.ref; required for UPDATE, DELETE and NOOP
    content: str | None = None  # the text to store for ADD and UPDATE; the candidate's when None
    reason: str = ""

    def describe(self) -> dict:
        return {"operation": self.op.value, "id": self.target, "content": self.content, "reason": self.reason}


@dataclass(frozen=True)
class Outcome:
    """A decision with what the operations log needs to learn from it."""

    decision: Decision
    policy: str
    model: str | None = None
    latency_ms: float = 0.0
    fallback_reason: str | None = None


class MemoryManager(Protocol):
    name: str

    def decide(self, candidate: Candidate, related: Sequence[Related]) -> Outcome: ...
