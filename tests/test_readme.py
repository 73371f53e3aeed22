"""The README's commands as a new user runs them, as written, against a live server (only the host,
port and keys put in): every bash and Python block runs here, or is tagged with why it cannot."""

import contextlib
import copy
import io
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from memos_service.cli import app
from memos_service.config import get_settings
from memos_service.lm.activation import prefix_ids
from memos_service.lm.model import get_language_model

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCK = re.compile(r"(?:<!-- (?P<tag>[^\n]*?) -->\n)?```(?P<language>bash|python)\n(?P<code>.*?)```", re.S)
NOT_RUN = "not run by tests: "


def _blocks(first_line: str) -> list[str]:
    return [match["code"] for match in BLOCK.finditer(README) if match["code"].startswith(first_line)]


def _block(first_line: str) -> str:
    (code,) = _blocks(first_line)
    return code


# The blocks the tests below run, by their first line.
RUN = ["ADMIN=", "from memos_sdk import MemOS", "for fact in", "import asyncio", "from memos_sdk.langgraph", "from memos_sdk.kv",
       "from memos_sdk.lora"]


def test_every_block_is_run_or_says_why_it_is_not():
    for match in BLOCK.finditer(README):
        if match["tag"]:
            assert match["tag"].startswith(NOT_RUN) and len(match["tag"]) > len(NOT_RUN) + 20, match["tag"]
        else:
            assert sum(match["code"].startswith(first) for first in RUN) == 1, f"a block no test runs:\n{match['code']}"
    assert all(len(_blocks(first)) == 1 for first in RUN)


def test_the_readmes_curls_run_as_written(live_server, admin_key):
    commands = [line for line in _block("ADMIN=").splitlines() if line.startswith("curl ")]
    assert len(commands) == 2
    port = live_server.base_url.rsplit(":", 1)[1]
    tenant_id = None
    for command in commands:
        command = command.replace("localhost:8000", f"127.0.0.1:{port}")
        if tenant_id:
            command = command.replace("<tenant id>", tenant_id)
        done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                              env={"ADMIN": admin_key, "PATH": "/usr/bin:/bin"})
        answer = json.loads(done.stdout)
        assert "error" not in answer, (command, answer)
        tenant_id = tenant_id or answer["id"]
    assert answer["key"].startswith("memos_sk_") and answer["tenant_id"] == tenant_id


def _run(first_line: str, namespace: dict, live_server, tenant_key) -> list[str]:
    """Runs a block in `namespace` (the variables earlier blocks left) and returns what it printed."""
    code = _block(first_line).replace('"http://127.0.0.1:8000"', repr(live_server.base_url))
    code = code.replace('"memos_sk_..."', repr(tenant_key))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), namespace)
    return printed.getvalue().splitlines()


def test_the_readmes_sdk_examples_run_as_written(live_server, tenant_key, worker):
    namespace: dict = {}
    lines = _run("from memos_sdk import MemOS", namespace, live_server, tenant_key)
    assert lines[0].startswith("Alice lives in Berlin ")
    # What the README says the managed example prints.
    assert lines[1] == "[('ADD', 'Bob lives in Paris.')]"
    assert lines[2] == "[('UPDATE', 'Bob moved to Berlin last week.')]"
    assert "Bob moved to Berlin last week." in "\n".join(lines)

    lines = _run("for fact in", namespace, live_server, tenant_key)
    assert "fact Bob moved to Berlin last week." in lines
    assert lines[-1] == "200 trace-42 assistant"  # as its comment says

    assert _run("import asyncio", {}, live_server, tenant_key) == ["Carol plays the cello"]

    namespace["graph"] = _one_node_graph()
    assert _run("from memos_sdk.langgraph", namespace, live_server, tenant_key) == ["{'text': 'Alice drinks sencha'}"]
    assert namespace["graph_app"].invoke({"said": "hello"}) == {"said": "hello"}


def _one_node_graph():
    from typing import TypedDict

    from langgraph.graph import START, StateGraph

    class State(TypedDict):
        said: str

    graph = StateGraph(State)
    graph.add_node("echo", lambda state: state)
    graph.add_edge(START, "echo")
    return graph


def test_the_readmes_activation_and_adapter_examples_run_as_written(live_server, tenant_key, worker):
    namespace: dict = {}
    _run("from memos_sdk import MemOS", namespace, live_server, tenant_key)
    lm = get_language_model(get_settings())
    question_ids = prefix_ids(lm, "Where does Bob live?")
    namespace.update(model=lm.model, question_ids=question_ids, base_model=copy.deepcopy(lm.model))
    with torch.no_grad():
        _run("from memos_sdk.kv", namespace, live_server, tenant_key)
        activation = namespace["client"].activations.get(namespace["cube"].id, namespace["job"].result["activation_id"])
        full = lm.model(torch.cat([prefix_ids(lm, activation.metadata["prefix"]), question_ids], dim=1)).logits
    # "same as reading the prefix again"
    torch.testing.assert_close(namespace["logits"][0, -1], full[0, -1], rtol=1e-4, atol=1e-5)

    _run("from memos_sdk.lora", namespace, live_server, tenant_key)
    assert namespace["job"].status == "succeeded" and namespace["adapter"].metadata["steps"] == 20
    assert type(namespace["model"]).__name__ == "PeftModel"


@pytest.mark.parametrize("line", [line for line in _block("memos bench").splitlines() if line.startswith("memos ")])
def test_each_bench_command_parses_as_written(line):
    command = shlex.split(line.split("#", 1)[0])
    assert command[:2] == ["memos", "bench"]
    # Options are checked before --help answers: an unknown or misspelt one fails here.
    result = CliRunner().invoke(app, [*command[1:], "--help"])
    assert result.exit_code == 0, result.output
