"""The README's commands as a new user runs them: its curls and its SDK example, as written, against
a live server (only the host, port and keys put in)."""

import contextlib
import io
import json
import re
import subprocess
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _block(after_heading: str, language: str) -> str:
    section = README[README.index(after_heading):]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


def test_the_readmes_curls_run_as_written(live_server, admin_key):
    commands = [line for line in _block("## Using it", "bash").splitlines() if line.startswith("curl ")]
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


def test_the_readmes_sdk_example_runs_as_written(live_server, tenant_key, worker):
    example = _block("## Using it", "python")
    example = example.replace('"http://127.0.0.1:8000"', repr(live_server.base_url)).replace('"memos_sk_..."', repr(tenant_key))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example, "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert lines[0].startswith("Alice lives in Berlin ")
    # What the README says the managed example prints.
    assert lines[1] == "[('ADD', 'Bob lives in Paris.')]"
    assert lines[2] == "[('UPDATE', 'Bob moved to Berlin last week.')]"
    assert "Bob moved to Berlin last week." in printed.getvalue()
