"""Ingest throughput and search latency at scale, over REST (the SDK) and in-process.

Synthetic memories (templated sentences, 1% of them from a small user so a narrow filter has
something to find, a third of them events dated over two years) go in through the batch endpoint;
searches then run hybrid and dense, with and without filters. The embedder's own throughput is
measured first as the ceiling ingest cannot beat on the same CPU.
"""

import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from memos_sdk import MemOS

PEOPLE = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kemal", "Lea"]
VERBS = ["visited", "bought", "cooked", "painted", "fixed", "sold", "borrowed", "photographed", "planted", "read about"]
THINGS = ["a bicycle", "the old barn", "sourdough bread", "a violin", "tomatoes", "a red kayak", "the garden fence",
          "a map of Lisbon", "two puppies", "a chess set", "the roof", "a telescope", "lemon trees", "a vintage radio"]
WHEN = ["on Monday", "last spring", "after work", "in the morning", "during the holidays", "with friends", "alone"]
QUERIES = ["who fixed the roof?", "what did Hana cook", "vintage radio", "trip to Lisbon", "planting trees in spring",
           "bought a kayak", "chess with friends", "photographs of the barn", "Goran's violin", "bread baking"]


def sentence(rng: random.Random, i: int) -> str:
    return f"{rng.choice(PEOPLE)} {rng.choice(VERBS)} {rng.choice(THINGS)} {rng.choice(WHEN)} (note {i})"


def percentiles(samples: list[float]) -> dict[str, float]:
    values = np.array(samples) * 1000
    return {"p50_ms": float(np.percentile(values, 50)), "p95_ms": float(np.percentile(values, 95)),
            "p99_ms": float(np.percentile(values, 99)), "n": len(samples)}


def embedder_ceiling(count: int = 2000) -> dict[str, Any]:
    """Sentences/s of the configured embedder and of the same model in float32, and how close
    their vectors are: the ceiling ingest cannot beat, and what the faster precision costs."""
    from memos_service.embedding import SentenceTransformerEmbedder, get_embedder

    rng = random.Random(1)
    texts = [sentence(rng, i) for i in range(count)]
    measured: dict[str, Any] = {}
    vectors = {}
    for embedder in (get_embedder(), SentenceTransformerEmbedder(precision="float32")):
        embedder.embed(texts[:64])
        started = time.perf_counter()
        vectors[embedder.precision] = embedder.embed(texts)
        measured[embedder.precision] = count / (time.perf_counter() - started)
    if len(vectors) == 2:
        cosines = (vectors["bfloat16"] * vectors["float32"]).sum(axis=1)
        measured["min_cosine_to_float32"] = float(cosines.min())
    return {"configured": getattr(get_embedder(), "precision", "float32"), **measured}


FIRST_DAY = datetime(2024, 1, 1, tzinfo=UTC)
# One week of the two years of events: a third of a percent of the memories.
ONE_WEEK = (FIRST_DAY + timedelta(days=60), FIRST_DAY + timedelta(days=67))


def synthetic_memory(rng: random.Random, i: int) -> dict[str, Any]:
    event = i % 3 == 0
    return {"content": sentence(rng, i), "user_id": "small-user" if i % 100 == 0 else f"user-{i % 50}",
            "memory_type": "event" if event else "fact",
            "event_time": FIRST_DAY + timedelta(days=i % 730, seconds=i % 86_400) if event else None}


def ingest(client: MemOS, cube_id: uuid.UUID, count: int, batch: int = 256, workers: int = 2) -> float:
    rng = random.Random(7)
    batches = [[synthetic_memory(rng, i) for i in range(start, min(count, start + batch))]
               for start in range(0, count, batch)]
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda items: client.memories.add_batch(cube_id, items), batches))
    return count / (time.perf_counter() - started)


SCENARIOS: dict[str, dict[str, Any]] = {
    "hybrid": {"mode": "hybrid"},
    "dense": {"mode": "dense"},
    "dense, narrow filter (1% of memories)": {"mode": "dense", "user_id": "small-user"},
    "hybrid, narrow filter (1% of memories)": {"mode": "hybrid", "user_id": "small-user"},
    "dense, broad filter (1/3 of memories)": {"mode": "dense", "memory_type": "event"},
    "hybrid, broad filter (1/3 of memories)": {"mode": "hybrid", "memory_type": "event"},
    "hybrid, one week (0.3% of memories)": {"mode": "hybrid", "time_range": ONE_WEEK},
}


def rest_latency(client: MemOS, cube_id: uuid.UUID, repeats: int) -> dict[str, Any]:
    results = {}
    for name, options in SCENARIOS.items():
        client.memories.search(cube_id, QUERIES[0], top_k=10, **options)  # warm: loads and catches up the index
        samples = []
        for i in range(repeats):
            started = time.perf_counter()
            hits = client.memories.search(cube_id, QUERIES[i % len(QUERIES)], top_k=10, **options)
            samples.append(time.perf_counter() - started)
            assert len(hits) == 10, (name, len(hits))
        results[name] = percentiles(samples)
    return results


def in_process_latency(database_url: str, tenant_id: uuid.UUID, cube_id: uuid.UUID, repeats: int) -> dict[str, Any]:
    """The same searches without HTTP: embed + FAISS + Postgres, in this process."""
    import os

    os.environ["MEMOS_DATABASE_URL"] = database_url
    from memos_service.config import get_settings
    from memos_service.db import engine
    from memos_service.db.cubes import CubeRepository
    from memos_service.db.engine import session_scope
    from memos_service.db.memories import MemoryFilter, MemoryRepository
    from memos_service.embedding import get_embedder
    from memos_service.retrieval.indexes import build_index_manager
    from memos_service.retrieval.search import Searcher, SearchOptions

    get_settings.cache_clear()
    engine.get_engine.cache_clear()
    engine._session_factory.cache_clear()
    settings = get_settings()
    settings.index_dir = None
    embedder = get_embedder()
    indexes = build_index_manager(settings, embedder.dimension)
    indexes.snapshot_dir = None
    results: dict[str, Any] = {}
    with session_scope() as session:
        cube = CubeRepository(session, tenant_id).get(cube_id)
        memories = MemoryRepository(session, tenant_id)
        index = indexes.index_for(cube_id)
        vector = embedder.embed([QUERIES[0]])[0]
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            index.search(vector, 10)
            samples.append(time.perf_counter() - started)
        results["FAISS only"] = percentiles(samples)
        for name, options in SCENARIOS.items():
            after, before = options.get("time_range", (None, None))
            filters = MemoryFilter(user_id=options.get("user_id"), memory_type=options.get("memory_type"),
                                   event_after=after, event_before=before)
            samples = []
            for i in range(repeats):
                started = time.perf_counter()
                # A searcher per search, as per request: one keeps the vectors of the queries it embedded.
                searcher = Searcher(memories, indexes, embedder, settings)
                searcher.search(cube, SearchOptions(QUERIES[i % len(QUERIES)], 10, options["mode"], filters))
                samples.append(time.perf_counter() - started)
            results[name] = percentiles(samples)
    results["index"] = {"vectors": index.live, "kind": "IVF" if index.approximate else "flat"}
    return results


def load_directly(database_url: str, tenant_id: uuid.UUID, cube_id: uuid.UUID, count: int, chunk: int = 50_000) -> float:
    """Rows written straight into Postgres by binary COPY, for sizes the API would take an hour to
    ingest here: the same sentences, users and types as `ingest`, with synthetic clustered vectors
    (those of `memos bench index`) instead of embeddings, and no history or change-log rows. What
    it measures is search over that many rows; how good the vectors are is the index bench's part."""
    return load_many(database_url, [(tenant_id, cube_id, count)], chunk)


def load_many(database_url: str, placements: list[tuple[uuid.UUID, uuid.UUID, int]], chunk: int = 50_000) -> float:
    """`load_directly` for many cubes in one COPY stream: (tenant, cube, how many) each. Rows a second."""
    from pgvector.psycopg import register_vector
    from psycopg.types.json import Jsonb

    from memos_service.bench.index import clustered

    rng = random.Random(7)
    columns = ("public_id", "tenant_id", "cube_id", "user_id", "kind", "memory_type", "content", "embedding", "status",
               "version", "created_at", "updated_at", "importance", "access_count", "strength", "source", "metadata",
               "tags", "event_time")
    types = ["uuid", "uuid", "uuid", "varchar", "varchar", "varchar", "text", "vector", "varchar", "int4", "timestamptz",
             "timestamptz", "float8", "int4", "float8", "jsonb", "jsonb", "varchar[]", "timestamptz"]
    rows = [(tenant_id, cube_id) for tenant_id, cube_id, count in placements for _ in range(count)]
    started = time.perf_counter()
    with _connect(database_url) as connection:
        register_vector(connection)
        now = datetime.now(UTC)
        for start in range(0, len(rows), chunk):
            vectors = clustered(min(chunk, len(rows) - start), 384, seed=start)
            with connection.cursor().copy(f"COPY memories ({', '.join(columns)}) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for offset, vector in enumerate(vectors):
                    tenant_id, cube_id = rows[start + offset]
                    memory = synthetic_memory(rng, start + offset)
                    copy.write_row((uuid.uuid4(), tenant_id, cube_id, memory["user_id"], "plaintext", memory["memory_type"],
                                    memory["content"], vector, "active", 1, now, now, 0.5, 0, 1.0, Jsonb({}), Jsonb({}), [],
                                    memory["event_time"]))
            connection.commit()
    return len(rows) / (time.perf_counter() - started)


def settle_statistics(database_url: str) -> None:
    """What autovacuum would do within a minute or two of a bulk load: planner statistics and the
    visibility map. Searched before it, a freshly loaded 100k cube answered REST dense searches in
    120 ms instead of 38 (plans made without row counts); steady state is what is measured."""
    with _connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE memories")


def _connect(database_url: str, **options: Any):
    """A plain psycopg connection to the service's database (its URL names SQLAlchemy's driver)."""
    import psycopg

    return psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), **options)


def run(base_url: str, admin_key: str, database_url: str | None, memories: int, repeats: int,
        direct: bool = False) -> dict[str, Any]:
    results: dict[str, Any] = {"memories": memories, "embedder_sentences_per_second": embedder_ceiling()}
    admin = MemOS(base_url, admin_key, timeout=300)
    tenant = admin.admin.create_tenant(f"latency-{int(time.time())}")
    client = MemOS(base_url, admin.admin.create_api_key(tenant.id).key, timeout=300)
    cube = client.cubes.create(f"latency-{memories}")
    if direct:
        if not database_url:
            raise ValueError("--direct writes into the service's database: measure a temporary service")
        results["loaded_directly_memories_per_second"] = load_directly(database_url, tenant.id, cube.id, memories)
    else:
        results["ingest_memories_per_second"] = ingest(client, cube.id, memories)
    if database_url:
        settle_statistics(database_url)
    results["rest"] = rest_latency(client, cube.id, repeats)
    if database_url:
        results["in_process"] = in_process_latency(database_url, tenant.id, cube.id, repeats)
    return results


def table(results: dict[str, Any]) -> str:
    from memos_service.bench.report import markdown_table

    rows = [[where, name, values["p50_ms"], values["p95_ms"], values["p99_ms"]]
            for where in ("rest", "in_process") for name, values in results.get(where, {}).items() if "p50_ms" in values]
    if "ingest_memories_per_second" in results:
        loaded = f"Ingest: {results['ingest_memories_per_second']:.0f} memories/s end to end over REST"
    else:
        loaded = (f"Loaded directly into Postgres (COPY, synthetic clustered vectors, no history rows) at "
                  f"{results['loaded_directly_memories_per_second']:.0f} rows/s, not through the API")
    index = results.get("in_process", {}).get("index")
    structure = f"; the cube's index: {index['kind']} over {index['vectors']} vectors" if index else ""
    return (f"Search latency at {results['memories']} memories (top_k=10)\n\n"
            + markdown_table(["path", "search", "p50 ms", "p95 ms", "p99 ms"], rows)
            + f"\n\n{loaded}{structure}; the embedder alone: {_embedder_line(results['embedder_sentences_per_second'])}.")


def _embedder_line(ceiling: dict[str, Any]) -> str:
    line = f"{ceiling[ceiling['configured']]:.0f} sentences/s ({ceiling['configured']})"
    if "min_cosine_to_float32" in ceiling:
        line += (f"; float32: {ceiling['float32']:.0f} sentences/s, its vectors at cosine "
                 f"≥ {ceiling['min_cosine_to_float32']:.5f} to these")
    return line


def figure(results: dict[str, Any]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [name for name in results["rest"]]
    fig, axis = plt.subplots(figsize=(10, 4))
    positions = np.arange(len(names))
    for offset, (where, label) in enumerate((("rest", "REST"), ("in_process", "in-process"))):
        if where in results:
            axis.bar(positions + offset * 0.4, [results[where][name]["p95_ms"] for name in names], 0.4, label=label)
    axis.set_xticks(positions + 0.2, names, rotation=20, ha="right")
    axis.set_ylabel("p95 latency (ms)")
    axis.set_title(f"search latency, {results['memories']} memories")
    axis.legend()
    return fig



