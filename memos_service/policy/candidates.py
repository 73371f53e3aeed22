"""What an extractor hands a manager: chat messages in, candidate memories out."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ChatMessage:
    key: str  # the client's id, or a hash of the message: how a re-sent message is recognised
    role: str
    content: str
    timestamp: datetime
    name: str | None = None


@dataclass
class Candidate:
    """A fact (or preference, event) to remember, in the third person about `subject`.

    `attribute` names a single-valued property of the subject ("residence", "employer",
    "favorite food"): a new value for it replaces the old one. Facts that can hold many values at
    once ("likes hiking") have none. `retraction` marks a statement that takes something back
    ("I no longer have a car", "forget my phone number"); its `content` then says what is retracted.
    """

    content: str
    subject: str
    message_keys: list[str]
    memory_type: str = "fact"
    attribute: str | None = None
    value: str | None = None
    thing: str | None = None  # what a possession or retraction is about ("car"), for matching
    retraction: bool = False
    event_time: datetime | None = None
    importance: float = 0.5
    extractor: str = "heuristic"
    details: dict = field(default_factory=dict)
    vector: Any = field(default=None, repr=False, compare=False)  # its embedding, where the pipeline has it

    def describe(self) -> dict:
        """The candidate as the operations log keeps it."""
        return {"content": self.content, "subject": self.subject, "memory_type": self.memory_type,
                "attribute": self.attribute, "value": self.value, "thing": self.thing, "retraction": self.retraction,
                "event_time": self.event_time.isoformat() if self.event_time else None,
                "message_keys": self.message_keys, "extractor": self.extractor}
