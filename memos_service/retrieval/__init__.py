"""Hybrid search: dense candidates (FAISS, or exact pgvector for narrow filters), lexical
candidates (Postgres full-text search), fused, then adjusted for time, recency, importance and
entities named in the query."""
