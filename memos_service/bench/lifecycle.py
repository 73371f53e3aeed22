"""Consolidation and forgetting at scale, through the API and a real worker, plus the measurement
behind the duplicate threshold.

1. Pairs: fixed paraphrase and contradiction pairs, embedded with the service's model; for each
   similarity threshold, how many paraphrases would merge and how many contradictions would, with
   and without the merge rules (names and numbers contained, same polarity).
2. Scale: N synthetic memories (templated, every one carrying its own note number, so templates
   repeat but facts do not) in one cube, 1% of them planted rephrasings of another; a full
   consolidation, then an incremental one after 1% more; then forgetting sweeps: a dry run a year
   ahead, a real sweep under a cap of 90% (archives the weakest 10%), and a purge of those.
   Each reports seconds (the job's own run time) and memories/s; merges are checked against the plan.
"""

import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from memos_sdk import MemOS

from memos_service.bench.latency import PEOPLE, THINGS, VERBS, WHEN

PARAPHRASES = [
    ("Alice loves hiking in the Alps", "Alice enjoys hiking in the Alps"),
    ("Bob works at Google as an engineer", "Bob is an engineer at Google"),
    ("Carol drinks green tea every morning", "Every morning Carol drinks green tea"),
    ("Dave plays chess on Sundays", "Dave plays chess every Sunday"),
    ("Alice is allergic to peanuts", "Alice has a peanut allergy"),
    ("Alice moved to Seattle in 2020", "Alice relocated to Seattle in 2020"),
    ("Erin's daughter started school in September", "In September Erin's daughter started school"),
    ("Frank is learning Japanese", "Frank is studying Japanese"),
    ("Grace runs a small bakery in Lyon", "Grace owns a small bakery in Lyon"),
    ("Hana plays the violin in an orchestra", "Hana plays violin in an orchestra"),
    ("Ivan adopted a cat named Miso", "Ivan adopted a cat called Miso"),
    ("Jun goes swimming twice a week", "Twice a week Jun goes swimming"),
    ("Kemal prefers coffee without sugar", "Kemal likes his coffee without sugar"),
    ("Lea is afraid of heights", "Lea has a fear of heights"),
    ("Maria visits her parents in Porto every summer", "Every summer Maria visits her parents in Porto"),
    ("Noah is a vegetarian", "Noah does not eat meat, he is vegetarian"),
]
CONTRADICTIONS = [
    ("Alice is 30 years old", "Alice is 31 years old"),
    ("Dave has two kids", "Dave has three kids"),
    ("The meeting is on Monday", "The meeting is on Tuesday"),
    ("Alice likes cats", "Alice does not like cats"),
    ("Alice adopted a dog named Rex", "Alice adopted a dog named Max"),
    ("Alice lives in Paris", "Alice lives in Berlin"),
    ("Bob's flight leaves at 9am", "Bob's flight leaves at 11am"),
    ("Carol plays the piano", "Carol plays the guitar"),
    ("Erin works at Siemens", "Erin worked at Siemens until 2019"),
    ("Frank has been to Japan", "Frank has never been to Japan"),
    ("Grace's birthday is on May 3", "Grace's birthday is on May 13"),
    ("Hana is a nurse in Oslo", "Hana is a nurse in Bergen"),
    ("Ivan drinks coffee", "Ivan stopped drinking coffee"),
    ("Jun's favourite color is blue", "Jun's favourite color is green"),
    ("Kemal owns a red car", "Kemal owns a blue car"),
    ("Lea has a brother", "Lea has no brother"),
]
THRESHOLDS = (0.80, 0.85, 0.90, 0.93, 0.95)


def pair_judgments() -> dict[str, Any]:
    from memos_service.embedding import get_embedder
    from memos_service.lifecycle.duplicates import Candidate, contained

    embedder = get_embedder()
    group = ("u", None, "plaintext", "fact")

    def judge(pairs: list[tuple[str, str]]) -> list[tuple[float, bool]]:
        vectors = embedder.embed([text for pair in pairs for text in pair])
        judged = []
        for number, (first, second) in enumerate(pairs):
            similarity = float(vectors[2 * number] @ vectors[2 * number + 1])
            a, b = Candidate(1, group, first), Candidate(2, group, second)
            judged.append((similarity, contained(a, b) or contained(b, a)))
        return judged

    paraphrases, contradictions = judge(PARAPHRASES), judge(CONTRADICTIONS)
    rows = []
    for threshold in THRESHOLDS:
        rows.append({
            "threshold": threshold,
            "paraphrases_merged_similarity_only": sum(s >= threshold for s, _ in paraphrases) / len(paraphrases),
            "paraphrases_merged_with_rules": sum(s >= threshold and ok for s, ok in paraphrases) / len(paraphrases),
            "contradictions_merged_similarity_only": sum(s >= threshold for s, _ in contradictions) / len(contradictions),
            "contradictions_merged_with_rules": sum(s >= threshold and ok for s, ok in contradictions) / len(contradictions),
        })
    return {"pairs": len(PARAPHRASES) + len(CONTRADICTIONS), "by_threshold": rows,
            "paraphrase_similarity": sorted(round(s, 3) for s, _ in paraphrases),
            "contradiction_similarity": sorted(round(s, 3) for s, _ in contradictions)}


def _sentence(rng: random.Random, number: int) -> tuple[str, str]:
    """A memory and a rephrasing of it that states the same fact."""
    person, verb, thing, when = rng.choice(PEOPLE), rng.choice(VERBS), rng.choice(THINGS), rng.choice(WHEN)
    return f"{person} {verb} {thing} {when} (note {number})", f"{when.capitalize()}, {person} {verb} {thing} (note {number})"


def _items(start: int, count: int, seed: int) -> tuple[list[dict[str, Any]], set[tuple[str, str]]]:
    rng = random.Random(seed)
    items, planted = [], set()
    for number in range(start, start + count):
        text, rephrased = _sentence(rng, number)
        user = f"user-{number % 50}"
        items.append({"content": text, "user_id": user, "importance": round(rng.uniform(0.1, 0.9), 2)})
        if number % 100 == 0:  # 1% planted duplicates
            items.append({"content": rephrased, "user_id": user, "importance": 0.5})
            planted.add((text, rephrased))
    return items, planted


def _add(client: MemOS, cube_id: uuid.UUID, items: list[dict[str, Any]], batch: int = 256) -> float:
    started = time.perf_counter()
    for offset in range(0, len(items), batch):
        client.memories.add_batch(cube_id, items[offset: offset + batch])
    return time.perf_counter() - started


def _run_job(client: MemOS, start: Any, timeout: float = 3600) -> dict[str, Any]:
    job = start()
    deadline = time.monotonic() + timeout
    while not job.finished:
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job.id} did not finish")
        time.sleep(1)
        job = client.jobs.get(job.id)
    if job.status != "succeeded":
        raise RuntimeError(f"job {job.id} {job.status}: {job.error}")
    seconds = (job.finished_at - job.started_at).total_seconds()
    return {"seconds": seconds, "result": job.result}


def _merge_quality(result: dict[str, Any], planted: set[tuple[str, str]]) -> dict[str, Any]:
    listed = result["plan"]
    merged = {frozenset([entry["survivor"], *entry["members"]]) for entry in listed}
    wanted = {frozenset(pair) for pair in planted}
    return {"clusters": result["clusters"], "planted": len(planted), "listed": len(listed),
            "planted_found": len(merged & wanted), "unplanned": len(merged - wanted)}


def run(base_url: str, admin_key: str, memories: int) -> dict[str, Any]:
    results: dict[str, Any] = {"memories": memories, "pairs": pair_judgments()}
    with MemOS(base_url, admin_key) as admin:
        tenant = admin.admin.create_tenant(f"bench-lifecycle-{uuid.uuid4().hex[:6]}")
        key = admin.admin.create_api_key(tenant.id).key
    with MemOS(base_url, key, timeout=600) as client:
        cube = client.cubes.create("lifecycle", config={"consolidation": {"summarize_sessions": False},
                                                        "forgetting": {"retention_days": 0.0001}})
        items, planted = _items(0, memories, seed=11)
        seconds = _add(client, cube.id, items)
        results["loaded"] = {"memories": len(items), "seconds": seconds, "per_second": len(items) / seconds}

        full = _run_job(client, lambda: client.cubes.consolidate(cube.id))
        results["consolidation_full"] = {
            "seconds": full["seconds"], "examined": full["result"]["examined"],
            "memories_per_second": full["result"]["examined"] / full["seconds"],
            "applied": full["result"]["applied"], **_merge_quality(full["result"], planted)}

        more, more_planted = _items(memories, max(1, memories // 100), seed=12)
        _add(client, cube.id, more)
        incremental = _run_job(client, lambda: client.cubes.consolidate(cube.id))
        results["consolidation_incremental"] = {
            "added": len(more), "seconds": incremental["seconds"], "examined": incremental["result"]["examined"],
            "applied": incremental["result"]["applied"], **_merge_quality(incremental["result"], more_planted)}

        total = len(items) + len(more)
        preview = _run_job(client, lambda: client.cubes.forget(cube.id, dry_run=True,
                                                               as_of=datetime.now(UTC) + timedelta(days=365)))
        results["forgetting_dry_run_year_ahead"] = {"seconds": preview["seconds"],
                                                    "memories_per_second": total / preview["seconds"],
                                                    "to_archive": preview["result"]["to_archive"]}
        cap = int(memories * 0.9)
        client.cubes.update(cube.id, config={"consolidation": {"summarize_sessions": False},
                                             "forgetting": {"max_memories": cap, "retention_days": 0.0001}})
        swept = _run_job(client, lambda: client.cubes.forget(cube.id))
        results["forgetting_cap_sweep"] = {"seconds": swept["seconds"], "memories_per_second": total / swept["seconds"],
                                           "cap": cap, "applied": swept["result"]["applied"]}
        time.sleep(10)  # past the 0.0001-day (8.6 s) retention of what was just archived
        purged = _run_job(client, lambda: client.cubes.forget(cube.id))
        results["forgetting_purge_sweep"] = {"seconds": purged["seconds"], "applied": purged["result"]["applied"],
                                             "memories_per_second": total / purged["seconds"]}
        probe = client.memories.search(cube.id, items[5]["content"], top_k=5)
        results["search_after"] = {"hits": len(probe)}
    return results


def table(results: dict[str, Any]) -> str:
    from memos_service.bench.report import markdown_table

    pairs = markdown_table(
        ["threshold", "paraphrases merged (cosine only)", "paraphrases merged (with rules)",
         "contradictions merged (cosine only)", "contradictions merged (with rules)"],
        [[row["threshold"], row["paraphrases_merged_similarity_only"], row["paraphrases_merged_with_rules"],
          row["contradictions_merged_similarity_only"], row["contradictions_merged_with_rules"]]
         for row in results["pairs"]["by_threshold"]])
    full, incremental = results["consolidation_full"], results["consolidation_incremental"]
    sweeps = markdown_table(
        ["step", "memories", "seconds", "memories/s", "outcome"],
        [["load (batch API)", results["loaded"]["memories"], results["loaded"]["seconds"], results["loaded"]["per_second"], ""],
         ["consolidation, full", full["examined"], full["seconds"], full["memories_per_second"],
          f"{full['applied']['memories_merged']} merged; planted found {full['planted_found']}/{full['planted']} "
          f"(of {full['listed']} listed), unplanned {full['unplanned']}"],
         ["consolidation, incremental", incremental["examined"], incremental["seconds"],
          incremental["examined"] / incremental["seconds"],
          f"{incremental['applied']['memories_merged']} merged; planted found {incremental['planted_found']}/"
          f"{incremental['planted']}, unplanned {incremental['unplanned']}"],
         ["forgetting dry run, a year ahead", "", results["forgetting_dry_run_year_ahead"]["seconds"],
          results["forgetting_dry_run_year_ahead"]["memories_per_second"],
          str(results["forgetting_dry_run_year_ahead"]["to_archive"])],
         ["forgetting, cap 90%", "", results["forgetting_cap_sweep"]["seconds"],
          results["forgetting_cap_sweep"]["memories_per_second"], str(results["forgetting_cap_sweep"]["applied"])],
         ["forgetting, purge", "", results["forgetting_purge_sweep"]["seconds"],
          results["forgetting_purge_sweep"]["memories_per_second"], str(results["forgetting_purge_sweep"]["applied"])]])
    return f"{pairs}\n\n{sweeps}"
