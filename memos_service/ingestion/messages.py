"""How an ingestion request is recognised when it comes again: each message by its id (or a hash
of what it says), the whole request by a hash of its scope and messages."""

import hashlib
import json
from datetime import datetime
from typing import Any

from memos_service.policy.candidates import ChatMessage


def message_key(message: dict[str, Any]) -> str:
    if message.get("id"):
        return str(message["id"])
    said = json.dumps([message["role"], message.get("name"), message.get("timestamp"), message["content"]],
                      ensure_ascii=False)
    return "sha256:" + hashlib.sha256(said.encode()).hexdigest()[:32]


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
