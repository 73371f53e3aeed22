"""API keys this process has checked lately, so a search does not ask Postgres who is calling every
time: that check (a pool checkout and a query, on a thread of its own) cost about 1.3 ms of a 22 ms
search at 100k memories here (interleaved A/B over REST).

The price is how far a revocation reaches at once: a key revoked through another API process keeps
working in this one for up to `MEMOS_API_KEY_CACHE_SECONDS`; revoked through this one, it is
forgotten at once. 0 turns the cache off. Only keys that passed the check are kept, under their
sha256, so wrong keys cannot fill it."""

import threading
import time
import uuid
from typing import Generic, TypeVar

Known = TypeVar("Known")


class RecentKeys(Generic[Known]):
    def __init__(self, seconds: float, capacity: int = 10_000):
        self.seconds = seconds
        self.capacity = capacity
        self._lock = threading.Lock()  # the revoking route runs on a worker thread, lookups on the event loop
        self._known: dict[str, tuple[uuid.UUID, Known, float]] = {}

    def get(self, digest: str) -> Known | None:
        entry = self._known.get(digest)
        if entry is None or entry[2] < time.monotonic():
            return None
        return entry[1]

    def remember(self, digest: str, key_id: uuid.UUID, known: Known) -> None:
        if self.seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._known) >= self.capacity:
                self._known = {digest: entry for digest, entry in self._known.items() if entry[2] >= now}
                if len(self._known) >= self.capacity:
                    self._known.clear()
            self._known[digest] = (key_id, known, now + self.seconds)

    def forget(self, key_id: uuid.UUID) -> None:
        with self._lock:
            self._known = {digest: entry for digest, entry in self._known.items() if entry[0] != key_id}
