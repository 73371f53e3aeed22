"""`memos up`: the whole product on one machine. Embedded Postgres and Redis (unless URLs are
configured), migrations, then worker, beat and API as child processes, each in its own process
group so that stopping takes their children with them."""

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from rich.console import Console
from rich.panel import Panel

from memos_service.config import Settings, get_settings
from memos_service.embedded import EmbeddedPostgres, EmbeddedRedis

console = Console(stderr=True)
# A child that dies is started again after these waits, one more each time it dies again soon;
# one that stayed up STABLE_SECONDS starts the count over.
RESTART_BACKOFF_SECONDS = (1, 2, 4, 8, 16, 30)
STABLE_SECONDS = 60.0


class AlreadyRunning(RuntimeError):
    pass


@contextmanager
def exclusive_home(home: Path) -> Iterator[None]:
    """One `memos up` per MEMOS_HOME: a second one finds the lock taken and says so."""
    home.mkdir(parents=True, exist_ok=True)
    lock_path = home / "memos.lock"
    handle = open(lock_path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise AlreadyRunning(f"memos is already running from {home.resolve()} (pid {holder})") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        handle.close()


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


class Stack:
    def __init__(self, settings: Settings, verbose: bool = False):
        self.settings = settings
        # Each child's log is a file of its own under MEMOS_HOME/logs unless verbose: sixty lines of
        # Celery banners buried the admin key a new user needs.
        self.logs = None if verbose else settings.home / "logs"
        self.postgres = EmbeddedPostgres(settings.home)
        self.redis = EmbeddedRedis(settings.home)
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.commands: dict[str, list[str]] = {}
        self.started_at: dict[str, float] = {}
        self.quick_deaths: dict[str, int] = {}
        self.restart_at: dict[str, float] = {}
        self.stopping = False

    def run(self) -> int:
        settings = self.settings
        if _port_taken(settings.host, settings.port):
            console.print(f"[red]port {settings.port} on {settings.host} is in use; set MEMOS_PORT to another[/red]")
            return 1
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._request_stop)
        try:
            self._start()
            return self._watch()
        finally:
            self._stop()

    def _start(self) -> None:
        settings = self.settings
        if not settings.database_url:
            console.print("starting embedded PostgreSQL 16 + pgvector ...")
            settings.database_url = os.environ["MEMOS_DATABASE_URL"] = self.postgres.start()
        if not settings.redis_url:
            console.print("starting embedded Redis ...")
            settings.redis_url = os.environ["MEMOS_REDIS_URL"] = self.redis.start()

        from memos_service.bootstrap import migrate_and_bootstrap

        console.print("migrating the database ...")
        admin_key = migrate_and_bootstrap(settings)
        self.commands = {"worker": ["worker"], "beat": ["beat"],
                         "api": ["serve", "--host", settings.host, "--port", str(settings.port)]}
        for name in self.commands:
            self._spawn(name)
        url = f"http://{settings.host}:{settings.port}"
        self._wait_ready(url)
        # Short lines: a box wider than the terminal would break the key across lines.
        lines = [f"[bold green]memos is up[/bold green] at {url}", f"API docs: {url}/docs",
                 f"MCP (streamable HTTP): {url}/mcp"]
        if admin_key:
            lines += ["admin API key (shown once; only its hash is stored):", f"[bold]{admin_key}[/bold]"]
        lines.append(f"data: {settings.home.resolve()}")
        if self.logs is not None:
            lines += [f"logs: {self.logs.resolve()}/", f"      {', '.join(f'{name}.log' for name in self.commands)}"]
        lines.append("Ctrl-C stops everything")
        console.print(Panel("\n".join(lines), expand=False))

    def _wait_ready(self, url: str, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stopping:
            self._check_children()
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        if not self.stopping:
            raise RuntimeError(f"the API did not become ready within {timeout:.0f}s")

    def _spawn(self, name: str) -> None:
        output = None
        if self.logs is not None:
            self.logs.mkdir(parents=True, exist_ok=True)
            output = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child holds it, not this process
        self.children[name] = subprocess.Popen([sys.executable, "-m", "memos_service.cli", *self.commands[name]],
                                               env=os.environ.copy(), start_new_session=True, stdout=output,
                                               stderr=subprocess.STDOUT if output else None)
        if output is not None:
            output.close()
        self.started_at[name] = time.monotonic()

    def _check_children(self) -> None:
        """While starting: a child that exits is a configuration to fix, not a fault to heal."""
        for name, child in self.children.items():
            if child.poll() is not None:
                raise RuntimeError(f"{name} exited unexpectedly with code {child.returncode}")

    def _watch(self) -> int:
        """Until Ctrl-C or SIGTERM: a dead child or embedded Redis is started again, and said so."""
        while not self.stopping:
            self._heal(time.monotonic())
            time.sleep(0.5)
        return 0

    def _heal(self, now: float) -> None:
        redis = self.redis.process
        if redis is not None and redis.poll() is not None:
            console.print(f"[yellow]redis exited with code {redis.returncode}; starting it again[/yellow]")
            try:
                self.redis.start()  # the same port and password: the children's URL stays right
            except RuntimeError as exc:  # tried again on the next pass, never the end of the stack
                console.print(f"[red]{exc}[/red]")
        for name, child in self.children.items():
            if child.poll() is None:
                if now - self.started_at[name] >= STABLE_SECONDS:
                    self.quick_deaths[name] = 0
                continue
            if name not in self.restart_at:
                deaths = self.quick_deaths.get(name, 0)
                delay = RESTART_BACKOFF_SECONDS[min(deaths, len(RESTART_BACKOFF_SECONDS) - 1)]
                console.print(f"[yellow]{name} exited with code {child.returncode}; starting it again in {delay}s[/yellow]")
                self.restart_at[name] = now + delay
                self.quick_deaths[name] = deaths + 1
            elif now >= self.restart_at[name]:
                del self.restart_at[name]
                _signal_group(child, signal.SIGKILL)  # what its death left of its group (pool processes)
                self._spawn(name)
                console.print(f"{name} started again (pid {self.children[name].pid})")

    def _request_stop(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            console.print(f"\n{signal.Signals(signum).name}: stopping ...")
        self.stopping = True

    def _stop(self, timeout: float = 20.0) -> None:
        # The API first so no new work arrives, then beat, then the worker finishes what it holds.
        for name in ("api", "beat", "worker"):
            child = self.children.get(name)
            if child is None or child.poll() is not None:
                continue
            _signal_group(child, signal.SIGTERM)
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                console.print(f"{name} did not stop in {timeout:.0f}s; killing it")
            # Whatever is left in the group (pool processes of a killed parent) goes too.
            _signal_group(child, signal.SIGKILL)
            child.wait()
        self.redis.stop()
        self.postgres.stop()
        console.print("stopped")


def _signal_group(child: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(child.pid, sig)
    except ProcessLookupError:
        pass


def up(verbose: bool = False) -> int:
    settings = get_settings()
    try:
        with exclusive_home(settings.home):
            return Stack(settings, verbose).run()
    except AlreadyRunning as exc:
        console.print(f"[yellow]{exc}[/yellow]")
        return 1
