"""FAISS index manager (CPU master copy, GPU replica when CUDA is present), derived from Postgres.

Dense search currently runs exactly in Postgres (pgvector); the index manager lands with the
retrieval work and must return the same results, only faster.
"""
