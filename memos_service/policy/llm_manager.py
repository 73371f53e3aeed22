"""The LLM manager: asks the model, checks its answer against the memories it was shown, and
falls back to the heuristic manager, with the reason, when the model cannot be used."""

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from memos_service.policy.candidates import Candidate
from memos_service.policy.decisions import Decision, MemoryManager, Op, Outcome, Related
from memos_service.policy.llm import LLMClient, LLMError, timed
from memos_service.policy.prompts import DECIDE_SYSTEM, decision_prompt


class LLMDecision(BaseModel):
    operation: Literal["ADD", "UPDATE", "DELETE", "NOOP"]
    id: int | None = None
    text: str | None = Field(None, max_length=4000)
    reason: str = Field("", max_length=2000)


class LLMManager:
    name = "llm"

    def __init__(self, client: LLMClient, fallback: MemoryManager):
        self.client = client
        self.fallback = fallback

    def decide(self, candidate: Candidate, related: Sequence[Related]) -> Outcome:
        shown = {memory.ref for memory in related}

        def check(answer: LLMDecision) -> None:
            if answer.operation == "ADD":
                return
            if answer.id is None:
                raise LLMError(f"{answer.operation} names no memory id")
            if answer.id not in shown:
                raise LLMError(f"{answer.operation} names memory id {answer.id}, which it was not shown")
            if answer.operation == "UPDATE" and not (answer.text or "").strip():
                raise LLMError("UPDATE without the text to store")

        try:
            answer, latency = timed(lambda: self.client.ask(DECIDE_SYSTEM, decision_prompt(candidate, related),
                                                            LLMDecision, check))
        except LLMError as error:
            outcome = self.fallback.decide(candidate, related)
            return Outcome(outcome.decision, outcome.policy, self.client.model, outcome.latency_ms, str(error))
        op = Op(answer.operation)
        decision = Decision(op, None if op is Op.add else answer.id,
                            (answer.text or "").strip() or None if op in (Op.add, Op.update) else None, answer.reason)
        return Outcome(decision, self.name, self.client.model, latency)
