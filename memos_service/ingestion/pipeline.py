"""One ingestion job: extract candidates, then, per candidate, retrieve what the user's memory
already holds, decide, and apply, all in one transaction with the job's completion.

Exactly once: the job row is locked and checked before anything is applied, and marked done in
the same transaction, so a task delivered twice (a worker killed mid-job, a redelivery racing the
first run) applies its operations once. Candidates of one user are decided one at a time (an
advisory lock per cube and user), so two jobs never both add the same new fact.
"""

import functools
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memos_service.config import Settings
from memos_service.cube.config import CubeConfig
from memos_service.cube.kinds import EPISODE, MemoryOp, MemoryStatus
from memos_service.db import jobs
from memos_service.db.cubes import CubeRepository
from memos_service.db.memories import MemoryRepository
from memos_service.db.models import Cube, Job, Memory
from memos_service.db.operations import OperationRepository
from memos_service.embedding import Embedder
from memos_service.ingestion.messages import chat_messages
from memos_service.passages import ContentVectors, embed_contents
from memos_service.policy.candidates import Candidate, ChatMessage
from memos_service.policy.decisions import MemoryManager, Op, Outcome, Related
from memos_service.policy.english import to_first_person
from memos_service.policy.heuristic_extractor import HeuristicExtractor, is_small_talk
from memos_service.policy.heuristic_manager import HeuristicManager, Thresholds
from memos_service.policy.holders import Holders, holders_for
from memos_service.policy.learned_manager import LearnedManager, load_pair_model
from memos_service.policy.llm import LLMClient, LLMError
from memos_service.policy.llm_extractor import LLMExtractor
from memos_service.policy.llm_manager import LLMManager
from memos_service.policy.pair_features import values_in_common
from memos_service.policy.properties import PropertyReader
from memos_service.policy.retractions import RetractionReader

log = structlog.get_logger(__name__)


class Extractor(Protocol):
    name: str

    def extract(self, messages: Sequence[ChatMessage], speaker: str) -> list[list[Candidate]]: ...


@dataclass(frozen=True)
class Policies:
    extractor: Extractor
    manager: MemoryManager


def policies_for(cube: Cube, settings: Settings, embedder: Embedder) -> Policies:
    """The cube's `manager` config ("llm", "learned" or "heuristic") picks; by default the LLM when one
    is configured, else the learned manager. The LLM manager falls back to the learned one."""
    rules = heuristic_manager(settings)
    learned = LearnedManager(load_pair_model(), embedder, rules)
    choice = CubeConfig.of(cube.config).manager or ("llm" if settings.llm_base_url else "learned")
    if choice == "llm" and settings.llm_base_url:
        client = LLMClient(settings)
        return Policies(LLMExtractor(client), LLMManager(client, learned))
    return Policies(heuristic_extractor(settings, embedder), rules if choice == "heuristic" else learned)


def heuristic_manager(settings: Settings) -> HeuristicManager:
    return HeuristicManager(Thresholds(settings.manager_noop_similarity, settings.manager_update_similarity,
                                       settings.manager_delete_similarity))


def heuristic_extractor(settings: Settings, embedder: Embedder) -> HeuristicExtractor:
    return HeuristicExtractor(PropertyReader(embedder, settings.manager_property_similarity),
                              RetractionReader(embedder, settings.manager_retraction_similarity),
                              settings.ingest_max_clauses_per_message, settings.ingest_max_clauses_per_job)


@dataclass
class _Scope:
    """What every write of one job shares."""

    session: Session
    job: Job
    cube: Cube
    memories: MemoryRepository
    operations: OperationRepository
    payload: dict[str, Any]
    said: dict[str, str]  # message key -> what the message said, for the operations log
    now: datetime
    # Memory id -> the property its words set (`Ingestion._read_stored`): read once per job, however
    # many of the job's candidates it is related to.
    stored_readings: dict[int, tuple[str, str | None] | None] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        return f"job:{self.job.id}"


class Ingestion:
    def __init__(self, settings: Settings, embedder: Embedder, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 policies: Callable[[Cube, Settings, Embedder], Policies] = policies_for):
        self.settings = settings
        self.embedder = embedder
        self.clock = clock
        self.policies = policies

    def run(self, job_id: uuid.UUID, session_factory: Callable[[], Any]) -> dict[str, Any] | None:
        """The job's result, or None when it was already finished (a redelivery)."""
        with session_factory() as session:
            job = jobs.claim(session, job_id, self.clock())
            if job is None:
                return None
            cube = CubeRepository(session, job.tenant_id).get(job.cube_id)
            policies = self.policies(cube, self.settings, self.embedder)
            payload, received_at = job.payload, job.created_at
            messages = chat_messages(payload, received_at)
            # Re-sent history is common: what is already ingested now needs no vectors (re-checked below).
            seen_before = MemoryRepository(session, job.tenant_id).ingested_message_keys(
                cube, payload.get("session_id"), payload.get("user_id"), [message.key for message in messages])

        speaker = payload.get("user_id") or "the user"
        extraction_fallback = None
        try:
            per_message = policies.extractor.extract(messages, speaker)
        except LLMError as error:
            extraction_fallback = str(error)
            per_message = self._offline_extractor.extract(messages, speaker)
        vectors = self._embed_new(messages, per_message, seen_before)

        with session_factory() as session:
            job = jobs.unfinished(session, job_id)
            if job is None:  # finished by another delivery, or cancelled
                return None
            memories = MemoryRepository(session, job.tenant_id)
            cube = CubeRepository(session, job.tenant_id).get(job.cube_id)
            _lock_user(session, cube.id, payload.get("user_id"))
            scope = _Scope(session, job, cube, memories, OperationRepository(session, job.tenant_id), payload,
                           {message.key: message.content for message in messages}, self.clock())
            seen = memories.ingested_message_keys(cube, payload.get("session_id"), payload.get("user_id"),
                                                  [message.key for message in messages])
            applied: list[dict[str, Any]] = []
            turns = skipped = 0
            for message, found in zip(messages, per_message, strict=True):
                if message.key in seen:
                    skipped += 1
                    continue
                turn_vectors, candidate_vectors = vectors[message.key]
                results = [self._apply(scope, policies.manager, candidate, candidate_vectors[row: row + 1])
                           for row, candidate in enumerate(found)]
                applied.extend(results)
                facts = [result["memory_id"] for result in results if result["op"] != Op.delete and result["memory_id"]]
                # A retraction's own words may hold the retracted value ("I no longer work at Globex"):
                # it is in the operations log, not kept as a turn.
                # So does a sentence whose words took a memory back without reading as a retraction
                # ("Someone stole my Brompton", deleted by the learned manager).
                retracts = any(candidate.retraction for candidate in found) or any(
                    result["op"] == Op.delete.value for result in results)
                if not is_small_talk(message.content) and not retracts:
                    self._add_turn(scope, message, turn_vectors, facts)
                    turns += 1
                seen.add(message.key)
            result = {
                "operations": applied,
                "counts": dict(Counter(entry["op"] for entry in applied)),
                "messages": {"received": len(messages), "already_ingested": skipped},
                "turns_added": turns,
                "extractor": policies.extractor.name if extraction_fallback is None else "heuristic",
                "extraction_fallback_reason": extraction_fallback,
            }
            jobs.complete(job, result, self.clock())
        log.info("ingestion done", job_id=str(job_id), counts=result["counts"], turns=turns)
        return result

    def _apply(self, scope: _Scope, manager: MemoryManager, candidate: Candidate, vectors: ContentVectors) -> dict[str, Any]:
        payload, memories = scope.payload, scope.memories
        nearby = memories.related(scope.cube, payload.get("user_id"), vectors.whole[0], limit=self.settings.manager_related_limit,
                                  attribute=candidate.attribute, value=candidate.value, thing=candidate.thing,
                                  exclude_types=(EPISODE,))
        related = [Related(ref, hit.memory, hit.score, self._read_stored(scope, hit.memory, candidate.subject),
                           vector=hit.memory.embedding) for ref, hit in enumerate(nearby)]
        candidate.vector = vectors.whole[0]
        outcome = manager.decide(candidate, related)
        shown = [memory.describe() for memory in related]  # as the manager saw them, before any change
        decision = outcome.decision
        target = related[decision.target].memory if decision.target is not None else None
        previous = target.content if target is not None else None
        text = decision.content or candidate.content
        reason = decision.reason or None

        if decision.op is Op.add:
            memory = memories.add_many(scope.cube, [self._draft(scope, candidate, text)], self._vectors(text, candidate, vectors),
                                       scope.actor)[0]
        elif decision.op is Op.update and target is not None:
            # A new value replaces the whole slot: an update that names no value keeps no stale one.
            replaced = ("attribute", "value", "thing") if candidate.attribute else ()
            metadata = {name: value for name, value in target.metadata_.items() if name not in replaced and name != "about"}
            metadata |= _slot(candidate) | self._about(candidate)
            superseded = target.metadata_.get("value") or previous
            metadata["previous_values"] = [*target.metadata_.get("previous_values", []), superseded]
            changes = {"content": text, "memory_type": candidate.memory_type, "event_time": candidate.event_time,
                       "metadata": metadata, "source": self._source(scope, candidate.message_keys, "user")}
            memory = memories.update(scope.cube, target.public_id, changes, self._vectors(text, candidate, vectors),
                                     scope.actor, reason)
            for turn in memories.linked_turns(scope.cube, memory):
                # A turn that stated the old value no longer belongs in default search; whatever
                # else it said lives on in the facts read from it.
                memories.set_status(turn, MemoryStatus.archived, MemoryOp.archive, scope.actor,
                                    f"states a value superseded by {decision.op.value}")
        elif decision.op is Op.delete and target is not None:
            memory = memories.delete(scope.cube, target.public_id, scope.actor, reason)
            self._forget_statements(scope, candidate, memory)
        else:
            memory = target
            if memory is not None:
                memories.reinforce(memory, scope.now)
            elif candidate.retraction:  # retracts what only a turn holds ("Started at Globex" was read as no fact)
                self._forget_statements(scope, candidate, None)
        scope.session.flush()
        self._log(scope, candidate, shown, outcome, memory)
        return {"op": decision.op.value, "memory_id": str(memory.public_id) if memory is not None else None,
                "content": memory.content if memory is not None else candidate.content, "previous_content": previous,
                "reason": decision.reason, "policy": outcome.policy, "fallback_reason": outcome.fallback_reason,
                "message_ids": candidate.message_keys}

    def _read_stored(self, scope: _Scope, memory: Memory, subject: str) -> tuple[str, str | None] | None:
        """The property a fact stored without one sets of the user ("Ana lives in Paris", added through
        the API), once per job. Facts read from chat already say theirs, or set none."""
        if memory.memory_type != "fact" or {"attribute", "extracted_by"} & memory.metadata_.keys():
            return None
        if memory.id not in scope.stored_readings:
            scope.stored_readings[memory.id] = self._read_words(memory, subject, scope.now)
        return scope.stored_readings[memory.id]

    def _read_words(self, memory: Memory, subject: str, now: datetime) -> tuple[str, str | None] | None:
        """A fact's words read as the user would say them ("I live in Paris"), by the offline reader (about 5 ms)."""
        said = to_first_person(memory.content, subject)
        if said is None:
            return None
        message = ChatMessage(key=f"stored-{memory.id}", role="user", content=said, timestamp=now)
        found = self._offline_extractor.extract([message], subject)[0]
        return next(((candidate.attribute, candidate.value) for candidate in found
                     if candidate.attribute and not candidate.retraction), None)

    def _about(self, candidate: Candidate) -> dict[str, str]:
        """Whom else than the user the fact is about ("uncle" of "Ana's uncle rides a Jeep"), for search."""
        whose = self._holders.of(candidate.content, candidate.subject)
        return {"about": whose.split("'s ", 1)[1]} if "'s " in whose else {}

    @property
    def _holders(self) -> Holders:
        return holders_for(self.embedder)

    @functools.cached_property
    def _offline_extractor(self) -> HeuristicExtractor:
        """For an LLM extractor's failures and for reading stored facts; built once per worker."""
        return heuristic_extractor(self.settings, self.embedder)

    def _forget_statements(self, scope: _Scope, candidate: Candidate, fact: Memory | None) -> None:
        """Deletes what else states what was retracted: the turns the fact was read from, and any
        memory that names the retracted value and sets no property of its own (a turn, or a fact
        read as none: "Today was my first day at Globex"), so no words keep it alive in search.
        A fact of another property naming it ("my sister works at Globex") stays."""
        memories = scope.memories
        values = [value for value in (candidate.value, fact.metadata_.get("value") if fact is not None else None) if value]
        stated = {turn.id: turn for turn in memories.linked_turns(scope.cube, fact)} if fact is not None else {}
        for memory in memories.unattributed_mentioning(scope.cube, scope.payload.get("user_id"), values):
            stated.setdefault(memory.id, memory)
        if not values and fact is not None:
            # Taken back by the learned manager, of no property the rules read: the value is what the
            # retraction and the fact both name ("I sold my cello" of "Ana plays the cello"). Turns
            # naming it go; other facts naming it may be someone else's ("Ana's uncle plays the cello").
            named = values_in_common(candidate.content, fact.content, candidate.subject)
            for memory in memories.unattributed_mentioning(scope.cube, scope.payload.get("user_id"), named, (EPISODE,)):
                stated.setdefault(memory.id, memory)
        for memory in stated.values():
            memories.set_status(memory, MemoryStatus.deleted, MemoryOp.delete, scope.actor, "states a retracted memory")
        # A session summary may repeat what was retracted; consolidation writes it again from what is left.
        for summary in memories.summaries_of(scope.cube, list(stated.values())):
            memories.set_status(summary, MemoryStatus.deleted, MemoryOp.delete, scope.actor, "summarizes a retracted memory")

    def _embed_new(self, messages: Sequence[ChatMessage], per_message: list[list[Candidate]],
                   seen: set[str]) -> dict[str, tuple[ContentVectors, ContentVectors]]:
        """Per message not yet ingested: its turn's vectors and its candidates' vectors, in one batch."""
        new = [(message, found) for message, found in zip(messages, per_message, strict=True) if message.key not in seen]
        texts = [message.content for message, _ in new] + [candidate.content for _, found in new for candidate in found]
        vectors = embed_contents(self.embedder, texts, self.settings.passages_per_memory)
        by_message, offset = {}, len(new)
        for number, (message, found) in enumerate(new):
            by_message[message.key] = (vectors[number: number + 1], vectors[offset: offset + len(found)])
            offset += len(found)
        return by_message

    def _vectors(self, text: str, candidate: Candidate, vectors: ContentVectors) -> ContentVectors:
        """The vectors of what is stored: the candidate's, unless the manager reworded it."""
        return vectors if text == candidate.content else embed_contents(self.embedder, [text], self.settings.passages_per_memory)

    def _source(self, scope: _Scope, message_keys: list[str], role: str) -> dict[str, Any]:
        source = {"message_ids": message_keys, "role": role, "session_id": scope.payload.get("session_id"),
                  "conversation_id": scope.payload.get("conversation_id")}
        return {name: value for name, value in source.items() if value is not None}

    def _owned(self, scope: _Scope) -> dict[str, Any]:
        """Whose a memory of this job is: the job's scope, never anything a model wrote."""
        return {name: scope.payload.get(name) for name in ("user_id", "agent_id", "session_id")}

    def _draft(self, scope: _Scope, candidate: Candidate, text: str) -> dict[str, Any]:
        return {"content": text, "memory_type": candidate.memory_type, **self._owned(scope),
                "event_time": candidate.event_time, "importance": candidate.importance,
                "source": self._source(scope, candidate.message_keys, "user"),
                "metadata": {**_slot(candidate), **self._about(candidate), "subject": candidate.subject,
                             "extracted_by": candidate.extractor}}

    def _add_turn(self, scope: _Scope, message: ChatMessage, vectors: ContentVectors, facts: list[str]) -> None:
        draft = {"content": message.content, "memory_type": EPISODE, **self._owned(scope),
                 "event_time": message.timestamp, "importance": 0.3,
                 "source": self._source(scope, [message.key], message.role),
                 "metadata": {"facts": list(dict.fromkeys(facts)), **({"name": message.name} if message.name else {})}}
        scope.memories.add_many(scope.cube, [draft], vectors, scope.actor)

    def _log(self, scope: _Scope, candidate: Candidate, shown: list[dict[str, Any]], outcome: Outcome,
             memory: Memory | None) -> None:
        said = [scope.said[key] for key in candidate.message_keys if key in scope.said]
        scope.operations.record(
            cube_id=scope.cube.id, job_id=scope.job.id, memory_id=memory.id if memory is not None else None,
            user_id=scope.payload.get("user_id"), op=outcome.decision.op.value, policy=outcome.policy,
            model=outcome.model, latency_ms=outcome.latency_ms, fallback_reason=outcome.fallback_reason,
            idempotency_key=scope.job.idempotency_key,
            inputs={"candidate": candidate.describe(), "memories": shown,
                    "messages": said},
            decision={**outcome.decision.describe(), "memory_id": str(memory.public_id) if memory is not None else None},
        )


def _slot(candidate: Candidate) -> dict[str, Any]:
    slot = {"attribute": candidate.attribute, "value": candidate.value, "thing": candidate.thing}
    return {name: value for name, value in slot.items() if value is not None}


def _lock_user(session: Session, cube_id: uuid.UUID, user_id: str | None) -> None:
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"ingest:{cube_id}:{user_id}", 0))))
