"""How an ingestion request is recognised when it comes again: each message by its id (or a hash
of what it says), the whole request by a hash of its scope and messages."""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from memos_service.policy.candidates import ChatMessage


def message_key(message: dict[str, Any]) -> str:
    if message.get("id"):
        return str(message["id"])
    said = json.dumps([message["role"], message.get("name"), message.get("timestamp"), message["content"]],
                      ensure_ascii=False)
    return "sha256:" + hashlib.sha256(said.encode()).hexdigest()[:32]


def reused_ids(messages: list[dict[str, Any]]) -> Callable[[dict[str, Any]], str | None]:
    """What tells an ingestion that repeats an earlier one (the same message ids) from one that reuses
    an id for other words, which would otherwise be dropped as already ingested."""
    def differs_from(earlier: dict[str, Any]) -> str | None:
        said = {message_key(message): message["content"] for message in earlier.get("messages", [])}
        changed = [message["id"] for message in messages if message.get("id") and said.get(message["id"], message["content"])
                   != message["content"]]
        return (f"message id {changed[0]!r} was ingested before with other content; send new content under a new id"
                if changed else None)
    return differs_from


def request_fingerprint(cube_id: str, scope: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    body = json.dumps({"cube": cube_id, "scope": scope, "messages": [message_key(message) for message in messages]},
                      sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def chat_messages(payload: dict[str, Any], received_at: datetime) -> list[ChatMessage]:
    """Messages without a timestamp happened when the request arrived."""
    return [ChatMessage(key=message_key(message), role=message["role"], content=message["content"],
                        timestamp=datetime.fromisoformat(message["timestamp"]) if message.get("timestamp") else received_at,
                        name=message.get("name"))
            for message in payload["messages"]]
