"""The vocabularies a memory is described with."""

from enum import StrEnum

# The memory types the service writes itself: a chat turn kept as said, and a session's summary.
EPISODE, SUMMARY = "episode", "summary"


class MemoryKind(StrEnum):
    plaintext = "plaintext"
    activation = "activation"
    parameter = "parameter"


class MemoryStatus(StrEnum):
    active = "active"
    archived = "archived"
    merged = "merged"
    deleted = "deleted"


class MemoryOp(StrEnum):
    """What happened to a memory: the op of a version row and of a change-log entry."""

    add = "ADD"
    update = "UPDATE"
    delete = "DELETE"
    restore = "RESTORE"
    archive = "ARCHIVE"
    merge = "MERGE"
    purge = "PURGE"
    reindex = "REINDEX"  # a change-log entry only: the memory's vectors changed, not the memory
