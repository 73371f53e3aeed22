"""A cube's own policies: which memory manager decides, how it consolidates and how it forgets.

Stored as the client wrote it (only the fields it set), read through `CubeConfig`, so a default
improved in a later release reaches every cube that did not choose otherwise. Unknown keys and
out-of-range values are refused: a misspelt policy that silently does nothing is worse than an error.
"""

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

# Every number has an upper bound: beat adds these intervals to datetimes, and one cube's
# `interval_minutes = 2000000000` raised OverflowError in every scheduling pass, for all tenants.
YEAR_MINUTES = 366 * 24 * 60
CENTURY_DAYS = 36_600.0


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ConsolidationConfig(_Section):
    enabled: bool = True
    interval_minutes: int = Field(24 * 60, ge=1, le=YEAR_MINUTES, description="How often beat consolidates the cube.")
    similarity: float = Field(0.9, ge=0.5, le=1.0, description="Cosine similarity at which two memories may be duplicates.")
    summarize_sessions: bool = True
    session_idle_minutes: int = Field(60, ge=1, le=YEAR_MINUTES,
                                      description="A session with no new turn for this long is finished.")
    summary_sentences: int = Field(5, ge=1, le=50, description="Sentences an extractive session summary keeps.")


class ForgettingConfig(_Section):
    """Retention R = exp(-Δt / S): Δt is the time since last use, and the stability
    S = stability_days × strength × (1 + importance_weight × importance) grows with each use."""

    enabled: bool = True
    interval_minutes: int = Field(24 * 60, ge=1, le=YEAR_MINUTES, description="How often beat sweeps the cube.")
    stability_days: float = Field(30.0, gt=0, le=CENTURY_DAYS)
    importance_weight: float = Field(2.0, ge=0, le=1000)
    archive_below: float = Field(0.05, ge=0, lt=1, description="Retention under which an active memory is archived.")
    retention_days: float | None = Field(365.0, gt=0, le=CENTURY_DAYS,
                                         description="Archived or deleted this long: purged. None keeps them.")
    max_memories: int | None = Field(None, ge=1, lt=2**31, description="Active memories past this are archived, weakest first.")


class ActivationConfig(_Section):
    """The "hot memory" path: beat keeps a KV cache of the cube's most used memories (needs MEMOS_LM_PATH)."""

    enabled: bool = False
    interval_minutes: int = Field(60, ge=1, le=YEAR_MINUTES,
                                  description="How often beat checks whether the hottest memories changed.")
    hottest: int = Field(20, ge=1, le=1000, description="How many of the most used memories the cache holds.")
    template: str | None = Field(None, max_length=8000, description="As for POST /activations; must hold {memories}.")
    retire_unused_days: float = Field(7.0, gt=0, le=CENTURY_DAYS,
                                      description="Caches of this cube unused this long are deleted.")


class CubeConfig(_Section):
    manager: Literal["llm", "learned", "heuristic"] | None = Field(
        None, description="Default: the LLM when one is configured, else the learned manager; heuristic: rules alone.")
    consolidation: ConsolidationConfig = Field(default_factory=ConsolidationConfig)
    forgetting: ForgettingConfig = Field(default_factory=ForgettingConfig)
    activation: ActivationConfig = Field(default_factory=ActivationConfig)

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> Self:
        return cls.model_validate(stored or {})

    def stored(self) -> dict[str, Any]:
        """What to keep in the database: only what was chosen."""
        return self.model_dump(mode="json", exclude_unset=True)
