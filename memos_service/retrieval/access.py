"""Search hits counted as uses, off the request path.

A search answers first; its hits' access counts, last use and strength (what forgetting reads)
are written by one thread per process, a moment later, with every search recorded meanwhile in
one transaction: under load that is one write for many searches, not one each. Written inline,
or as a Starlette background task, each search paid for an UPDATE before its connection could
carry the next request. Uses are statistics, not writes a client was promised: a process killed
between a search and the flush loses those few counts, nothing else.
"""

import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import structlog

from memos_service.db.engine import session_scope
from memos_service.db.memories import MemoryRepository

log = structlog.get_logger(__name__)


class AccessRecorder:
    def __init__(self, gather_seconds: float = 0.2) -> None:
        self._gather_seconds = gather_seconds
        self._pending: list[tuple[uuid.UUID, list[int], datetime]] = []
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="access-writer")

    def record(self, tenant_id: uuid.UUID, memory_ids: Sequence[int]) -> None:
        if not memory_ids:
            return
        with self._lock:
            first = not self._pending
            self._pending.append((tenant_id, list(memory_ids), datetime.now(UTC)))
        if first:  # later ones ride along with the write this one schedules
            self._writer.submit(self._flush, self._gather_seconds)

    def _flush(self, gather_seconds: float = 0.0) -> None:
        time.sleep(gather_seconds)
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            with session_scope() as session:
                for tenant_id, memory_ids, moment in batch:
                    MemoryRepository(session, tenant_id).record_access(memory_ids, moment)
        except Exception:  # a lost count must never surface as a failed search
            log.warning("access statistics not recorded", searches=len(batch), exc_info=True)

    def wait(self) -> None:
        """Blocks until every use recorded so far is written."""
        self._writer.submit(self._flush).result()

    def close(self) -> None:
        self.wait()
        self._writer.shutdown()
