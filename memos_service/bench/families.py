"""`memos bench updates --families`: open-vocabulary knowledge updates, ingested through the API
and the worker, over attribute families the learned manager was never trained on.

Lines, each on its own: `held-out` (`families/held_out.json`, written before the generator and
the learned manager; its misses are never written to the results) and `dev` (the families the
shipped weights were chosen on). People state facts, change, repeat and retract them, and talk
about other people's, across sessions (`policy.conversations`).

Measured, per line: the current value first for each attribute's question (top-1); a stale value
above the current; deletion compliance (no active memory, turns included, holds a retracted value);
in the store, not through search: duplicate facts (a current value held by more than one active
fact) and superseded values still held by active facts; wrong UPDATE or DELETE (a memory changed
that is not the speaker's fact of the sentence's attribute); decision time per candidate."""

import statistics
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from memos_sdk import MemOS

from memos_service.bench.report import markdown_table
from memos_service.bench.updates import DISTRACTORS, _all_pages
from memos_service.policy.conversations import Fillers, Person, people
from memos_service.policy.families import Family, families_of, load_families
from memos_service.policy.learning import has

HELD_OUT = Path(__file__).parent / "families" / "held_out.json"
# Chat of the older updates bench, none of the training's asides or mentions in passing: what the
# training generator says between statements is not said here.
BENCH_FILLERS = Fillers(chat=tuple(DISTRACTORS), asides=(), mentions=())


def lines() -> dict[str, list[Family]]:
    return {"held-out": load_families(HELD_OUT), "dev": families_of("dev")}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run(base_url: str, admin_key: str, people_per_line: int = 40, seed: int = 11,
        only: tuple[str, ...] | None = None) -> dict[str, Any]:
    """`only`: these lines alone (tests run the dev line; the held-out one is the bench's)."""
    with MemOS(base_url, admin_key, timeout=120) as admin:
        tenant = admin.admin.create_tenant(f"bench-families-{uuid.uuid4().hex[:8]}")
        key = admin.admin.create_api_key(tenant.id, name="bench").key
    client = MemOS(base_url, key, timeout=120)
    results: dict[str, Any] = {"people_per_line": people_per_line, "lines": {}}
    messages = 0
    ingest_seconds = 0.0
    for line, families in lines().items():
        if only is not None and line not in only:
            continue
        cube = client.cubes.create(f"families-{line}")  # a cube per line: its people may share names
        suite = people(people_per_line, families, seed, facts=3, sessions=4, fillers=BENCH_FILLERS)
        said: dict[str, tuple[Person, Any]] = {}
        began = time.perf_counter()
        for person in suite:
            user = person.name.lower()
            for number, session in enumerate(person.sessions):
                moment = datetime(2024, 1, 1, 9, tzinfo=UTC) + timedelta(days=30 * number)
                chat = []
                for turn, sentence in enumerate(session):
                    key_of = f"{user}-{number}-{turn}"
                    said[key_of] = (person, sentence)
                    chat.append({"role": "user", "content": sentence.text, "id": key_of,
                                 "timestamp": (moment + timedelta(minutes=2 * turn)).isoformat()})
                job = client.memories.ingest(cube.id, chat, user_id=user, session_id=f"{user}-{number}", wait=True)
                messages += len(chat)
                if job.status != "succeeded":
                    raise RuntimeError(f"ingestion failed: {job.error}")
        ingest_seconds += time.perf_counter() - began
        results["lines"][line] = _measure(client, cube.id, suite, said, reveal_misses=line != "held-out")
    client.close()
    results["messages"] = messages
    results["ingest_seconds"] = ingest_seconds
    results["messages_per_second"] = messages / ingest_seconds
    return results


def _measure(client: MemOS, cube_id: Any, suite: list[Person], said: dict[str, tuple[Person, Any]],
             reveal_misses: bool) -> dict[str, Any]:
    metrics: dict[str, list[float]] = defaultdict(list)
    duplicates = superseded = wrong = decisions = 0
    latencies: list[float] = []
    misses: list[dict[str, Any]] = []
    for person in suite:
        user = person.name.lower()
        active = [memory for page in _all_pages(client, cube_id, user) for memory in page]
        facts = [memory for memory in active if memory.memory_type != "episode"]
        for name, family in person.families.items():
            current, stale = person.current[name], person.stale[name]
            for value in current:
                duplicates += max(0, sum(has(memory.content, value) for memory in facts) - 1)
            superseded += sum(1 for memory in facts for value in stale
                              if has(memory.content, value) and not any(has(memory.content, now) for now in current))
            if current:
                question = family.question.format(name=person.name)
                texts = [hit.memory.content for hit in client.memories.search(cube_id, question, top_k=10, user_id=user)]
                current_rank = next((rank for rank, text in enumerate(texts) if any(has(text, now) for now in current)), None)
                stale_rank = next((rank for rank, text in enumerate(texts) if any(has(text, old) for old in stale)), None)
                metrics["current@1"].append(float(current_rank == 0))
                if stale:
                    metrics["stale_above_current"].append(
                        float(stale_rank is not None and (current_rank is None or stale_rank < current_rank)))
                if current_rank != 0 and reveal_misses and len(misses) < 12:
                    misses.append({"question": question, "expected": current, "stale": stale, "top": texts[:3]})
            for value in person.retracted[name]:
                lingering = [memory.content for memory in active if has(memory.content, value)]
                metrics["deletion_compliance"].append(float(not lingering))
                if lingering and reveal_misses and len(misses) < 24:
                    misses.append({"retracted": value, "lingering": lingering})
        for operation in _all_operations(client, cube_id, user):
            decisions += 1
            if operation.latency_ms is not None:
                latencies.append(operation.latency_ms)
            if operation.op not in ("UPDATE", "DELETE"):
                continue
            before = next((memory["content"] for memory in operation.inputs["memories"]
                           if memory["id"] == operation.decision.get("id")), "")
            keys = operation.inputs["candidate"]["message_keys"]
            speaker, sentence = said[keys[0]] if keys and keys[0] in said else (person, None)
            family = sentence.family if sentence is not None else None
            own = [*speaker.current[family], *speaker.stale[family], *speaker.retracted[family]] if family else []
            # A change is wrong unless the memory it changes held the speaker's value of the sentence's attribute.
            wrong += not any(has(before, value) for value in own) or (sentence is not None and sentence.act == "other")
    summary = {name: statistics.fmean(values) for name, values in metrics.items()}
    return summary | {"questions": len(metrics["current@1"]), "retractions": len(metrics["deletion_compliance"]),
                      "duplicate_facts": duplicates, "superseded_in_active_facts": superseded,
                      "wrong_update_or_delete": wrong, "decisions": decisions,
                      "wrong_rate": wrong / max(decisions, 1), "decision_ms_p50": _percentile(latencies, 0.5),
                      "decision_ms_p95": _percentile(latencies, 0.95), "misses": misses}


def _all_operations(client: MemOS, cube_id: Any, user: str):
    after = None
    while True:
        page = client.memories.operations(cube_id, user_id=user, limit=200, after=after)
        yield from page.data
        if not page.has_more:
            return
        after = page.next_cursor


def table(results: dict[str, Any]) -> str:
    header = ["families", "questions", "current@1", "stale above current", "retractions", "deletion compliance",
              "duplicate facts", "superseded in active facts", "wrong UPDATE/DELETE", "decision ms p50/p95"]
    rows = [[line, metrics["questions"], metrics.get("current@1", 1.0), metrics.get("stale_above_current", 0.0),
             metrics["retractions"], metrics.get("deletion_compliance", 1.0), metrics["duplicate_facts"],
             metrics["superseded_in_active_facts"], f"{metrics['wrong_update_or_delete']} of {metrics['decisions']}",
             f"{metrics['decision_ms_p50']:.1f}/{metrics['decision_ms_p95']:.1f}"]
            for line, metrics in results["lines"].items()]
    return (markdown_table(header, rows) + f"\n\nIngestion: {results['messages']} messages in {results['ingest_seconds']:.1f} s "
            f"({results['messages_per_second']:.1f} messages/s), one session at a time with wait=true.")
