"""All configuration in one place: environment variables with the ``MEMOS_`` prefix (or a ``.env``)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Precision = Literal["auto", "float32", "bfloat16"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEMOS_", env_file=".env", extra="ignore")

    # Where the embedded stack keeps its data (Postgres, Redis, snapshots) and its lock.
    home: Path = Path(".memos")
    # External services; when unset, `memos up` starts embedded ones under `home`.
    database_url: str | None = None
    redis_url: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # A bootstrap admin key (compose sets it); otherwise `memos up` creates one on first start.
    admin_api_key: str | None = None

    # Embedder: a sentence-transformers model path or name; unset means the bundled all-MiniLM-L6-v2.
    embedding_model: str | None = None
    embedding_device: str | None = None  # "cpu", "cuda"; unset picks CUDA when present
    embedding_batch_size: int = Field(64, ge=1, le=4096)
    # auto: bfloat16 matrix products where the CPU multiplies bfloat16 natively (AMX), else float32.
    embedding_precision: Precision = "auto"

    # FAISS indexes: snapshots under home/indexes unless set; flat until this many vectors, then IVF.
    index_dir: Path | None = None
    index_approximate_threshold: int = Field(100_000, ge=1)
    # A cube with at most this many searchable memories is searched exactly in Postgres and gets no
    # FAISS index: most cubes of a service with many tenants are small, and an index for each in
    # every API process was its first memory wall (issue 37).
    index_min_memories: int = Field(2_000, ge=0)
    # The FAISS indexes one process keeps, in MB: past it the least recently used index of the
    # tenant holding the most is dropped (and reloaded from its snapshot when needed again).
    index_memory_mb: int | None = Field(2_048, ge=1)
    index_ivf_nprobe: int = Field(192, ge=1)
    # A memory of several sentences is also embedded sentence by sentence, in at most this many passages
    # (`passages.py`); 0 embeds whole texts only.
    passages_per_memory: int = Field(8, ge=0, le=64)
    # A filter matching at most this many memories is searched exactly in Postgres instead of FAISS.
    exact_search_limit: int = Field(2_000, ge=0)
    # Full-text search ranks at most this many memories per query word: a word held by more is common,
    # its holders sampled (`db/full_text.py`).
    lexical_term_cap: int = Field(300, ge=1)
    # A filter matching at most this many memories has full-text search weigh every memory it passes,
    # in one pass over them, instead of sampling each word's holders in the whole cube.
    lexical_scope_limit: int = Field(10_000, ge=0)
    # A filter that the index's first answer shows to be narrow, yet matching more memories than exact
    # search takes, is searched among the memories that pass it (a FAISS ID selector) when they are at
    # most this many; past it, the index is asked for more until enough pass.
    filtered_search_id_limit: int = Field(50_000, ge=0)

    # Hybrid ranking: dense and lexical lists fused by their scaled scores ("relative": LoCoMo dev
    # recall@10 0.597 against 0.567 for reciprocal rank fusion, measured before full-text search weighed
    # rare words, which took it to 0.685; `memos bench locomo`) or by rank
    # ("rrf"), then multiplicative boosts.
    search_fusion: Literal["rrf", "relative"] = "relative"
    search_rrf_k: int = Field(60, ge=1)
    search_weight_dense: float = Field(1.0, ge=0)
    search_weight_lexical: float = Field(1.0, ge=0)
    search_weight_time: float = Field(0.5, ge=0)
    search_weight_entity: float = Field(0.3, ge=0)
    search_weight_property: float = Field(0.5, ge=0, le=1)  # also the demotion of another holder's property
    # A fact about someone the user talked about ("Ana's uncle rides a Jeep", metadata `about`: "uncle"),
    # down for a question that does not name them, up for one that does.
    search_weight_about: float = Field(0.5, ge=0, le=1)
    search_weight_recency: float = Field(0.05, ge=0)
    search_weight_importance: float = Field(0.1, ge=0)
    search_recency_half_life_days: float = Field(30.0, gt=0)
    # A conversation turn's neighbours in its session (turns remembered just before or after it)
    # inherit this share of its score per step away, up to `span` steps: the answer is often the
    # reply to the turn that matches the question. LoCoMo dev recall@10 0.685 -> 0.740 (span 1:
    # 0.726). Only episodes take part: spreading from extracted facts lifted the turns beside stale
    # ones (updates bench held-out current@1 0.951 -> 0.882); among episodes only, it stays 0.951.
    search_weight_neighbours: float = Field(0.5, ge=0, le=1)
    search_neighbour_span: int = Field(2, ge=0, le=10)

    # Request limits: past these a request is refused with 413/422 before anything is written.
    max_request_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    # Cube archives carry caches and adapters, so their imports may be larger (spooled to disk).
    max_archive_bytes: int = Field(8 * 1024**3, ge=1024)
    max_content_bytes: int = Field(16 * 1024, ge=16)
    max_metadata_bytes: int = Field(8 * 1024, ge=16)
    max_batch_size: int = Field(256, ge=1)
    max_top_k: int = Field(100, ge=1)
    max_tags: int = Field(32, ge=0)
    # Requests per minute per API key; 0 turns rate limiting off.
    rate_limit_per_minute: int = Field(0, ge=0)
    # How long an API process trusts a key it checked, without asking Postgres again: a key revoked
    # through another process works here this much longer. 0 checks every request.
    api_key_cache_seconds: float = Field(5.0, ge=0)
    # Stored responses for Idempotency-Key replays are kept this long.
    idempotency_ttl_hours: int = Field(24, ge=1)

    # An OpenAI-compatible endpoint for the LLM extractor and manager; unset means heuristics only.
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(20.0, gt=0)
    # Tries per question (HTTP errors and unusable answers alike) and the time they may take together.
    llm_max_attempts: int = Field(3, ge=1, le=10)
    llm_budget_seconds: float = Field(60.0, gt=0)

    # Heuristic manager: cosine similarity at or above which a candidate is already known (NOOP),
    # completes a memory it fully contains (UPDATE), or is what a retraction takes back (DELETE).
    manager_noop_similarity: float = Field(0.85, ge=0, le=1)
    manager_update_similarity: float = Field(0.8, ge=0, le=1)
    manager_delete_similarity: float = Field(0.75, ge=0, le=1)
    # How near (mean cosine of the 3 nearest examples) a sentence no cue reads must be to a
    # property's examples to be read as setting it (`policy/properties.py`; 0.3 by `memos bench updates`).
    manager_property_similarity: float = Field(0.3, ge=0, le=1)
    # The same for a sentence that says something ends ("my time at Ubisoft is over") to be read as
    # taking that property back (`policy/retractions.py`; 1.0 reads none by meaning).
    manager_retraction_similarity: float = Field(0.3, ge=0, le=1)
    # How many of the user's nearest memories a manager weighs each candidate against.
    manager_related_limit: int = Field(8, ge=1, le=50)
    # Managed ingestion: messages per request, and how long `wait=true` waits for the job.
    ingest_max_messages: int = Field(200, ge=1)
    # Facts are read from this many clauses of a message, and of a job; the turns are kept whole.
    ingest_max_clauses_per_message: int = Field(64, ge=1, le=10_000)
    ingest_max_clauses_per_job: int = Field(2000, ge=1, le=100_000)
    ingest_wait_seconds: float = Field(30.0, ge=0)
    # Requests of one API key waiting for their job at once (wait=true) in one API process; more answer 202.
    max_waits_per_key: int = Field(16, ge=0)

    # Jobs: a task running past this is stopped and its job failed; the broker redelivers an
    # unacknowledged task only after longer than this, so a slow task is never run twice at once.
    job_time_limit_seconds: int = Field(1800, ge=10)
    # The outbox sweeper (beat, every job_sweep_seconds) sends again jobs never sent after the grace,
    # sent but not started after requeue_after, or running past 1.5 × the time limit; after
    # job_max_sends sends a job is failed with the reason.
    job_sweep_seconds: int = Field(30, ge=1)
    job_send_grace_seconds: int = Field(30, ge=0)
    job_requeue_after_seconds: int = Field(900, ge=1)
    job_max_sends: int = Field(5, ge=1)
    # How often beat looks for cubes due a consolidation or forgetting sweep (their intervals are per cube).
    lifecycle_check_seconds: int = Field(60, ge=1)
    # Lifecycle jobs started through the API with wait=true wait this long.
    lifecycle_wait_seconds: float = Field(120.0, ge=0)

    # Activation and parameter memories: a local causal LM directory (never downloaded), device, dtype.
    lm_path: Path | None = None
    lm_device: str | None = None  # "cpu", "cuda"; unset picks CUDA when present
    lm_dtype: Literal["float32", "float16", "bfloat16"] = "float32"
    # Where blobs (caches, adapters) are stored, content-addressed; unset means home/blobs.
    blob_dir: Path | None = None
    blob_max_bytes: int = Field(2 * 1024**3, ge=1024)

    db_pool_size: int = Field(10, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = False
    metrics_require_admin_key: bool = False  # /metrics counts every tenant's requests

    @property
    def indexes_path(self) -> Path:
        return self.index_dir or self.home / "indexes"

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver, whatever scheme the operator wrote."""
        if not self.database_url:
            raise RuntimeError("MEMOS_DATABASE_URL is not set and no embedded database is running")
        url = self.database_url
        for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
