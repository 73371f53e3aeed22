"""structlog for our own logs and the libraries' (stdlib) logs alike: console or JSON lines."""

import logging
import sys
import traceback
from typing import Any

import structlog
from sqlalchemy.exc import DBAPIError


def without_database_values(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    """A database error's message quotes the values it failed on ("invalid input syntax for type
    integer: <a memory's content>", "Key (...)=(<a user id>) already exists"): logged are its type,
    SQLSTATE, statement (its parameters hidden by the engine) and frames, never its message."""
    exc_info = event.get("exc_info")
    if exc_info is True:
        exc_info = sys.exc_info()
    error = exc_info[1] if isinstance(exc_info, tuple) else exc_info if isinstance(exc_info, BaseException) else None
    if isinstance(error, DBAPIError):
        event.pop("exc_info")
        sqlstate = getattr(error.orig, "sqlstate", None)
        event["exception"] = ("".join(traceback.format_tb(error.__traceback__))
                              + f"{type(error).__name__} ({type(error.orig).__name__}, SQLSTATE {sqlstate})\n"
                              + f"[SQL: {error.statement}]")
    return event


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, without_database_values,
                    structlog.processors.format_exc_info, renderer],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pgserver narrates every pg_ctl call at INFO; its warnings are what an operator needs.
    logging.getLogger("pgserver").setLevel(max(logging.WARNING, root.level))
