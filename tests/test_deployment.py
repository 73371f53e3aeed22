"""compose.yaml and the Dockerfile describe the same product the settings configure."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from memos_service.config import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_the_whole_product_on_real_services():
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker", "beat"}
    assert services["postgres"]["image"] == "pgvector/pgvector:pg16"
    assert services["redis"]["image"] == "redis:7"
    for name in ("postgres", "redis", "api", "worker", "beat"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["command"] == ["memos", "migrate"] and services["migrate"]["restart"] == "no"
    for name in ("api", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["api"]["command"][:2] == ["memos", "serve"]
    assert services["worker"]["command"] == ["memos", "worker"] and services["beat"]["command"] == ["memos", "beat"]


def test_compose_env_names_real_settings():
    settings = set(Settings.model_fields)
    for name, service in COMPOSE["services"].items():
        for variable in (service.get("environment") or {}):
            if variable.startswith("MEMOS_"):
                assert variable.removeprefix("MEMOS_").lower() in settings, (name, variable)
    api = COMPOSE["services"]["api"]
    port = str(Settings.model_fields["port"].default)
    assert api["ports"] == [f"{port}:{port}"] and port in api["command"]
    assert "/readyz" in " ".join(api["healthcheck"]["test"])


def test_dockerfile_pins_the_same_torch_as_the_makefile():
    pin = re.search(r"torch==[\d.]+", (ROOT / "Makefile").read_text()).group(0)
    assert pin in (ROOT / "Dockerfile").read_text()


def _compose_cli() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_parses_the_file():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no docker compose CLI on this machine")
    parsed = subprocess.run([*cli, "-f", str(ROOT / "compose.yaml"), "config", "--quiet"], capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stderr


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    assert readme.index("make up") < readme.index("make test") < readme.index("## What runs where")
    for name in Settings.model_fields:
        assert f"`MEMOS_{name.upper()}`" in readme, name
