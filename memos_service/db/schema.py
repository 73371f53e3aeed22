"""Checks that the database was migrated for the embedder this process runs."""

from sqlalchemy import Engine, text


def embedding_column_dimension(engine: Engine) -> int | None:
    """The declared dimension of memories.embedding (pgvector keeps it in atttypmod)."""
    query = text(
        "SELECT atttypmod FROM pg_attribute WHERE attrelid = to_regclass('memories') AND attname = 'embedding'"
    )
    with engine.connect() as connection:
        value = connection.scalar(query)
    return int(value) if value is not None and value > 0 else None


def check_embedding_dimension(engine: Engine, dimension: int, model: str) -> None:
    stored = embedding_column_dimension(engine)
    if stored is None:
        raise RuntimeError("the database has no memories table: run `memos migrate` first")
    if stored != dimension:
        raise RuntimeError(
            f"the database stores {stored}-d embeddings but the configured embedder {model!r} makes "
            f"{dimension}-d ones: configure the model the database was created with, or use a new database"
        )
