"""The current request's id, readable from anywhere in the request's task (handlers, logs)."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
