import uuid

from fastapi import APIRouter, Response
from pydantic import BaseModel

from memos_service.api.deps import AccessDep, CubesDep, EmbedderDep, IndexesDep, MemoriesDep, ReaderDep, SettingsDep
from memos_service.api.routes.memories import open_cube
from memos_service.api.schemas.ingest import ContextMemory, ContextRequest, ContextResponse
from memos_service.api.schemas.memories import (
    MemoryPublic,
    SearchFilters,
    SearchRequest,
    SearchResponse,
    SearchResult,
)
from memos_service.cube.kinds import MemoryStatus
from memos_service.db.memories import MemoryFilter
from memos_service.db.models import Memory
from memos_service.errors import ValidationFailed
from memos_service.retrieval.context import build_context
from memos_service.retrieval.search import Searcher, SearchOptions

router = APIRouter(prefix="/v1/cubes/{cube_id:uuid}", tags=["search"])


@router.post("/search", response_model=SearchResponse, operation_id="search_memories")
def search_memories(cube_id: uuid.UUID, body: SearchRequest, cubes: CubesDep, memories: MemoriesDep,
                    embedder: EmbedderDep, indexes: IndexesDep, settings: SettingsDep, _: ReaderDep,
                    access: AccessDep) -> Response:
    if body.top_k > settings.max_top_k:
        raise ValidationFailed(f"top_k must be at most {settings.max_top_k}")
    searcher = Searcher(memories, indexes, embedder, settings)
    if body.mode != "lexical":
        searcher.start_embedding(body.query)  # while the cube is read
    cube = open_cube(cubes, cube_id, embedder)
    options = SearchOptions(body.query, body.top_k, body.mode, memory_filter(body.filters, body.include_archived),
                            body.min_score)
    hits = searcher.search(cube, options)
    access.record(memories.tenant_id, [hit.memory.id for hit in hits])  # written off the request path
    return _sent(SearchResponse(data=[
        SearchResult(memory=MemoryPublic.of(hit.memory), score=hit.score, scores=hit.parts,
                     provenance=_provenance(hit.memory))
        for hit in hits
    ]))


@router.post("/context", response_model=ContextResponse, operation_id="answer_context")
def answer_context(cube_id: uuid.UUID, body: ContextRequest, cubes: CubesDep, memories: MemoriesDep,
                   embedder: EmbedderDep, indexes: IndexesDep, settings: SettingsDep, _: ReaderDep,
                   access: AccessDep) -> Response:
    """The memories an answering agent should read for a question: searched, deduplicated, packed
    to the token budget (counted with the embedder's tokenizer), ordered by event time, plus a
    text block ready to paste into a prompt."""
    if body.top_k > settings.max_top_k:
        raise ValidationFailed(f"top_k must be at most {settings.max_top_k}")
    searcher = Searcher(memories, indexes, embedder, settings)
    searcher.start_embedding(body.question)  # while the cube is read
    cube = open_cube(cubes, cube_id, embedder)
    options = SearchOptions(body.question, body.top_k, "hybrid", memory_filter(body.filters, False))
    context = build_context(searcher, cube, options, body.token_budget, embedder.count_tokens)
    access.record(memories.tenant_id, [entry.hit.memory.id for entry in context.lines])
    return _sent(ContextResponse(
        memories=[ContextMemory(memory=MemoryPublic.of(entry.hit.memory), score=entry.hit.score, line=entry.line)
                  for entry in context.lines],
        text=context.text, tokens=context.tokens, token_budget=body.token_budget,
        dropped_duplicates=context.dropped_duplicates, dropped_over_budget=context.dropped_over_budget,
    ))


def _sent(response: BaseModel) -> Response:
    """The response as FastAPI would send it for `response_model`, serialized here: a model returned
    by a plain `def` route is validated again on the thread pool first, a hop that cost a search
    about 0.7 ms at p50 (interleaved A/B over REST). The model was built validated."""
    return Response(response.model_dump_json(by_alias=True), media_type="application/json")


def memory_filter(filters: SearchFilters, include_archived: bool) -> MemoryFilter:
    window = filters.time_range
    statuses = (MemoryStatus.active, MemoryStatus.archived) if include_archived else (MemoryStatus.active,)
    return MemoryFilter(
        user_id=filters.user_id, agent_id=filters.agent_id, session_id=filters.session_id,
        memory_type=filters.memory_type, tags=tuple(filters.tags),
        event_after=window.start if window else None, event_before=window.end if window else None, statuses=statuses,
    )


def _provenance(memory: Memory) -> dict:
    return {**memory.source, "user_id": memory.user_id, "session_id": memory.source.get("session_id") or memory.session_id,
            "event_time": memory.event_time}
