"""Managed ingestion: chat messages in, memories added, updated, deleted or confirmed out."""
