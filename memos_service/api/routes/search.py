import uuid

from fastapi import APIRouter

from memos_service.api.deps import CubesDep, EmbedderDep, MemoriesDep, ReaderDep, SettingsDep
from memos_service.api.routes.memories import open_cube
from memos_service.api.schemas.memories import MemoryPublic, SearchRequest, SearchResponse, SearchResult
from memos_service.cube.kinds import MemoryStatus
from memos_service.db.memories import MemoryFilter
from memos_service.errors import ValidationFailed

router = APIRouter(prefix="/v1/cubes/{cube_id:uuid}", tags=["search"])


@router.post("/search", response_model=SearchResponse, operation_id="search_memories")
def search_memories(cube_id: uuid.UUID, body: SearchRequest, cubes: CubesDep, memories: MemoriesDep,
                    embedder: EmbedderDep, settings: SettingsDep, _: ReaderDep) -> SearchResponse:
    if body.top_k > settings.max_top_k:
        raise ValidationFailed(f"top_k must be at most {settings.max_top_k}")
    cube = open_cube(cubes, cube_id, embedder)
    time_range = body.filters.time_range
    statuses = (MemoryStatus.active, MemoryStatus.archived) if body.include_archived else (MemoryStatus.active,)
    filters = MemoryFilter(
        user_id=body.filters.user_id, agent_id=body.filters.agent_id, session_id=body.filters.session_id,
        memory_type=body.filters.memory_type, tags=tuple(body.filters.tags),
        event_after=time_range.start if time_range else None, event_before=time_range.end if time_range else None,
        statuses=statuses,
    )
    hits = memories.search_dense(cube, embedder.embed([body.query])[0], filters, body.top_k)
    results = [
        SearchResult(memory=MemoryPublic.of(hit.memory), score=hit.score, scores={"dense": hit.score},
                     provenance=_provenance(hit.memory.source, hit.memory))
        for hit in hits
        if body.min_score is None or hit.score >= body.min_score
    ]
    return SearchResponse(data=results)


def _provenance(source: dict, memory) -> dict:
    return {**source, "user_id": memory.user_id, "session_id": source.get("session_id") or memory.session_id,
            "event_time": memory.event_time}
