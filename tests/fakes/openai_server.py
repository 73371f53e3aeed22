"""An OpenAI-compatible chat-completions server on loopback: the one fake the tests allow, because
no LLM is reachable here. It speaks real HTTP, so the real `openai` client is what talks to it.

Each test scripts it with a function from the request (system prompt, user prompt) to a `Reply`:
JSON content, raw text (malformed on purpose), an HTTP error, a delay past the client's timeout,
or an answer cut off at the token limit.
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: Any = None  # a dict/list is sent as JSON text; a str as it is
    status: int = 200
    delay: float = 0.0
    finish_reason: str = "stop"


@dataclass
class Call:
    system: str
    prompt: str
    messages: list[dict[str, Any]] = field(default_factory=list)  # the whole conversation sent


@dataclass
class FakeOpenAI:
    script: Callable[[Call], Reply] = lambda call: Reply({"memories": []})
    calls: list[Call] = field(default_factory=list)
    base_url: str = ""

    def start(self) -> "FakeOpenAI":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": "not found"}})
                messages = body["messages"]
                call = Call(messages[0]["content"], messages[-1]["content"], messages)
                fake.calls.append(call)
                reply = fake.script(call)
                time.sleep(reply.delay)
                if reply.status != 200:
                    return self._send(reply.status, {"error": {"message": "scripted failure", "type": "server_error"}})
                content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
                self._send(200, {
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                })

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and hung up

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
