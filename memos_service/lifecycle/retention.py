"""Ebbinghaus-style retention, R = exp(-Δt / S), in Python and as the same SQL expression.

Δt is the time since a memory was last used (retrieved, or heard again), or since it was stored.
The stability S = stability_days × strength × (1 + importance_weight × importance): important
memories fade slower, and each use raises `strength` (spaced reinforcement). A use adds
1 - exp(-days since the previous use) to strength: a memory recalled again after a day or more
gains about 1, one recalled again within minutes almost nothing, so a chatty agent repeating a
query cannot make a memory permanent.
"""

import math
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal

from memos_service.cube.config import ForgettingConfig
from memos_service.db.models import Memory

SECONDS_PER_DAY = 86_400.0
MIN_STRENGTH = 0.1


def last_use(memory: Memory) -> datetime:
    return memory.last_accessed_at or memory.created_at


def retention(policy: ForgettingConfig, *, days_unused: float, strength: float, importance: float) -> float:
    stability = policy.stability_days * max(strength, MIN_STRENGTH) * (1.0 + policy.importance_weight * importance)
    return math.exp(-max(days_unused, 0.0) / stability)


def reinforcement(days_since_last_use: float) -> float:
    return 1.0 - math.exp(-max(days_since_last_use, 0.0))


def days_unused_sql(now: datetime) -> Any:
    since = literal(now) - func.coalesce(Memory.last_accessed_at, Memory.created_at)
    return func.greatest(func.extract("epoch", since) / SECONDS_PER_DAY, 0.0)


def retention_sql(policy: ForgettingConfig, now: datetime) -> Any:
    stability = (policy.stability_days * func.greatest(Memory.strength, MIN_STRENGTH)
                 * (1.0 + policy.importance_weight * Memory.importance))
    return func.exp(-days_unused_sql(now) / stability)


def reinforced_strength_sql(now: datetime) -> Any:
    return Memory.strength + 1.0 - func.exp(-days_unused_sql(now))
