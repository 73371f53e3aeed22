"""The service a benchmark measures: one given by URL and admin key, or a temporary real one
(embedded Postgres, migrations, `memos serve` in a child process) torn down afterwards."""

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from memos_service.embedded import EmbeddedPostgres, EmbeddedRedis, free_port


@dataclass(frozen=True)
class Service:
    base_url: str
    admin_key: str
    database_url: str | None = None
    api_pid: int | None = None  # a temporary service's API process


@contextmanager
def temporary_service(extra_env: dict[str, str] | None = None, worker: bool = False,
                      queues: str = "ingest") -> Iterator[Service]:
    """With `worker`, also an embedded Redis and a Celery worker on `queues`, for benchmarks of jobs."""
    with tempfile.TemporaryDirectory(prefix="memos-bench-") as folder:
        home = Path(folder)
        postgres = EmbeddedPostgres(home)
        database_url = postgres.start()
        env = {**os.environ, "MEMOS_DATABASE_URL": database_url, "MEMOS_HOME": str(home), **(extra_env or {})}
        env.pop("MEMOS_REDIS_URL", None)
        redis = EmbeddedRedis(home) if worker else None
        if redis is not None:
            env["MEMOS_REDIS_URL"] = redis.start()
        admin_key = "memos_sk_bench_" + os.urandom(12).hex()
        env["MEMOS_ADMIN_API_KEY"] = admin_key
        subprocess.run([sys.executable, "-m", "memos_service.cli", "migrate"], env=env, check=True, capture_output=True)
        port = free_port()
        env["MEMOS_PORT"] = str(port)
        log = open(home / "api.log", "wb")
        api = subprocess.Popen([sys.executable, "-m", "memos_service.cli", "serve"], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
        workers = [subprocess.Popen([sys.executable, "-m", "memos_service.cli", "worker", "--queues", queues], env=env,
                                    stdout=open(home / "worker.log", "wb"), stderr=subprocess.STDOUT)] if worker else []
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if api.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the API did not start: {(home / 'api.log').read_text()[-2000:]}")
                try:
                    # /readyz is 503 without Redis, which search does not need; /healthz says it is serving.
                    if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.3)
            yield Service(base_url, admin_key, database_url, api.pid)
        finally:
            for process in (api, *workers):
                process.terminate()
                process.wait(30)
            if redis is not None:
                redis.stop()
            postgres.stop()


@contextmanager
def service(base_url: str | None, admin_key: str | None, extra_env: dict[str, str] | None = None,
            worker: bool = False, queues: str = "ingest") -> Iterator[Service]:
    if base_url:
        if not admin_key:
            raise SystemExit("--admin-key (or MEMOS_ADMIN_API_KEY) is needed with --base-url")
        yield Service(base_url, admin_key)
    else:
        with temporary_service(extra_env, worker, queues) as running:
            yield running
