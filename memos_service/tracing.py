"""OpenTelemetry tracing, off unless the standard OTEL_* variables ask for it (an OTLP endpoint, or
OTEL_TRACES_EXPORTER=otlp; OTEL_SDK_DISABLED=true wins). On, one trace runs from a REST request
through the job it starts to that job's SQL, in whichever worker runs it: the job row keeps the trace
context it was created in, so a job the sweeper sends again continues its request's trace."""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace

_TRACER = "memos_service"
_configured: list[bool] = []  # once per process (a forked worker child configures its own)


def wanted() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                or os.environ.get("OTEL_TRACES_EXPORTER", "").lower() == "otlp")


def configure(service_name: str) -> bool:
    """Exports this process's spans over OTLP/HTTP (endpoint, headers, batching: the OTEL_* variables);
    whether tracing is on."""
    if not wanted():
        return False
    if _configured:
        return True
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME, when set, names every process alike; otherwise each says what it is.
    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _configured.append(True)
    return True


def instrument_engine(engine: Any) -> None:
    if _configured:
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        # Its declared range stops at SQLAlchemy 2.0; it hooks engine events, which 2.1 keeps (tests/test_tracing.py).
        SQLAlchemyInstrumentor().instrument(engine=engine, enable_commenter=False, skip_dep_check=True)


def instrument_api(app: Any) -> None:
    if configure("memos-api"):
        from opentelemetry.instrumentation.celery import CeleryInstrumentor
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
        CeleryInstrumentor().instrument()  # the spans of sending a job's task


def instrument_worker() -> None:
    if configure("memos-worker"):
        from opentelemetry.instrumentation.celery import CeleryInstrumentor

        CeleryInstrumentor().instrument()


def is_on() -> bool:
    return bool(_configured)


def label_request(request_id: str) -> None:
    """Puts our request id on the request's span, so a trace is found from an error's request id."""
    trace.get_current_span().set_attribute("memos.request_id", request_id)


def current_context() -> dict[str, str] | None:
    """The current trace context as W3C headers (to keep on a job row), or None when not tracing."""
    if not _configured:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier or None


@contextmanager
def continued(carrier: Mapping[str, str] | None, name: str, **attributes: str | None) -> Iterator[None]:
    """A span for `name` in the trace `carrier` came from (a new trace without one)."""
    if not _configured:
        yield
        return
    parent = propagate.extract(dict(carrier)) if carrier else None
    span_attributes = {key: value for key, value in attributes.items() if value is not None}
    with trace.get_tracer(_TRACER).start_as_current_span(name, context=parent, attributes=span_attributes):
        yield
