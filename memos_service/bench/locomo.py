"""LoCoMo evidence recall, through the SDK against a real service.

Each conversation goes into its own cube, one memory per turn, its dia_id as provenance and its
session's date as event time (a shared photo becomes its caption). Every question of categories
1-4 with evidence is then a search in each mode; the dia_ids of the results' provenance are
compared with the evidence: any-hit, all-hit and fraction at k = 1, 5, 10, 20. Category 5
(adversarial) is left out, as every published evaluation of retrieval does.
"""

import json
import re
import statistics
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from memos_sdk import MemOS

KS = (1, 5, 10, 20)
MODES = ("hybrid", "dense", "lexical")
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
_SESSION = re.compile(r"^session_(\d+)$")


def session_time(text: str) -> datetime:
    """'1:56 pm on 8 May, 2023' -> an aware datetime (the dataset gives no zone: UTC)."""
    return datetime.strptime(text.replace(",", ""), "%I:%M %p on %d %B %Y").replace(tzinfo=UTC)


def turns(conversation: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    sessions = sorted((int(match[1]), key) for key in conversation if (match := _SESSION.match(key)))
    for number, key in sessions:
        when = session_time(conversation[f"{key}_date_time"]).isoformat()
        for turn in conversation[key]:
            text = turn["text"]
            if turn.get("blip_caption"):
                text = f"{text} [shares a photo: {turn['blip_caption']}]"
            # Raw turns are episodes (as managed ingestion stores them), not extracted facts.
            items.append({"content": f"{turn['speaker']}: {text}", "memory_type": "episode", "event_time": when,
                          "session_id": f"session_{number}",
                          "source": {"message_ids": [turn["dia_id"]], "role": "user", "session_id": f"session_{number}"}})
    return items


def evidence_ids(evidence: list[str]) -> set[str]:
    # A few entries hold several ids in one string ("D8:6; D9:17").
    return {part.strip() for entry in evidence for part in re.split(r"[;,]", entry) if part.strip()}


def score(retrieved: list[list[str]], evidence: set[str]) -> dict[str, float]:
    scores = {}
    for k in KS:
        found = {dia_id for ids in retrieved[:k] for dia_id in ids}
        scores[f"any@{k}"] = float(bool(found & evidence))
        scores[f"all@{k}"] = float(evidence <= found)
        scores[f"fraction@{k}"] = len(found & evidence) / len(evidence)
    return scores


def run(data: Path, base_url: str, admin_key: str, tokenizer_path: str | None = None) -> dict[str, Any]:
    from transformers import AutoTokenizer

    from memos_service.embedding import bundled_model_path

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path or bundled_model_path())
    conversations = json.loads(data.read_text())
    admin = MemOS(base_url, admin_key, timeout=120)
    tenant = admin.admin.create_tenant(f"locomo-{int(time.time())}")
    client = MemOS(base_url, admin.admin.create_api_key(tenant.id).key, timeout=120)

    per_question: dict[str, list[dict[str, Any]]] = defaultdict(list)
    context_tokens: dict[str, list[int]] = defaultdict(list)
    latencies: dict[str, list[float]] = defaultdict(list)
    ingested, ingest_seconds = 0, 0.0
    for conversation in conversations:
        cube = client.cubes.create(f"locomo-{conversation.get('sample_id', len(per_question))}-{int(time.time() * 1000)}")
        items = turns(conversation["conversation"])
        started = time.perf_counter()
        for start in range(0, len(items), 128):
            client.memories.add_batch(cube.id, items[start:start + 128])
        ingest_seconds += time.perf_counter() - started
        ingested += len(items)
        for qa in conversation["qa"]:
            evidence = evidence_ids(qa.get("evidence") or [])
            if qa["category"] not in CATEGORIES or not evidence:
                continue
            for mode in MODES:
                started = time.perf_counter()
                hits = client.memories.search(cube.id, qa["question"], top_k=max(KS), mode=mode)
                latencies[mode].append(time.perf_counter() - started)
                retrieved = [hit.provenance.get("message_ids", []) for hit in hits]
                per_question[mode].append({"category": qa["category"], **score(retrieved, evidence)})
                context = "\n".join(hit.memory.content for hit in hits[:10])
                context_tokens[mode].append(len(tokenizer.encode(context, add_special_tokens=False)))

    summary: dict[str, Any] = {}
    for mode in MODES:
        rows = per_question[mode]
        summary[mode] = {
            "overall": {metric: statistics.fmean(row[metric] for row in rows) for metric in rows[0] if metric != "category"},
            "by_category": {
                CATEGORIES[category]: {
                    "questions": len(subset),
                    **{metric: statistics.fmean(row[metric] for row in subset) for metric in subset[0] if metric != "category"},
                }
                for category in CATEGORIES if (subset := [row for row in rows if row["category"] == category])
            },
            "questions": len(rows),
            "mean_top10_context_tokens": statistics.fmean(context_tokens[mode]),
            "search_latency_ms_p50": 1000 * statistics.median(latencies[mode]),
        }
    return {"data": str(data), "conversations": len(conversations), "memories": ingested,
            "ingest_memories_per_second": ingested / ingest_seconds, "modes": summary}


def table(results: dict[str, Any]) -> str:
    from memos_service.bench.report import markdown_table

    header = ["mode", "scope", "questions"] + [f"{kind}@{k}" for k in KS for kind in ("any", "all", "fraction")]
    rows = []
    for mode, summary in results["modes"].items():
        rows.append([mode, "overall", summary["questions"]] + [summary["overall"][f"{kind}@{k}"] for k in KS
                                                             for kind in ("any", "all", "fraction")])
        for category, values in summary["by_category"].items():
            rows.append([mode, category, values["questions"]] + [values[f"{kind}@{k}"] for k in KS
                                                                 for kind in ("any", "all", "fraction")])
    tokens = ", ".join(f"{mode} {summary['mean_top10_context_tokens']:.0f}" for mode, summary in results["modes"].items())
    return (f"LoCoMo evidence recall ({results['conversations']} conversations, {results['memories']} memories)\n\n"
            + markdown_table(header, rows) + f"\n\nMean tokens of the top-10 context: {tokens}.")


def figure(results: dict[str, Any]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    for axis, kind in zip(axes, ("any", "all", "fraction"), strict=True):
        for mode, summary in results["modes"].items():
            axis.plot(KS, [summary["overall"][f"{kind}@{k}"] for k in KS], marker="o", label=mode)
        axis.set_title(f"evidence recall ({kind})")
        axis.set_xlabel("k")
        axis.set_xticks(KS)
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("recall")
    axes[0].legend()
    return fig
