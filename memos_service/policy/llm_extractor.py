"""The LLM extractor: one request per ingestion job. The subject of every memory is the job's
user, whatever the model writes; message numbers outside the chat make the answer unusable."""

import datetime as dt
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from memos_service.policy.candidates import Candidate, ChatMessage
from memos_service.policy.llm import LLMClient, LLMError
from memos_service.policy.prompts import EXTRACT_SYSTEM, extraction_prompt


class ExtractedMemory(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    type: Literal["fact", "preference", "event"] = "fact"
    attribute: str | None = Field(None, max_length=100)
    value: str | None = Field(None, max_length=500)
    retraction: bool = False
    message: int
    date: dt.date | None = None


class Extraction(BaseModel):
    memories: list[ExtractedMemory] = Field(max_length=500)


class LLMExtractor:
    name = "llm"

    def __init__(self, client: LLMClient):
        self.client = client

    def extract(self, messages: Sequence[ChatMessage], speaker: str) -> list[list[Candidate]]:
        def check(answer: Extraction) -> None:
            for memory in answer.memories:
                if not 0 <= memory.message < len(messages):
                    raise LLMError(f"memory refers to message {memory.message}, but there are {len(messages)}")

        answer = self.client.ask(EXTRACT_SYSTEM, extraction_prompt(messages, speaker), Extraction, check)
        per_message: list[list[Candidate]] = [[] for _ in messages]
        for memory in answer.memories:
            message = messages[memory.message]
            when = (datetime(memory.date.year, memory.date.month, memory.date.day, tzinfo=UTC) if memory.date
                    else message.timestamp)
            per_message[memory.message].append(Candidate(
                content=memory.text.strip(), subject=speaker, message_keys=[message.key], memory_type=memory.type,
                attribute=(memory.attribute or "").strip().lower() or None, value=memory.value,
                retraction=memory.retraction, event_time=when, importance=0.7 if memory.attribute else 0.5,
                extractor=self.name,
            ))
        return per_message
