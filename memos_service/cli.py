"""The `memos` command."""

import os

# Idle OpenMP threads (torch's and FAISS's) sleep rather than spin for the next parallel region.
# Spinning, they held the two cores between a search's steps: Python, Postgres and the other
# runtime waited behind them, and REST search p95 at 20k memories went 26 ms → 31 (52 with
# OMP_WAIT_POLICY=ACTIVE). Read once, when the runtimes load, so it is set before any import does.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from pathlib import Path
from typing import Annotated

import typer

from memos_service.config import get_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="memos-service: long-term memory for LLM agents.")
bench = typer.Typer(no_args_is_help=True, help="Benchmarks; results go to bench/results/ (needs the `bench` extra).")
app.add_typer(bench, name="bench")
policy = typer.Typer(no_args_is_help=True, help="The learned offline memory manager.")
app.add_typer(policy, name="policy")
BaseUrl = Annotated[str | None, typer.Option(help="Measure this running service; default: start a temporary one")]
AdminKey = Annotated[str | None, typer.Option(envvar="MEMOS_ADMIN_API_KEY", help="Admin key of --base-url")]


@app.command()
def up(verbose: Annotated[bool, typer.Option(help="The worker's, beat's and API's logs here, not in files")] = False,
       ) -> None:
    """Run everything on this machine: embedded Postgres + Redis, migrations, worker, beat, API."""
    from memos_service.supervisor import up as run_stack

    raise typer.Exit(run_stack(verbose))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: MEMOS_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="Default: MEMOS_PORT")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Serve the REST API with uvicorn."""
    import uvicorn

    settings = get_settings()
    uvicorn.run("memos_service.api.app:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, workers=workers, log_config=None, access_log=False)


@app.command()
def worker(
    queues: Annotated[str, typer.Option(help="Comma-separated queues")] = "ingest,maintenance,heavy",
    concurrency: Annotated[int, typer.Option(help="Worker processes")] = 2,
) -> None:
    """Run a Celery worker."""
    from workers.app import celery_app

    celery_app.worker_main(["worker", "--loglevel", get_settings().log_level, "--queues", queues,
                            "--concurrency", str(concurrency)])


@app.command()
def beat() -> None:
    """Run the Celery beat scheduler. Its schedule is kept in memory, not in celery's default shelve
    file (pickle): every periodic task is a sweep that reads what is due from Postgres, so a restart
    loses nothing but one interval's wait."""
    from workers.app import celery_app

    settings = get_settings()
    celery_app.start(["beat", "--loglevel", settings.log_level, "--scheduler", "celery.beat:Scheduler"])


@app.command()
def mcp(base_url: Annotated[str, typer.Option(envvar="MEMOS_BASE_URL", help="The memos API to call")] = "http://127.0.0.1:8000",
        ) -> None:
    """Serve the memory tools over MCP on stdin/stdout, for a desktop agent (one process per user).
    Every call goes to the REST API under the key in MEMOS_API_KEY; this process holds no data of its own.
    (The API serves the same tools over streamable HTTP at /mcp.)"""
    from memos_sdk import AsyncMemOS

    from memos_service.mcp_server.tools import build_server

    api_key = os.environ.get("MEMOS_API_KEY")
    if not api_key:
        typer.echo("memos mcp needs MEMOS_API_KEY: the API key its tools act under", err=True)
        raise typer.Exit(2)
    client = AsyncMemOS(base_url, api_key=api_key)
    build_server(lambda _context: client).run("stdio")


@app.command()
def migrate() -> None:
    """Bring the database schema to the latest revision and make sure an admin key exists."""
    from memos_service.bootstrap import migrate_and_bootstrap

    admin_key = migrate_and_bootstrap(get_settings())
    typer.echo("database is at the latest revision")
    if admin_key:
        typer.echo(f"admin API key (shown once, only its hash is stored): {admin_key}")


@app.command()
def reindex(cube: Annotated[list[str] | None, typer.Option(help="Cube id; repeat for several. Default: all cubes.")] = None,
            passages: Annotated[bool, typer.Option(help="First embed the passages of memories stored before they "
                                                        "existed (running API processes take them at once)")] = False,
            ) -> None:
    """Rebuild FAISS index snapshots from Postgres (running API processes pick them up on restart)."""
    import uuid

    from rich.progress import track
    from sqlalchemy import select

    from memos_service.db.engine import session_scope
    from memos_service.db.memories import MemoryRepository
    from memos_service.db.models import Cube
    from memos_service.embedding import get_embedder
    from memos_service.retrieval.indexes import build_index_manager

    settings = get_settings()
    with session_scope() as session:
        cube_ids = [uuid.UUID(value) for value in cube] if cube else list(
            session.scalars(select(Cube.id).where(Cube.deleted_at.is_(None)).order_by(Cube.created_at)))
    embedder = get_embedder()
    manager = build_index_manager(settings, embedder.dimension)
    for cube_id in track(cube_ids, description="rebuilding indexes"):
        if passages:
            with session_scope() as session:
                found = session.get(Cube, cube_id)
                if found is not None:
                    filled = MemoryRepository(session, found.tenant_id).fill_passages(found, embedder.embed,
                                                                                     settings.passages_per_memory)
                    typer.echo(f"{cube_id}: passages embedded for {filled} memories")
        index = manager.rebuild(cube_id)
        typer.echo(f"{cube_id}: {index.live} vectors ({'IVF' if index.approximate else 'flat'}), seq {index.watermark}")


@app.command("export-operations")
def export_operations(
    format: Annotated[str, typer.Option("--format", help="Only jsonl: one decision per line")] = "jsonl",
    output: Annotated[Path | None, typer.Option(help="File to write; default: standard output")] = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's decisions")] = None,
) -> None:
    """Write the memory manager's decisions as a training set: prompt, completion, outcome."""
    import json
    import sys
    import uuid

    from memos_service.db.engine import session_scope
    from memos_service.policy.training import training_records

    if format != "jsonl":
        raise typer.BadParameter("only 'jsonl' is supported", param_hint="--format")
    stream = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    with session_scope() as session:
        for record in training_records(session, uuid.UUID(tenant) if tenant else None):
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    if output:
        stream.close()
        typer.echo(f"wrote {count} decisions to {output}", err=True)


def _publish(name: str, results: dict, table: str, figure: object | None = None) -> None:
    """Prints a benchmark's table and writes its results under bench/results/."""
    from memos_service.bench import report

    typer.echo(table)
    for path in report.write(name, results, table, figure):
        typer.echo(f"wrote {path}")


@bench.command("locomo")
def bench_locomo(
    data: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="LoCoMo JSON (a list of conversations)")],
    base_url: BaseUrl = None,
    admin_key: AdminKey = None,
) -> None:
    """Evidence recall@1/5/10/20 on LoCoMo for hybrid, dense and lexical search."""
    from memos_service.bench import locomo
    from memos_service.bench.service import service

    with service(base_url, admin_key) as running:
        results = locomo.run(data, running.base_url, running.admin_key)
    _publish("locomo", results, locomo.table(results), locomo.figure(results))


@bench.command("updates")
def bench_updates(
    people: Annotated[int, typer.Option(help="People in the suite (a twelfth per pool; per line with --families)")] = 360,
    families: Annotated[bool, typer.Option(help="Open-vocabulary attribute families: held-out and dev lines")] = False,
    base_url: BaseUrl = None,
    admin_key: AdminKey = None,
) -> None:
    """Knowledge updates through managed ingestion: current value at top-1, stale values, deletions, duplicates."""
    from memos_service.bench import families as by_family
    from memos_service.bench import updates
    from memos_service.bench.service import service

    with service(base_url, admin_key, worker=True) as running:
        if families:
            results = by_family.run(running.base_url, running.admin_key, people)
            _publish("updates-families", results, by_family.table(results))
        else:
            results = updates.run(running.base_url, running.admin_key, people)
            _publish("updates", results, updates.table(results))


@bench.command("thresholds")
def bench_thresholds() -> None:
    """Similarity of labelled statement pairs at each threshold: the evidence for the manager's settings."""
    from memos_service.bench import thresholds

    results = thresholds.run()
    _publish("thresholds", results, thresholds.table(results))


@bench.command("latency")
def bench_latency(
    memories: Annotated[int, typer.Option(help="Synthetic memories in one cube")] = 100_000,
    repeats: Annotated[int, typer.Option(help="Searches per scenario")] = 200,
    direct: Annotated[bool, typer.Option(help="Load rows by COPY with synthetic vectors instead of through the API "
                                              "(for 1M: the API would take about an hour here)")] = False,
    base_url: BaseUrl = None,
    admin_key: AdminKey = None,
) -> None:
    """Ingest throughput and search latency p50/p95/p99, over REST and in-process."""
    from memos_service.bench import latency
    from memos_service.bench.service import service

    with service(base_url, admin_key) as running:
        results = latency.run(running.base_url, running.admin_key, running.database_url, memories, repeats, direct)
    name = f"latency-{memories}" + ("-direct" if direct else "")
    _publish(name, results, latency.table(results), latency.figure(results))


@bench.command("tenants")
def bench_tenants(
    small_cubes: Annotated[int, typer.Option(help="Small cubes (no index: exact search in Postgres)")] = 10_000,
    small_size: Annotated[int, typer.Option(help="Memories in each small cube")] = 200,
    large_cubes: Annotated[int, typer.Option(help="Large cubes (a FAISS index each)")] = 3,
    large_size: Annotated[int, typer.Option(help="Memories in each large cube")] = 100_000,
    tenants: Annotated[int, typer.Option(help="Tenants the small cubes are spread over")] = 100,
    large_repeats: Annotated[int, typer.Option(help="Searches of each large cube, spread among the rest")] = 10,
    budget_mb: Annotated[int, typer.Option(help="MEMOS_INDEX_MEMORY_MB of the API")] = 256,
) -> None:
    """Many tenants' cubes against one API process's index memory budget: RSS, latency warm and cold, evictions."""
    from memos_service.bench import tenants as bench_module
    from memos_service.bench.service import temporary_service

    with temporary_service({"MEMOS_INDEX_MEMORY_MB": str(budget_mb)}) as running:
        results = bench_module.run(running, small_cubes, small_size, large_cubes, large_size, tenants, large_repeats, budget_mb)
    _publish(f"tenants-{small_cubes}x{small_size}-{large_cubes}x{large_size}", results, bench_module.table(results))


@bench.command("lifecycle")
def bench_lifecycle(
    memories: Annotated[int, typer.Option(help="Synthetic memories in one cube")] = 100_000,
    base_url: BaseUrl = None,
    admin_key: AdminKey = None,
) -> None:
    """Consolidation and forgetting sweep times at scale, and the duplicate threshold's measurement."""
    from memos_service.bench import lifecycle
    from memos_service.bench.service import service

    with service(base_url, admin_key, worker=True, queues="maintenance") as running:
        results = lifecycle.run(running.base_url, running.admin_key, memories)
    _publish(f"lifecycle-{memories}", results, lifecycle.table(results))


@bench.command("activation")
def bench_activation(
    memories: Annotated[int, typer.Option(help="Memories in the cached prefix")] = 100,
    repeats: Annotated[int, typer.Option(help="Timed runs of each path")] = 20,
    model_path: Annotated[str | None, typer.Option(help="A local causal LM; default MEMOS_LM_PATH or a random one")] = None,
    layers: Annotated[int, typer.Option(help="Layers of the random model")] = 8,
    hidden: Annotated[int, typer.Option(help="Hidden size of the random model")] = 512,
) -> None:
    """Time to first token with and without an activation cache (and that both give the same logits)."""
    from memos_service.bench import activation

    results = activation.run(memories, repeats, model_path or (str(get_settings().lm_path) if get_settings().lm_path else None),
                             layers, hidden)
    _publish(f"activation-{results['device']}", results, activation.table(results))


@bench.command("index")
def bench_index(sizes: Annotated[str, typer.Option(help="Comma-separated vector counts")] = "10000,100000,1000000") -> None:
    """FAISS flat vs IVF: recall@10 against exact, latency, build time and memory as cubes grow."""
    from memos_service.bench import index

    results = index.run([int(size) for size in sizes.split(",")])
    _publish("index", results, index.table(results), index.figure(results))


if __name__ == "__main__":
    app()


@policy.command("train")
def policy_train(
    output: Annotated[Path | None, typer.Option(help="Weights to write; default: the package's shipped weights")] = None,
    seed: Annotated[int, typer.Option(help="Seeds the conversations, the network and the sampling")] = 7,
    train_people: Annotated[int, typer.Option(help="Generated people to train on")] = 1500,
    dev_people: Annotated[int, typer.Option(help="Generated people of the dev families to choose the weights on")] = 200,
    epochs: Annotated[int, typer.Option(help="Supervised passes over the labelled pairs")] = 40,
    outcome_episodes: Annotated[int, typer.Option(help="Episodes of outcome tuning (REINFORCE); 0 for supervised only")] = 1500,
    operations: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="An exported operations log (memos export-operations) to learn from too")] = None,
) -> None:
    """Trains the learned manager on generated conversations (CPU, frozen encoder), reproducibly for a seed."""
    import json

    from memos_service.config import Settings
    from memos_service.embedding import get_embedder
    from memos_service.ingestion.pipeline import heuristic_extractor, heuristic_manager
    from memos_service.policy.learned_manager import shipped_weights
    from memos_service.policy.learning import Budget, train

    settings, embedder = Settings(), get_embedder()
    logged = [json.loads(line) for line in operations.read_text().splitlines() if line.strip()] if operations else None
    report = train(embedder, heuristic_extractor(settings, embedder), heuristic_manager(settings), output or shipped_weights(),
                   Budget(train_people, dev_people, epochs, outcome_episodes, seed=seed), log=typer.echo, operations=logged)
    typer.echo(json.dumps(report.as_dict(), indent=2))
