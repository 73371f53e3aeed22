"""A per-key fixed-window request limit kept in Redis, so every API process shares one count."""

import time
import uuid

import redis
import structlog

from memos_service.errors import RateLimited

log = structlog.get_logger(__name__)


def enforce_rate_limit(client: redis.Redis | None, key_id: uuid.UUID, per_minute: int) -> None:
    if per_minute <= 0 or client is None:
        return
    window = int(time.time() // 60)
    counter = f"memos:ratelimit:{key_id}:{window}"
    try:
        with client.pipeline() as pipe:
            count, _ = pipe.incr(counter).expire(counter, 120).execute()
    except redis.RedisError as exc:
        # Availability over strictness: a Redis outage must not take the API down with it.
        log.warning("rate limit check skipped", error=str(exc))
        return
    if count > per_minute:
        retry_after = 60 - int(time.time()) % 60
        raise RateLimited(f"more than {per_minute} requests a minute for this key", headers={"Retry-After": str(retry_after)})
