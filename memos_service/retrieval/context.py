"""Answer context: what an answering agent should read for a question, within a token budget.

Searched (hybrid), then deduplicated (the same text twice, or a turn whose facts are all in the
context already, says nothing new), packed best-first until the budget is spent, and shown in
the order things happened, each with its date. Superseded values never appear: they live in
memory history, and search returns only current, active memories.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from memos_service.db.models import Cube
from memos_service.retrieval.search import Hit, Searcher, SearchOptions

HEADER = "Memories (oldest first):"


@dataclass(frozen=True)
class ContextLine:
    hit: Hit
    line: str


@dataclass(frozen=True)
class AnswerContext:
    lines: list[ContextLine]
    text: str
    tokens: int
    dropped_duplicates: int
    dropped_over_budget: int


def _line(hit: Hit) -> str:
    memory = hit.memory
    when = memory.event_time.date().isoformat() if memory.event_time else "undated"
    speaker = memory.source.get("role") if memory.memory_type == "episode" else None
    said = f"{memory.metadata_.get('name') or memory.user_id or speaker} said: " if speaker == "user" else (
        "assistant said: " if speaker == "assistant" else "")
    return f"- [{when}] {said}{' '.join(memory.content.split())}"


def _normalized(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def build_context(searcher: Searcher, cube: Cube, options: SearchOptions, budget: int,
                  count_tokens: Callable[[str], int]) -> AnswerContext:
    hits = searcher.search(cube, options)
    chosen_ids = {str(hit.memory.public_id) for hit in hits if hit.memory.memory_type != "episode"}
    seen: set[str] = set()
    unique: list[Hit] = []
    duplicates = 0
    for hit in hits:
        key = _normalized(hit.memory.content)
        facts = hit.memory.metadata_.get("facts") if hit.memory.memory_type == "episode" else None
        if key in seen or (facts and set(facts) <= chosen_ids):
            duplicates += 1
            continue
        seen.add(key)
        unique.append(hit)

    used = count_tokens(HEADER)
    packed: list[ContextLine] = []
    over_budget = 0
    for hit in unique:  # best first, so what the budget leaves out is the least relevant
        line = _line(hit)
        cost = count_tokens(line) + 1
        if used + cost > budget:
            over_budget += 1
            continue
        used += cost
        packed.append(ContextLine(hit, line))
    packed.sort(key=lambda entry: (entry.hit.memory.event_time is None, entry.hit.memory.event_time or 0,
                                   entry.hit.memory.id))
    text = "\n".join([HEADER, *(entry.line for entry in packed)]) if packed else ""
    return AnswerContext(packed, text, used if packed else 0, duplicates, over_budget)
