"""Consolidation of one cube: merge near-duplicates, summarize finished sessions.

Incremental: only memories changed since the last run (the change log past the cube's
`consolidated_seq`) are range-searched against the whole index, so a daily run costs what the day
added. One consolidation per cube at a time (a lock held by the worker's connection, freed if it
dies); the plan is read and its texts written (maybe by an LLM) outside any transaction, then
applied in ONE transaction with the job's completion, after checking that every memory involved
is still at the version planned. A worker killed midway applies nothing; the redelivered task
plans again and applies once.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from gpu_index import IndexManager
from memos_service.config import Settings
from memos_service.cube.config import ConsolidationConfig, CubeConfig
from memos_service.cube.kinds import EPISODE, SUMMARY, MemoryOp, MemoryStatus
from memos_service.db import jobs
from memos_service.db.cubes import CubeRepository
from memos_service.db.locks import session_lock
from memos_service.db.memories import MemoryFilter, MemoryRepository
from memos_service.db.models import Cube, CubeLifecycle, Memory
from memos_service.embedding import Embedder
from memos_service.lifecycle.duplicates import Candidate, Cluster, clusters
from memos_service.lifecycle.state import lifecycle_of
from memos_service.lifecycle.writers import Turn, Writers, Written, writers_for
from memos_service.passages import ContentVectors, embed_contents

LISTED = 200  # clusters described one by one in a job's result; the rest are counted


@dataclass
class Merge:
    cluster: Cluster
    versions: dict[int, int]  # memory id -> version planned against
    written: Written


@dataclass
class SessionSummary:
    user_id: str | None
    agent_id: str | None
    session_id: str
    turn_ids: list[uuid.UUID]
    event_time: datetime | None
    existing: tuple[int, int] | None  # (memory id, version) of the summary it replaces
    written: Written | None = None


@dataclass
class Plan:
    through_seq: int
    examined: int
    merges: list[Merge] = field(default_factory=list)
    summaries: list[SessionSummary] = field(default_factory=list)
    orphaned_summaries: list[tuple[int, int]] = field(default_factory=list)
    contents: dict[int, str] = field(default_factory=dict)  # id -> content, for describing the plan


class Consolidation:
    def __init__(self, settings: Settings, embedder: Embedder, indexes: IndexManager, clock: Callable[[], datetime]):
        self.settings = settings
        self.embedder = embedder
        self.indexes = indexes
        self.clock = clock

    def run(self, job_id: uuid.UUID, session_factory: Callable[[], Any]) -> dict[str, Any] | None:
        """The job's result, or None when it was already finished or cancelled."""
        with session_factory() as session:
            job = jobs.claim(session, job_id, self.clock())
            if job is None:
                return None
            tenant_id, cube_id, payload = job.tenant_id, job.cube_id, dict(job.payload)
        now = jobs.as_of(payload, self.clock)
        with session_lock(f"consolidate:{cube_id}", wait=True):
            with session_factory() as session:
                cube = CubeRepository(session, tenant_id).get(cube_id)
                config = CubeConfig.of(cube.config).consolidation
                writers = writers_for(cube, self.settings, self.embedder.embed)
                plan = self.plan(MemoryRepository(session, tenant_id), cube, config, now, writers)
            with session_factory() as session:
                job = jobs.unfinished(session, job_id)
                if job is None:
                    return None
                if payload.get("dry_run"):
                    result = describe(plan, applied=None)
                else:
                    cube = CubeRepository(session, tenant_id).get(cube_id)
                    applied = self.apply(MemoryRepository(session, tenant_id), cube, plan, f"job:{job_id}", now)
                    result = describe(plan, applied)
                jobs.complete(job, result, self.clock())
        return result

    # Planning: reads only.
    def plan(self, memories: MemoryRepository, cube: Cube, config: ConsolidationConfig, now: datetime,
             writers: Writers) -> Plan:
        since = memories.session.scalar(select(CubeLifecycle.consolidated_seq).where(CubeLifecycle.cube_id == cube.id)) or 0
        index = self.indexes.index_for(cube.id, owner=cube.tenant_id)
        through = index.watermark
        changed = memories.changed_since(cube, since, through)
        plan = Plan(through_seq=through, examined=len(changed))
        pairs = index.neighbours_within(changed, config.similarity)
        involved = {memory_id for pair in pairs for memory_id in pair[:2]}
        rows = memories.by_ids(cube, sorted(involved), MemoryFilter()) if involved else {}
        candidates = [Candidate(row.id, (row.user_id, row.agent_id, row.kind, row.memory_type), row.content,
                                row.metadata_.get("attribute"), row.metadata_.get("value"), row.access_count)
                      for row in rows.values()]
        for cluster in clusters(candidates, pairs):
            survivor = rows[cluster.survivor]
            members = [rows[member] for member in cluster.members]
            written = writers.merge(survivor.content, [member.content for member in members])
            versions = {memory.id: memory.version for memory in (survivor, *members)}
            plan.merges.append(Merge(cluster, versions, written))
            plan.contents.update({memory.id: memory.content for memory in (survivor, *members)})
        if config.summarize_sessions:
            self._plan_summaries(memories, cube, config, now, writers, plan)
        return plan

    def _plan_summaries(self, memories: MemoryRepository, cube: Cube, config: ConsolidationConfig, now: datetime,
                        writers: Writers, plan: Plan) -> None:
        session = memories.session
        said_at = func.coalesce(Memory.event_time, Memory.created_at)
        sessions = session.execute(
            select(Memory.user_id, Memory.agent_id, Memory.session_id,
                   func.array_agg(aggregate_order_by(Memory.public_id, said_at, Memory.id)),
                   func.max(Memory.created_at), func.min(said_at))
            .where(Memory.tenant_id == cube.tenant_id, Memory.cube_id == cube.id, Memory.memory_type == EPISODE,
                   Memory.status == MemoryStatus.active, Memory.session_id.is_not(None))
            .group_by(Memory.user_id, Memory.agent_id, Memory.session_id)
        ).all()
        existing = {
            (row.user_id, row.agent_id, row.session_id): row
            for row in session.scalars(select(Memory).where(
                Memory.tenant_id == cube.tenant_id, Memory.cube_id == cube.id, Memory.memory_type == SUMMARY,
                Memory.status == MemoryStatus.active, Memory.metadata_["summary_of"].astext == "session"))
        }
        live = set()
        finished_before = now - timedelta(minutes=config.session_idle_minutes)
        for user_id, agent_id, session_id, turn_ids, last_stored, first_said in sessions:
            key = (user_id, agent_id, session_id)
            live.add(key)
            summary = existing.get(key)
            if last_stored >= finished_before:
                continue
            if summary is not None and summary.metadata_.get("turns") == [str(turn) for turn in turn_ids]:
                continue
            plan.summaries.append(SessionSummary(user_id, agent_id, session_id, list(turn_ids), first_said,
                                                 (summary.id, summary.version) if summary is not None else None))
        plan.orphaned_summaries = [(row.id, row.version) for key, row in existing.items() if key not in live]
        for planned in plan.summaries:
            turns = session.scalars(select(Memory).where(Memory.tenant_id == cube.tenant_id,
                                                         Memory.public_id.in_(planned.turn_ids)))
            by_id = {turn.public_id: turn for turn in turns}
            ordered = [by_id[turn_id] for turn_id in planned.turn_ids if turn_id in by_id]
            planned.written = writers.summarize(
                [Turn(_speaker(turn), turn.content, turn.event_time, _by_user(turn)) for turn in ordered],
                config.summary_sentences, self.settings.max_content_bytes)

    # Applying: one transaction, the caller's.
    def apply(self, memories: MemoryRepository, cube: Cube, plan: Plan, actor: str, now: datetime) -> dict[str, int]:
        applied = {"clusters_merged": 0, "memories_merged": 0, "clusters_skipped": 0,
                   "summaries_created": 0, "summaries_updated": 0, "summaries_skipped": 0, "summaries_deleted": 0}
        for merge in plan.merges:
            if self._merge(memories, cube, merge, actor):
                applied["clusters_merged"] += 1
                applied["memories_merged"] += len(merge.cluster.members)
            else:
                applied["clusters_skipped"] += 1
        for planned in plan.summaries:
            applied[self._summarize(memories, cube, planned, actor)] += 1
        for memory_id, version in plan.orphaned_summaries:
            summary = _locked(memories, [memory_id], {memory_id: version})
            if summary:
                memories.set_status(summary[0], MemoryStatus.deleted, MemoryOp.delete, actor,
                                    "its session has no active turns left")
                applied["summaries_deleted"] += 1
        lifecycle = lifecycle_of(memories.session, cube)
        lifecycle.consolidated_seq = max(lifecycle.consolidated_seq, plan.through_seq)
        lifecycle.consolidated_at = now
        return applied

    def _merge(self, memories: MemoryRepository, cube: Cube, merge: Merge, actor: str) -> bool:
        cluster = merge.cluster
        rows = _locked(memories, [cluster.survivor, *cluster.members], merge.versions)
        if rows is None:
            return False  # something changed since the plan: the next run looks again
        by_id = {row.id: row for row in rows}
        survivor, members = by_id[cluster.survivor], [by_id[member] for member in cluster.members]
        text = merge.written.text
        merged = [*survivor.metadata_.get("merged", []), *({
            "id": str(member.public_id), "content": member.content, "version": member.version,
            "session_id": member.session_id, "event_time": member.event_time.isoformat() if member.event_time else None,
            "source": member.source, "similarity": round(score, 4),
        } for member, score in zip(members, cluster.similarity, strict=True))]
        message_ids = list(dict.fromkeys([*survivor.source.get("message_ids", []),
                                          *(key for member in members for key in member.source.get("message_ids", []))]))
        changes: dict[str, Any] = {
            "metadata": {**survivor.metadata_, "merged": merged},
            "source": {**survivor.source, **({"message_ids": message_ids} if message_ids else {})},
            "tags": list(dict.fromkeys([*survivor.tags, *(tag for member in members for tag in member.tags)]))[
                :self.settings.max_tags],
            "importance": max(memory.importance for memory in rows),
        }
        if survivor.event_time is None:
            changes["event_time"] = min((m.event_time for m in members if m.event_time), default=None)
        vectors = None
        if text != survivor.content:
            changes["content"] = text
            vectors = self._embed(text)
        # Uses of any copy were uses of the memory.
        survivor.access_count = sum(memory.access_count for memory in rows)
        survivor.strength = max(memory.strength for memory in rows)
        used = [memory.last_accessed_at for memory in rows if memory.last_accessed_at]
        survivor.last_accessed_at = max(used) if used else survivor.last_accessed_at
        reason = (f"merged {len(members)} near-duplicate(s) (cosine ≥ {min(cluster.similarity):.3f}); "
                  f"text by {merge.written.by}")
        memories.merge(cube, survivor, members, changes, vectors, actor, reason)
        return True

    def _summarize(self, memories: MemoryRepository, cube: Cube, planned: SessionSummary, actor: str) -> str:
        assert planned.written is not None
        text = planned.written.text
        metadata = {"summary_of": "session", "turns": [str(turn) for turn in planned.turn_ids],
                    "summarized_by": planned.written.by,
                    **({"fallback_reason": planned.written.fallback_reason} if planned.written.fallback_reason else {})}
        vectors = self._embed(text)
        if planned.existing is not None:
            memory_id, version = planned.existing
            rows = _locked(memories, [memory_id], {memory_id: version})
            if rows is None:
                return "summaries_skipped"
            memories.update(cube, rows[0].public_id, {"content": text, "metadata": metadata, "event_time": planned.event_time},
                            vectors, actor, "the session's turns changed")
            return "summaries_updated"
        draft = {"content": text, "memory_type": SUMMARY, "user_id": planned.user_id, "agent_id": planned.agent_id,
                 "session_id": planned.session_id, "event_time": planned.event_time, "importance": 0.5,
                 "source": {"session_id": planned.session_id}, "metadata": metadata}
        memories.add_many(cube, [draft], vectors, actor)
        return "summaries_created"

    def _embed(self, text: str) -> ContentVectors:
        return embed_contents(self.embedder, [text], self.settings.passages_per_memory)


def _speaker(turn: Memory) -> str:
    """Who said a turn: its speaker's name, else the user it belongs to (unless another role said it)."""
    role = turn.source.get("role")
    if turn.metadata_.get("name"):
        return turn.metadata_["name"]
    if role in (None, "user") and turn.user_id:
        return turn.user_id
    return role or "someone"


def _by_user(turn: Memory) -> bool:
    return turn.source.get("role") in (None, "user")


def _locked(memories: MemoryRepository, memory_ids: list[int], versions: dict[int, int]) -> list[Memory] | None:
    """The memories locked for change, or None unless every one is still active at its planned version."""
    query = (select(Memory).where(Memory.tenant_id == memories.tenant_id, Memory.id.in_(memory_ids))
             .order_by(Memory.id).with_for_update())
    rows = list(memories.session.scalars(query))
    if len(rows) != len(memory_ids) or any(row.status != MemoryStatus.active or row.version != versions[row.id]
                                           for row in rows):
        return None
    return sorted(rows, key=lambda row: memory_ids.index(row.id))


def describe(plan: Plan, applied: dict[str, int] | None) -> dict[str, Any]:
    listed = [{
        "survivor": plan.contents.get(merge.cluster.survivor),
        "members": [plan.contents.get(member) for member in merge.cluster.members],
        "similarity": [round(score, 4) for score in merge.cluster.similarity],
        "text": merge.written.text, "written_by": merge.written.by, "fallback_reason": merge.written.fallback_reason,
    } for merge in plan.merges[:LISTED]]
    return {
        "dry_run": applied is None,
        "examined": plan.examined,
        "through_seq": plan.through_seq,
        "clusters": len(plan.merges),
        "memories_to_merge": sum(len(merge.cluster.members) for merge in plan.merges),
        "plan": listed,
        "sessions_to_summarize": len(plan.summaries),
        "summaries_to_delete": len(plan.orphaned_summaries),
        "summaries": [{"session_id": planned.session_id, "user_id": planned.user_id, "turns": len(planned.turn_ids),
                       "text": planned.written.text if planned.written else None,
                       "written_by": planned.written.by if planned.written else None}
                      for planned in plan.summaries[:LISTED]],
        **({"applied": applied} if applied is not None else {}),
    }
