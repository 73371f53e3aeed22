"""The FAISS layer alone at 10k / 100k / 1M vectors: flat (exact) against IVF at several nprobe
values, recall@10 against exact search, single-query latency, build time and the process's
resident memory. Vectors are synthetic, 384-d, drawn around 1,000 random centres so they cluster
as text embeddings do (uniform random vectors would flatter no index).

HNSW was measured here before IVF replaced it (bench/results/index.md up to commit 0ff39fa): on
these vectors at 1M, M=32 and efSearch 512 gave recall@10 0.42 after a 155 s build and 1.8 GB."""

import time
from typing import Any

import numpy as np
import psutil

from gpu_index import CubeIndex, IndexConfig

NPROBE = (32, 64, 128, 192, 256, 512)


def clustered(count: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(1000, dim)).astype(np.float32)
    vectors = centres[rng.integers(0, 1000, count)] + 0.6 * rng.normal(size=(count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def measure(index: CubeIndex, queries: np.ndarray, truth: list[set[int]]) -> dict[str, float]:
    samples, recalls = [], []
    for query, expected in zip(queries, truth, strict=True):
        started = time.perf_counter()
        found = index.search(query, 10)
        samples.append(time.perf_counter() - started)
        recalls.append(len(expected & {memory_id for memory_id, _ in found}) / 10)
    latency = np.array(samples) * 1000
    return {"recall_at_10": float(np.mean(recalls)), "p50_ms": float(np.percentile(latency, 50)),
            "p95_ms": float(np.percentile(latency, 95))}


def run(sizes: list[int], dim: int = 384, queries: int = 200) -> dict[str, Any]:
    results: dict[str, Any] = {"dim": dim, "sizes": {}}
    probe = clustered(queries, dim, seed=99)
    for size in sizes:
        vectors, ids = clustered(size, dim, seed=size), np.arange(size, dtype=np.int64)
        entry: dict[str, Any] = {}
        before = rss_mb()
        flat = CubeIndex(dim, IndexConfig(approximate_threshold=size + 1, use_gpu=False))
        started = time.perf_counter()
        flat.upsert(ids, vectors)
        entry["flat_build_s"] = time.perf_counter() - started
        entry["flat_rss_mb"] = rss_mb() - before
        truth = [{memory_id for memory_id, _ in flat.search(query, 10)} for query in probe]
        entry["flat"] = measure(flat, probe, truth)
        del flat
        before = rss_mb()
        ivf = CubeIndex(dim, IndexConfig(approximate_threshold=1, use_gpu=False))
        started = time.perf_counter()
        for start in range(0, size, 50_000):  # the product's own path: a bulk load, then one build
            ivf.upsert(ids[start:start + 50_000], vectors[start:start + 50_000], settle=False)
        ivf.settle()
        entry["ivf_build_s"] = time.perf_counter() - started
        entry["ivf_rss_mb"] = rss_mb() - before
        entry["ivf_cells"] = int(ivf.index.nlist)
        entry["ivf"] = {}
        for nprobe in NPROBE:
            ivf.index.nprobe = nprobe
            entry["ivf"][nprobe] = measure(ivf, probe, truth)
        del ivf, vectors
        results["sizes"][size] = entry
    return results


def table(results: dict[str, Any]) -> str:
    from memos_service.bench.report import markdown_table

    rows = []
    for size, entry in results["sizes"].items():
        rows.append([size, "flat (exact)", 1.0, entry["flat"]["p50_ms"], entry["flat"]["p95_ms"], entry["flat_build_s"],
                     entry["flat_rss_mb"]])
        for nprobe, values in entry["ivf"].items():
            rows.append([size, f"IVF {entry['ivf_cells']} cells, nprobe={nprobe}", values["recall_at_10"], values["p50_ms"],
                         values["p95_ms"], entry["ivf_build_s"], entry["ivf_rss_mb"]])
    return ("FAISS per-cube index, single-query latency, 384-d clustered synthetic vectors\n\n"
            + markdown_table(["vectors", "index", "recall@10 vs exact", "p50 ms", "p95 ms", "build s", "RSS MB"], rows))


def figure(results: dict[str, Any]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [int(size) for size in results["sizes"]]
    entries = list(results["sizes"].values())
    fig, (latency, memory) = plt.subplots(1, 2, figsize=(11, 4))
    latency.plot(sizes, [entry["flat"]["p95_ms"] for entry in entries], marker="o", label="flat p95")
    nprobe = IndexConfig().ivf_nprobe  # the default the product searches with
    latency.plot(sizes, [entry["ivf"][nprobe]["p95_ms"] for entry in entries], marker="o", label=f"IVF nprobe={nprobe} p95")
    memory.plot(sizes, [entry["flat_rss_mb"] for entry in entries], marker="o", label="flat")
    memory.plot(sizes, [entry["ivf_rss_mb"] for entry in entries], marker="o", label="IVF")
    for axis, label in ((latency, "p95 latency (ms)"), (memory, "resident memory (MB)")):
        axis.set_xscale("log")
        axis.set_xlabel("vectors in the cube")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.legend()
    return fig
