"""`memos up` as a user runs it: starts everything, refuses a twin, stops every child, keeps data."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
from memos_sdk import MemOS

from tests.conftest import free_port

KEY = re.compile(r"memos_sk_[A-Za-z0-9_-]{20,}")


def stack_env(port: int) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("MEMOS_")}
    return {**env, "MEMOS_PORT": str(port)}


def start(home: Path, port: int, log: Path) -> subprocess.Popen:
    # MEMOS_HOME left at its default, relative to the working directory, as a new user has it.
    assert home.name == ".memos"
    return subprocess.Popen([sys.executable, "-m", "memos_service.cli", "up"], env=stack_env(port), cwd=home.parent,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def wait_until_up(process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        if "memos is up" in log.read_text():
            return
        time.sleep(0.5)
    raise TimeoutError(log.read_text()[-3000:])


def stop(process: subprocess.Popen, log: Path) -> list[psutil.Process]:
    family = psutil.Process(process.pid).children(recursive=True)
    assert len(family) >= 4  # redis, worker, beat, api (+ pool processes and Postgres)
    process.send_signal(signal.SIGTERM)
    assert process.wait(90) == 0, log.read_text()[-3000:]
    return family


def _ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_up_runs_everything_and_stops_cleanly(tmp_path):
    home, port, log = tmp_path / ".memos", free_port(), tmp_path / "up.log"
    base_url = f"http://127.0.0.1:{port}"
    stack = start(home, port, log)
    try:
        wait_until_up(stack, log)
        ready = httpx.get(f"{base_url}/readyz").json()
        assert ready["status"] == "ready", ready
        # The embedded Redis wants its generated password; beat keeps no pickle file.
        redis_port = int(re.search(r"^port (\d+)$", (home / "redis" / "redis.conf").read_text(), re.M).group(1))
        with socket.create_connection(("127.0.0.1", redis_port)) as connection:
            connection.sendall(b"PING\r\n")
            assert connection.recv(100).startswith(b"-NOAUTH")
        assert not list(home.glob("celerybeat-schedule*"))
        admin_key = KEY.search(log.read_text()).group(0)
        # The key and the URL close what `memos up` prints, in a box; the children log to files.
        printed = log.read_text()
        assert printed.rindex(admin_key) > printed.rindex("memos is up") > printed.rindex("migrating")
        assert "celery@" not in printed and "celery@" in (home / "logs" / "worker.log").read_text()
        with MemOS(base_url, admin_key) as admin:
            tenant = admin.admin.create_tenant("laptop")
            tenant_key = admin.admin.create_api_key(tenant.id).key
        with MemOS(base_url, tenant_key) as client:
            cube = client.cubes.create("notes")
            memory = client.memories.add(cube.id, "The spare key is under the blue pot")

        # Faults heal by themselves: the API and the embedded Redis killed (-9), each back within 30 s.
        for name, is_it in (("api", lambda command: command[1:4] == ["-m", "memos_service.cli", "serve"]),
                            ("redis", lambda command: "redis-server" in command[0])):
            victim = next(p for p in psutil.Process(stack.pid).children(recursive=True) if is_it(p.cmdline()))
            victim.kill()
            victim.wait(10)
            deadline = time.monotonic() + 30
            while not _ready(base_url):
                assert time.monotonic() < deadline and stack.poll() is None, log.read_text()[-3000:]
                time.sleep(0.5)
            assert f"{name} exited with code -9" in log.read_text()
        with MemOS(base_url, tenant_key) as client:
            assert client.memories.get(cube.id, memory.id).content == "The spare key is under the blue pot"
            client.memories.add(cube.id, "Written after the restarts")

        twin_log = tmp_path / "twin.log"
        twin = start(home, free_port(), twin_log)
        assert twin.wait(60) == 1
        assert "already running" in twin_log.read_text()
    finally:
        family = stop(stack, log)

    assert not [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert port_is_free(port)
    assert not (home / "postgres" / "postmaster.pid").exists()

    # A restart finds the data, and does not make a second admin key.
    again = tmp_path / "again.log"
    stack = start(home, port, again)
    try:
        wait_until_up(stack, again)
        assert not KEY.search(again.read_text())
        with MemOS(base_url, tenant_key) as client:
            assert client.memories.get(cube.id, memory.id).content == "The spare key is under the blue pot"
    finally:
        stop(stack, again)
