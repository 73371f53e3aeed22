"""Many tenants' cubes against one API process's index memory budget (issue 37).

Small cubes (`small_cubes` of `small_size` memories, spread over `tenants` tenants) and a few large
ones (`large_cubes` of `large_size`, one tenant's), loaded by COPY with synthetic vectors (embedding
millions of texts would take hours here), are searched over REST in a random order, each large cube
several times. Measured: the API process's RSS before and while searching against the budget,
search p50/p95 for small cubes, for large cubes with their index in memory and without it (a load,
the first time from Postgres, or again from its snapshot after an eviction), evictions, and whether
dense results equal exact search in Postgres (for a sample of small cubes and every large one: flat
indexes and small cubes are exact).
"""

import random
import time
import uuid
from typing import Any

import httpx
import psutil
from memos_sdk import MemOS

from memos_service.bench.latency import QUERIES, _connect, load_many, percentiles, settle_statistics
from memos_service.bench.service import Service

TOP_K = 10


def _metric(base_url: str, admin_key: str, name: str) -> float:
    text = httpx.get(f"{base_url}/metrics", headers={"Authorization": f"Bearer {admin_key}"}, timeout=30).text
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ") or
               line.startswith(name + "{"))


def _exact_ids(database_url: str, cube_id: uuid.UUID, query: str) -> list[str]:
    from pgvector.psycopg import register_vector

    from memos_service.embedding import get_embedder

    vector = get_embedder().embed([query])[0]
    with _connect(database_url) as connection:
        register_vector(connection)
        rows = connection.execute("SELECT public_id FROM memories WHERE cube_id = %s AND status = 'active' "
                                  "ORDER BY embedding <=> %s, id LIMIT %s", (cube_id, vector, TOP_K)).fetchall()
    return [str(row[0]) for row in rows]


def run(service: Service, small_cubes: int, small_size: int, large_cubes: int, large_size: int, tenants: int,
        large_repeats: int, budget_mb: int, seed: int = 7) -> dict[str, Any]:
    assert service.database_url and service.api_pid, "needs a temporary service (its database and API process)"
    rng = random.Random(seed)
    api = psutil.Process(service.api_pid)
    admin = MemOS(service.base_url, service.admin_key, timeout=600)
    clients = [MemOS(service.base_url, admin.admin.create_api_key(admin.admin.create_tenant(f"t{i}").id).key, timeout=600)
               for i in range(tenants + 1)]
    big = clients[-1]  # the tenant of the large cubes
    started = time.perf_counter()
    small = [(clients[i % tenants], clients[i % tenants].cubes.create(f"small-{i}").id) for i in range(small_cubes)]
    large = [big.cubes.create(f"large-{i}").id for i in range(large_cubes)]
    created_seconds = time.perf_counter() - started
    tenant_of = {cube_id: client for client, cube_id in small} | {cube_id: big for cube_id in large}
    ids = _tenants_of_cubes(service.database_url)
    rows_per_second = load_many(service.database_url, [(ids[cube_id], cube_id, small_size) for _, cube_id in small]
                                + [(ids[cube_id], cube_id, large_size) for cube_id in large])
    settle_statistics(service.database_url)
    # The first search loads what every search needs (the query embedder, connections): not index memory.
    small[0][0].memories.search(small[0][1], QUERIES[0], top_k=TOP_K, mode="dense")
    baseline_rss = api.memory_info().rss

    order = [cube_id for _, cube_id in small] + large * large_repeats
    rng.shuffle(order)
    latencies: dict[str, list[float]] = {"small": [], "large_warm": [], "large_first_load": [], "large_reload": []}
    loaded_once: set[uuid.UUID] = set()
    peak_rss = baseline_rss
    for step, cube_id in enumerate(order):
        is_large = cube_id in large
        misses = _metric(service.base_url, service.admin_key, "memos_index_misses_total") if is_large else 0.0
        query = rng.choice(QUERIES)
        began = time.perf_counter()
        tenant_of[cube_id].memories.search(cube_id, query, top_k=TOP_K, mode="dense")
        took = time.perf_counter() - began
        if is_large:
            cold = _metric(service.base_url, service.admin_key, "memos_index_misses_total") > misses
            kind = "large_warm" if not cold else "large_reload" if cube_id in loaded_once else "large_first_load"
            latencies[kind].append(took)
            loaded_once.add(cube_id)
        else:
            latencies["small"].append(took)
        if is_large or step % 200 == 0:
            peak_rss = max(peak_rss, api.memory_info().rss)

    sample = rng.sample([cube_id for _, cube_id in small], min(20, len(small))) + large
    identical = 0
    for cube_id in sample:
        query = rng.choice(QUERIES)
        found = [str(hit.memory.id) for hit in tenant_of[cube_id].memories.search(cube_id, query, top_k=TOP_K, mode="dense")]
        identical += found == _exact_ids(service.database_url, cube_id, query)
    return {
        "small_cubes": small_cubes, "small_size": small_size, "large_cubes": large_cubes, "large_size": large_size,
        "tenants": tenants, "budget_mb": budget_mb, "cubes_created_seconds": created_seconds,
        "loaded_rows_per_second": rows_per_second, "searches": len(order),
        "rss_baseline_mb": baseline_rss / 2**20, "rss_peak_mb": peak_rss / 2**20,
        "rss_peak_over_baseline_mb": (peak_rss - baseline_rss) / 2**20,
        "evictions": _metric(service.base_url, service.admin_key, "memos_index_evictions_total"),
        "resident_indexes_at_end": _metric(service.base_url, service.admin_key, "memos_index_resident"),
        "latency": {name: percentiles(samples) for name, samples in latencies.items() if samples},
        "exact_identical": f"{identical} of {len(sample)}",
    }


def _tenants_of_cubes(database_url: str) -> dict[uuid.UUID, uuid.UUID]:
    with _connect(database_url) as connection:
        return dict(connection.execute("SELECT id, tenant_id FROM cubes").fetchall())


def table(results: dict[str, Any]) -> str:
    from memos_service.bench.report import markdown_table

    rows = [[name, stats["n"], stats["p50_ms"], stats["p95_ms"]] for name, stats in results["latency"].items()]
    head = (f"{results['small_cubes']} cubes of {results['small_size']} over {results['tenants']} tenants, "
            f"{results['large_cubes']} of {results['large_size']}; index budget {results['budget_mb']} MB\n"
            f"API RSS {results['rss_baseline_mb']:.0f} MB before searching, peak {results['rss_peak_mb']:.0f} MB "
            f"(+{results['rss_peak_over_baseline_mb']:.0f}); evictions {results['evictions']:.0f}; "
            f"dense results equal to exact search: {results['exact_identical']}\n\n")
    return head + markdown_table(["searches", "n", "p50 ms", "p95 ms"], rows)
