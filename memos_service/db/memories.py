"""Memory repository: writes keep history (versions), feed the change log, and stay in the tenant."""

import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy import column as sql_column
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, undefer

from memos_service.cube.kinds import EPISODE, SUMMARY, MemoryOp, MemoryStatus
from memos_service.db.blobs import delete_built_from, mark_stale
from memos_service.db.changes import append_changes, lock_cube_log
from memos_service.db.full_text import search_full_text
from memos_service.db.models import Cube, Memory, MemoryChange, MemoryPassage, MemoryVersion, Operation
from memos_service.db.pagination import cut_page, decode_id_cursor
from memos_service.errors import Conflict, NotFound
from memos_service.lifecycle.retention import SECONDS_PER_DAY, last_use, reinforced_strength_sql, reinforcement
from memos_service.passages import ContentVectors, split_passages

# Changes after which a cache or adapter built from the memory no longer says what it says.
STALING = (MemoryOp.update, MemoryOp.delete, MemoryOp.merge, MemoryOp.purge)

# Fields a client may set on a memory; everything else is the service's to manage.
WRITABLE = ("content", "memory_type", "user_id", "agent_id", "session_id", "event_time", "expires_at",
            "importance", "source", "metadata", "tags")


@dataclass(frozen=True)
class MemoryFilter:
    user_id: str | None = None
    agent_id: str | None = None
    session_id: str | None = None
    memory_type: str | None = None
    tags: Sequence[str] = ()
    event_after: datetime | None = None
    event_before: datetime | None = None
    statuses: Sequence[str] = (MemoryStatus.active,)

    def narrows(self) -> bool:
        """Whether anything beyond status restricts the memories searched."""
        return any(value is not None for value in (self.user_id, self.agent_id, self.session_id, self.memory_type,
                                                    self.event_after, self.event_before)) or bool(self.tags)

    def apply(self, query: Select[Any], *, through_indexes: bool = True) -> Select[Any]:
        """The query restricted to the memories that pass. `through_indexes` False words each field's
        condition so that no index of its own answers it (`memory_type || ''`): for a filter passing a
        large share, checked on the rows another index finds. The planner otherwise builds a bitmap of
        every memory passing to AND with the text index's, which cost full-text search under a third
        of 1M memories up to 98 ms where checking the text index's holders took 45."""
        def field(column: Any) -> Any:
            if through_indexes:
                return column
            return column.concat("") if column is not Memory.event_time else column + timedelta(0)

        for column, value in (
            (Memory.user_id, self.user_id),
            (Memory.agent_id, self.agent_id),
            (Memory.session_id, self.session_id),
            (Memory.memory_type, self.memory_type),
        ):
            if value is not None:
                query = query.where(field(column) == value)
        if self.tags:
            query = query.where(Memory.tags.contains(list(self.tags)))
        if self.event_after is not None:
            query = query.where(field(Memory.event_time) >= self.event_after)
        if self.event_before is not None:
            query = query.where(field(Memory.event_time) < self.event_before)
        return query.where(Memory.status.in_(list(self.statuses)))


@dataclass(frozen=True)
class ScoredMemory:
    memory: Memory
    score: float


def _now() -> datetime:
    return datetime.now(UTC)


class MemoryRepository:
    def __init__(self, session: Session, tenant_id: uuid.UUID):
        self.session = session
        self.tenant_id = tenant_id

    def _scoped(self, cube: Cube) -> Select[tuple[Memory]]:
        return select(Memory).where(Memory.tenant_id == self.tenant_id, Memory.cube_id == cube.id)

    def add_many(self, cube: Cube, drafts: Sequence[dict[str, Any]], vectors: ContentVectors, actor: str) -> list[Memory]:
        now = _now()
        memories = [
            Memory(tenant_id=self.tenant_id, cube_id=cube.id, created_at=now, updated_at=now, **_columns(draft),
                   **_vectors(vectors, row))
            for row, draft in enumerate(drafts)
        ]
        self.session.add_all(memories)
        self.session.flush()
        self._record(memories, MemoryOp.add, actor, reason=None)
        self.session.flush()
        return memories

    def get(self, cube: Cube, public_id: uuid.UUID, *, for_update: bool = False) -> Memory:
        query = self._scoped(cube).where(Memory.public_id == public_id)
        memory = self.session.scalar(query.with_for_update() if for_update else query)
        if memory is None:
            raise NotFound(f"memory {public_id} not found")
        return memory

    def page(self, cube: Cube, filters: MemoryFilter, *, limit: int, after: str | None,
             newest_first: bool = False) -> tuple[list[Memory], str | None]:
        """Memories in the order they were stored (ids grow with it), or newest first."""
        query = filters.apply(self._scoped(cube)).order_by(Memory.id.desc() if newest_first else Memory.id).limit(limit + 1)
        if after:
            last_id = decode_id_cursor(after)
            query = query.where(Memory.id < last_id if newest_first else Memory.id > last_id)
        return cut_page(list(self.session.scalars(query)), limit, lambda row: (row.id,))

    def update(self, cube: Cube, public_id: uuid.UUID, changes: dict[str, Any], vectors: ContentVectors | None,
               actor: str, reason: str | None) -> Memory:
        """`vectors`: of the new content, when it changes."""
        memory = self.get(cube, public_id, for_update=True)
        if memory.status != MemoryStatus.active:
            raise Conflict(f"memory {public_id} is {memory.status}; only active memories can be updated")
        for name, value in _columns(changes).items():
            setattr(memory, name, value)
        if vectors is not None:
            _set_vectors(memory, vectors)
        self._bump(memory, MemoryOp.update, actor, reason)
        return memory

    def delete(self, cube: Cube, public_id: uuid.UUID, actor: str, reason: str | None) -> Memory:
        """A tombstone: the row and its history stay; only a purge removes them."""
        memory = self.get(cube, public_id, for_update=True)
        if memory.status != MemoryStatus.deleted:
            memory.status = MemoryStatus.deleted
            self._bump(memory, MemoryOp.delete, actor, reason)
        return memory

    def restore(self, cube: Cube, public_id: uuid.UUID, actor: str, moment: datetime) -> Memory:
        """Brings an archived memory back to search, as a use (so it does not fade again at once);
        an expiry already past is cleared, or the next sweep would archive it again."""
        memory = self.get(cube, public_id, for_update=True)
        if memory.status == MemoryStatus.active:
            return memory
        if memory.status != MemoryStatus.archived:
            raise Conflict(f"memory {public_id} is {memory.status}; only archived memories can be restored")
        reason = "restored"
        if memory.expires_at is not None and memory.expires_at <= moment:
            memory.expires_at = None
            reason = "restored; its past expiry cleared"
        memory.status, memory.last_accessed_at = MemoryStatus.active, moment
        self._bump(memory, MemoryOp.restore, actor, reason)
        return memory

    def history(self, cube: Cube, public_id: uuid.UUID) -> list[MemoryVersion]:
        memory = self.get(cube, public_id)
        query = (
            select(MemoryVersion)
            .where(MemoryVersion.tenant_id == self.tenant_id, MemoryVersion.memory_id == memory.id)
            .order_by(MemoryVersion.version)
        )
        return list(self.session.scalars(query))

    def search_dense(self, cube: Cube, vector: np.ndarray, filters: MemoryFilter, top_k: int) -> list[ScoredMemory]:
        """Exact cosine search in Postgres: correct for any filter, the reference the indexes must match.
        A memory scores the best of its whole text and its passages (LEAST skips the NULL of a memory
        without passages). A probe of the passages per memory: 0.5 ms more at 1,000 memories."""
        best_passage = (select(func.min(MemoryPassage.embedding.cosine_distance(vector)))
                        .where(MemoryPassage.memory_id == Memory.id).scalar_subquery())
        distance = func.least(Memory.embedding.cosine_distance(vector), best_passage)
        query = filters.apply(self._scoped(cube)).add_columns(distance).order_by(distance, Memory.id).limit(top_k)
        return [ScoredMemory(memory, 1.0 - float(dist)) for memory, dist in self.session.execute(query)]

    def _passing_ids(self, cube: Cube, filters: MemoryFilter) -> Select[tuple[int]]:
        """A select of the ids of this cube's memories that pass the filters."""
        return filters.apply(self._scoped(cube).with_only_columns(Memory.id))

    def count_searchable(self, cube: Cube, up_to: int) -> int | None:
        """How many of the cube's memories search may return (active and archived: what its index would
        hold), when at most `up_to`; None past it, or when `up_to` is 0. Reads no more than `up_to` + 1
        entries of an index."""
        if up_to <= 0:
            return None
        searchable = (MemoryStatus.active.value, MemoryStatus.archived.value)
        rows = self._scoped(cube).with_only_columns(Memory.id).where(Memory.status.in_(searchable)).limit(up_to + 1)
        count = self.session.scalar(select(func.count()).select_from(rows.subquery())) or 0
        return count if count <= up_to else None

    def matching_ids(self, cube: Cube, filters: MemoryFilter, cap: int) -> list[int]:
        """The ids of the memories that pass the filters, no more than `cap + 1` of them. As one array:
        10k ids took 18 ms as rows, 7 ms as an array (1M cube)."""
        matching = self._passing_ids(cube, filters).limit(cap + 1).subquery()
        return self.session.scalar(select(func.array_agg(matching.c.id))) or []

    def estimated_matching(self, cube: Cube, filters: MemoryFilter) -> int:
        """The planner's estimate of how many memories pass the filters, from the table's statistics:
        0.3 ms, where reading them costs what they hold (a third of 1M memories: 25 ms to learn that
        more than 10k pass). An estimate, often off by a few percent, and further for rare values."""
        query = self._passing_ids(cube, filters)
        compiled = query.compile(dialect=self.session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
        plan = self.session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
        return int(plan[0]["Plan"]["Plan Rows"])

    def by_ids(self, cube: Cube, memory_ids: Sequence[int], filters: MemoryFilter) -> dict[int, Memory]:
        """Those of the given memories that are in this cube and pass the filters."""
        query = filters.apply(self._scoped(cube)).where(_any(Memory.id, memory_ids))
        return {memory.id: memory for memory in self.session.scalars(query)}

    def session_neighbours(self, cube: Cube, memory_ids: Sequence[int], filters: MemoryFilter,
                           span: int) -> list[tuple[int, int, int]]:
        """The conversation turns (episodes) on either side of each given turn in its session, in the
        order they were remembered, up to `span` each way, that pass the filters: (neighbour id,
        whose, how far). Extracted facts neither give nor take: they say what they mean on their own.
        Ids only: the caller loads the few it keeps. Each side is an index walk from the memory
        (`ix_memories_cube_session`), so the work does not grow with the session."""
        anchors = (self._scoped(cube).with_only_columns(Memory.id, Memory.session_id)
                   .where(_any(Memory.id, memory_ids), Memory.session_id.is_not(None), Memory.memory_type == EPISODE)
                   .subquery("anchor"))
        sides = []
        for older in (True, False):
            order = Memory.id.desc() if older else Memory.id.asc()
            side = (self._passing_ids(cube, filters)
                    .add_columns(func.row_number().over(order_by=order).label("distance"))
                    .where(Memory.session_id == anchors.c.session_id, Memory.memory_type == EPISODE,
                           Memory.id < anchors.c.id if older else Memory.id > anchors.c.id)
                    .order_by(order).limit(span).lateral())
            sides.append(select(side.c.id, anchors.c.id, side.c.distance).select_from(anchors).join(side, literal(True)))
        return [(neighbour, anchor, distance) for neighbour, anchor, distance in self.session.execute(union_all(*sides))]

    def search_lexical(self, cube: Cube, text: str, filters: MemoryFilter, *, limit: int, cap: int | None,
                       collection_size: int, filter_indexes: bool = True) -> list[ScoredMemory]:
        """Full-text candidates, ranking at most `cap` memories per query term (see `full_text`);
        `filter_indexes` False: the filters are checked on the text index's holders (`MemoryFilter.apply`)."""
        scoped = filters.apply(self._scoped(cube), through_indexes=filter_indexes)
        found = search_full_text(self.session, scoped, text, limit=limit, cap=cap, collection_size=collection_size)
        return [ScoredMemory(memory, score) for memory, score in found]

    def record_uses(self, uses: Mapping[int, int], moment: datetime) -> None:
        """Search hits count as uses (forgetting reinforces them); not a change the indexes replay.
        `uses` holds how often each memory was used since the last write, the latest use at `moment`:
        one statement however many searches, and strength reinforced once, as of the latest use (a use
        moments after another adds almost nothing to it)."""
        if not uses:
            return
        used = func.unnest(bindparam(None, [int(memory_id) for memory_id in uses], type_=ARRAY(BigInteger)),
                           bindparam(None, [int(count) for count in uses.values()], type_=ARRAY(Integer)),
                           ).table_valued(sql_column("id", BigInteger), sql_column("uses", Integer)).render_derived()
        self.session.execute(
            update(Memory).where(Memory.tenant_id == self.tenant_id, Memory.id == used.c.id)
            # Never moved back: uses recorded late (a slow background write) do not make a memory older.
            .values(access_count=Memory.access_count + used.c.uses,
                    last_accessed_at=func.greatest(func.coalesce(Memory.last_accessed_at, moment), moment),
                    strength=reinforced_strength_sql(moment))
        )

    def related(self, cube: Cube, user_id: str | None, vector: np.ndarray, *, limit: int, attribute: str | None,
                value: str | None, thing: str | None, exclude_types: Sequence[str]) -> list[ScoredMemory]:
        """What a memory manager weighs a candidate against: the user's active memories nearest to
        it, plus any that set the same property or value or name the same thing, however far."""
        similarity = (1.0 - Memory.embedding.cosine_distance(vector)).label("similarity")
        # With their vectors: the learned manager compares them with the candidate's.
        scope = self._scoped(cube).options(undefer(Memory.embedding)).where(
            Memory.status == MemoryStatus.active, Memory.memory_type.not_in(list(exclude_types)),
            _equals(Memory.user_id, user_id))
        nearest = scope.add_columns(similarity).order_by(similarity.desc(), Memory.id).limit(limit)
        found = {memory.id: ScoredMemory(memory, float(score)) for memory, score in self.session.execute(nearest)}
        keyed = [condition for condition in (
            Memory.metadata_["attribute"].astext == attribute if attribute else None,
            func.lower(Memory.metadata_["value"].astext) == value.lower() if value else None,
            Memory.content.op("~*")(rf"\m{re.escape(thing)}s?\M") if thing else None,
        ) if condition is not None]
        if keyed:
            matching = scope.where(or_(*keyed)).add_columns(similarity).order_by(similarity.desc()).limit(limit)
            for memory, score in self.session.execute(matching):
                found.setdefault(memory.id, ScoredMemory(memory, float(score)))
        return sorted(found.values(), key=lambda hit: -hit.score)

    def linked_turns(self, cube: Cube, fact: Memory) -> list[Memory]:
        """The active turn-level memories a fact (or a duplicate merged into it) was read from or confirmed by."""
        names = [str(fact.public_id), *(entry["id"] for entry in fact.metadata_.get("merged", []))]
        query = self._scoped(cube).where(Memory.status == MemoryStatus.active,
                                         or_(*(Memory.metadata_.contains({"facts": [name]}) for name in names)))
        return list(self.session.scalars(query))

    def unattributed_mentioning(self, cube: Cube, user_id: str | None, values: Sequence[str],
                                memory_types: Sequence[str] | None = None) -> list[Memory]:
        """The user's active memories that name any of `values` as a word and set no property:
        turns, and facts read from them as no property ("Today was my first day at Globex"); only
        those of `memory_types` where given."""
        if not values:
            return []
        query = self._scoped(cube).where(
            Memory.status == MemoryStatus.active, Memory.memory_type != SUMMARY, _equals(Memory.user_id, user_id),
            ~Memory.metadata_.has_key("attribute"),
            or_(*(Memory.content.op("~*")(rf"\m{re.escape(value)}\M") for value in values)))
        if memory_types is not None:
            query = query.where(Memory.memory_type.in_(list(memory_types)))
        return list(self.session.scalars(query))

    def summaries_of(self, cube: Cube, turns: Sequence[Memory]) -> list[Memory]:
        """The active session summaries written from any of these turns."""
        if not turns:
            return []
        query = self._scoped(cube).where(
            Memory.status == MemoryStatus.active,
            or_(*(Memory.metadata_.contains({"turns": [str(turn.public_id)]}) for turn in turns)))
        return list(self.session.scalars(query))

    def changed_since(self, cube: Cube, after_seq: int, through_seq: int) -> list[int]:
        """Memories with a change-log entry in (after_seq, through_seq]."""
        query = (select(MemoryChange.memory_id).distinct()
                 .where(MemoryChange.cube_id == cube.id, MemoryChange.tenant_id == self.tenant_id,
                        MemoryChange.seq > after_seq, MemoryChange.seq <= through_seq))
        return sorted(int(memory_id) for memory_id in self.session.scalars(query))

    def merge(self, cube: Cube, survivor: Memory, members: Sequence[Memory], changes: dict[str, Any],
              vectors: ContentVectors | None, actor: str, reason: str) -> None:
        """Folds `members` into `survivor`: the survivor gets a MERGE version holding what changed,
        each member becomes `merged` (a MERGE version too) and points at the survivor."""
        for name, value in _columns(changes).items():
            setattr(survivor, name, value)
        if vectors is not None:
            _set_vectors(survivor, vectors)
        self._bump(survivor, MemoryOp.merge, actor, reason)
        for member in members:
            member.status, member.merged_into = MemoryStatus.merged, survivor.id
            self._bump(member, MemoryOp.merge, actor, f"merged into {survivor.public_id}")

    def ingested_message_keys(self, cube: Cube, session_id: str | None, user_id: str | None,
                              keys: Sequence[str]) -> set[str]:
        """Which of these messages already left a turn memory in this cube and session."""
        query = self._scoped(cube).where(
            Memory.memory_type == EPISODE,
            _equals(Memory.session_id, session_id),
            _equals(Memory.user_id, user_id),
            or_(*(Memory.source.contains({"message_ids": [key]}) for key in keys)),
        )
        return {key for memory in self.session.scalars(query) for key in memory.source.get("message_ids", [])} & set(keys)

    def set_status(self, memory: Memory, status: MemoryStatus, op: MemoryOp, actor: str, reason: str | None) -> None:
        """Archive, delete or restore, as a new version."""
        if memory.status != status:
            memory.status = status
            self._bump(memory, op, actor, reason)

    def set_status_many(self, cube: Cube, memory_ids: Sequence[int], *, from_statuses: Sequence[str], status: MemoryStatus,
                        op: MemoryOp, actor: str, reason: str, moment: datetime) -> list[int]:
        """Moves many memories to `status` at once, each with a new version and a change-log entry,
        in three statements however many there are. Returns the ids that moved."""
        if not memory_ids:
            return []
        lock_cube_log(self.session, cube.id)
        moved = list(self.session.scalars(
            update(Memory)
            .where(Memory.tenant_id == self.tenant_id, Memory.cube_id == cube.id, _any(Memory.id, memory_ids),
                   Memory.status.in_(list(from_statuses)))
            .values(status=status.value, version=Memory.version + 1, updated_at=moment)
            .returning(Memory.id)
        ))
        if moved and op in STALING:
            mark_stale(self.session, self.tenant_id, moved)
        if moved:
            rows = select(Memory.tenant_id, Memory.id, Memory.version, literal(op.value), Memory.content, Memory.memory_type,
                          Memory.status, Memory.metadata_, Memory.tags, Memory.importance, Memory.event_time,
                          Memory.expires_at, literal(actor), literal(reason), literal(moment)).where(_any(Memory.id, moved))
            self.session.execute(insert(MemoryVersion.__table__).from_select(
                ["tenant_id", "memory_id", "version", "op", "content", "memory_type", "status", "metadata", "tags",
                 "importance", "event_time", "expires_at", "actor", "reason", "created_at"], rows))
            self.session.execute(insert(MemoryChange.__table__).from_select(
                ["tenant_id", "cube_id", "memory_id", "op"],
                select(Memory.tenant_id, Memory.cube_id, Memory.id, literal(op.value)).where(_any(Memory.id, moved))))
        return moved

    def purge(self, cube_id: uuid.UUID, memory_ids: Sequence[int]) -> list[int]:
        """Hard-deletes memories, their versions and the operations that decided them, and memories
        merged into them (their content lives on nowhere else); the change log tells the indexes.
        Returns every id purged."""
        doomed = set(memory_ids)
        frontier = set(memory_ids)
        while frontier:
            frontier = set(self.session.scalars(select(Memory.id).where(
                Memory.tenant_id == self.tenant_id, _any(Memory.merged_into, frontier)))) - doomed
            doomed |= frontier
        if not doomed:
            return []
        ids = sorted(doomed)
        delete_built_from(self.session, self.tenant_id, ids)
        lock_cube_log(self.session, cube_id)
        self.session.execute(insert(MemoryChange.__table__).from_select(
            ["tenant_id", "cube_id", "memory_id", "op"],
            select(Memory.tenant_id, Memory.cube_id, Memory.id, literal(MemoryOp.purge.value))
            .where(Memory.tenant_id == self.tenant_id, _any(Memory.id, ids))))
        self.session.execute(delete(Operation).where(Operation.tenant_id == self.tenant_id, _any(Operation.memory_id, ids)))
        # Versions go with their memory (ON DELETE CASCADE).
        self.session.execute(delete(Memory).where(Memory.tenant_id == self.tenant_id, _any(Memory.id, ids)))
        return ids

    def fill_passages(self, cube: Cube, embed: Callable[[Sequence[str]], np.ndarray], limit: int, batch: int = 256) -> int:
        """Embeds the passages of the cube's active and archived memories that say several things
        yet have none (stored before passages existed), each with a change-log entry so that every
        process's index takes them. Returns how many memories got passages."""
        filled, last = 0, 0
        while True:
            rows = self.session.execute(
                self._scoped(cube).with_only_columns(Memory.id, Memory.content)
                .where(Memory.id > last, Memory.status.in_([MemoryStatus.active.value, MemoryStatus.archived.value]),
                       ~select(MemoryPassage.memory_id).where(MemoryPassage.memory_id == Memory.id).exists())
                .order_by(Memory.id).limit(batch)).all()
            if not rows:
                return filled
            last = rows[-1][0]
            split = {memory_id: passages for memory_id, content in rows if (passages := split_passages(content, limit))}
            if not split:
                continue
            vectors = iter(embed([passage for passages in split.values() for passage in passages]))
            self.session.add_all(MemoryPassage(memory_id=memory_id, ordinal=ordinal, embedding=next(vectors))
                                 for memory_id, passages in split.items() for ordinal in range(len(passages)))
            append_changes(self.session, self.tenant_id, cube.id, list(split), MemoryOp.reindex.value)
            filled += len(split)

    def reinforce(self, memory: Memory, moment: datetime) -> None:
        """Heard again: counts as a use and strengthens it against forgetting; not a new version."""
        memory.strength += reinforcement((moment - last_use(memory)).total_seconds() / SECONDS_PER_DAY)
        memory.access_count += 1
        memory.last_accessed_at = moment

    def keys_in_cube(self, cube: Cube) -> list[tuple[int, uuid.UUID]]:
        """(id, public id) of every memory of the cube, in id order: the rows without their content."""
        query = select(Memory.id, Memory.public_id).where(Memory.tenant_id == self.tenant_id, Memory.cube_id == cube.id)
        return [(row_id, public_id) for row_id, public_id in self.session.execute(query.order_by(Memory.id))]

    def pages_in_cube(self, cube: Cube, size: int = 1000) -> Iterator[list[Memory]]:
        """Every memory of the cube, in id order, `size` at a time (a cube is never loaded whole)."""
        after = 0
        while page := list(self.session.scalars(self._scoped(cube).where(Memory.id > after).order_by(Memory.id).limit(size))):
            yield page
            after = page[-1].id

    def versions_of(self, memory_ids: Sequence[int]) -> dict[int, list[MemoryVersion]]:
        query = (
            select(MemoryVersion)
            .where(MemoryVersion.tenant_id == self.tenant_id, _any(MemoryVersion.memory_id, memory_ids))
            .order_by(MemoryVersion.memory_id, MemoryVersion.version)
        )
        grouped: dict[int, list[MemoryVersion]] = {memory_id: [] for memory_id in memory_ids}
        for version in self.session.scalars(query):
            grouped[version.memory_id].append(version)
        return grouped

    def _bump(self, memory: Memory, op: MemoryOp, actor: str, reason: str | None) -> None:
        memory.version += 1
        memory.updated_at = _now()
        self._record([memory], op, actor, reason)
        if op in STALING:
            mark_stale(self.session, self.tenant_id, [memory.id])
        self.session.flush()

    def _record(self, memories: Sequence[Memory], op: MemoryOp, actor: str, reason: str | None) -> None:
        """History rows and change-log entries for memories of one cube."""
        # Rows as plain values, no objects to track: one executemany, its statement parsed once.
        self.session.execute(insert(MemoryVersion), [snapshot(memory, op, actor, reason) for memory in memories])
        append_changes(self.session, self.tenant_id, memories[0].cube_id, [memory.id for memory in memories], op.value)


def snapshot(memory: Memory, op: MemoryOp, actor: str, reason: str | None) -> dict[str, Any]:
    """The memory as it is now, as a history row; its time is the time of this change."""
    return {"tenant_id": memory.tenant_id, "memory_id": memory.id, "version": memory.version, "op": op.value,
            "content": memory.content, "memory_type": memory.memory_type, "status": memory.status,
            "metadata_": memory.metadata_, "tags": memory.tags, "importance": memory.importance,
            "event_time": memory.event_time, "expires_at": memory.expires_at, "actor": actor, "reason": reason,
            "created_at": memory.updated_at}


def _equals(column: Any, value: str | None) -> Any:
    """`column = value`, where no value means the column is empty (SQL's `= NULL` matches nothing)."""
    return column.is_(None) if value is None else column == value


def _any(column: Any, ids: Any) -> Any:
    """`column = ANY(array)`: one parameter however many ids (an IN list takes one each, and a
    statement may carry at most 65535)."""
    return column == any_(bindparam(None, [int(value) for value in ids], type_=ARRAY(BigInteger)))


def _vectors(vectors: ContentVectors, row: int) -> dict[str, Any]:
    """The vector columns of the memory whose content is row `row` of `vectors`."""
    passages = [MemoryPassage(ordinal=ordinal, embedding=vector) for ordinal, vector in enumerate(vectors.passages[row])]
    return {"embedding": vectors.whole[row], "passages": passages}


def _set_vectors(memory: Memory, vectors: ContentVectors) -> None:
    """New content's vectors in place of the old ones (the old passages are deleted)."""
    for name, value in _vectors(vectors, 0).items():
        setattr(memory, name, value)


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    """Client field names to model attributes (`metadata` is reserved by SQLAlchemy)."""
    return {("metadata_" if name == "metadata" else name): value for name, value in fields.items() if name in WRITABLE}


class ArchivedMemoryWriter:
    """Writes memories read from an archive into a cube of this tenant, keeping their history,
    timestamps and merge links; each gets a change-log entry so indexes pick it up."""

    def __init__(self, repository: MemoryRepository):
        self.session = repository.session
        self.tenant_id = repository.tenant_id

    def write(self, cube: Cube, records: Sequence[dict[str, Any]], vectors: ContentVectors) -> list[Memory]:
        state = ("kind", "status", "version", "created_at", "updated_at", "access_count", "last_accessed_at", "strength")
        memories = [
            Memory(tenant_id=self.tenant_id, cube_id=cube.id, **_vectors(vectors, row),
                   **_columns(record), **{name: record[name] for name in state})
            for row, record in enumerate(records)
        ]
        self.session.add_all(memories)
        self.session.flush()
        by_key = {record["key"]: memory for record, memory in zip(records, memories, strict=True)}
        for record, memory in zip(records, memories, strict=True):
            if record["merged_into"] is not None:
                memory.merged_into = by_key[record["merged_into"]].id
            for version in record["versions"]:
                fields = {("metadata_" if name == "metadata" else name): value for name, value in version.items()}
                self.session.add(MemoryVersion(tenant_id=self.tenant_id, memory_id=memory.id, **fields))
        append_changes(self.session, self.tenant_id, cube.id, [memory.id for memory in memories], MemoryOp.add.value)
        self.session.flush()
        return memories
