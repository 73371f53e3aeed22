"""Persistence: typed models, the engine, and repositories (the one place tenant scoping lives)."""
