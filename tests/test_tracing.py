"""One trace from a REST request through the job it starts to that job's SQL, across real processes:
an API and a worker exporting OTLP/HTTP to a receiver this test runs on loopback, with a broker of
their own (a Redis database no other worker reads). Also for a job whose message was lost and that
beat's sweeper sent again: its run continues the request's trace, kept on the job row."""

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from celery import Celery
from memos_sdk import MemOS
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse

from memos_service.config import get_settings
from tests.conftest import running_api, running_worker


@dataclass(frozen=True)
class Span:
    service: str
    trace_id: str
    name: str
    attributes: dict


class Receiver:
    """An OTLP/HTTP trace receiver: what the processes export, decoded."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                export = ExportTraceServiceRequest.FromString(self.rfile.read(int(self.headers["Content-Length"])))
                for resource in export.resource_spans:
                    service = next(a.value.string_value for a in resource.resource.attributes if a.key == "service.name")
                    for scope in resource.scope_spans:
                        receiver.spans += [Span(service, span.trace_id.hex(), span.name,
                                                {a.key: a.value.string_value or a.value.int_value for a in span.attributes})
                                           for span in scope.spans]
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def trace_of_request(self, request_id: str) -> str:
        return self.wait(lambda span: span.attributes.get("memos.request_id") == request_id and span.service == "memos-api")[0]

    def wait(self, wanted, timeout: float = 30.0) -> tuple[str, list[Span]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [span for span in list(self.spans) if wanted(span)]
            if found:
                return found[0].trace_id, found
            time.sleep(0.1)
        raise AssertionError(f"no such span among {len(self.spans)}: {sorted({(s.service, s.name) for s in self.spans})[:40]}")

    def in_trace(self, trace_id: str) -> list[Span]:
        return [span for span in list(self.spans) if span.trace_id == trace_id]


def _other_redis_database(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/7"))


@pytest.fixture(scope="module")
def traced(database_url, tmp_path_factory) -> Iterator[tuple[Receiver, dict]]:
    receiver = Receiver()
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "100",
           "MEMOS_REDIS_URL": _other_redis_database(get_settings().redis_url)}
    redis.Redis.from_url(env["MEMOS_REDIS_URL"]).flushdb()
    yield receiver, env
    receiver.server.shutdown()


def _wait_for_job(client: MemOS, job_id: uuid.UUID, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while not (job := client.jobs.get(job_id)).finished and time.monotonic() < deadline:
        time.sleep(0.2)
    return job


def test_one_trace_spans_api_worker_and_sql_also_for_a_resent_job(traced, admin_key, tmp_path_factory):
    receiver, env = traced
    with running_api(tmp_path_factory, "traced-api", **env) as api, MemOS(api.base_url, admin_key) as admin:
        tenant = admin.admin.create_tenant(f"traced-{uuid.uuid4().hex[:6]}")
        client = MemOS(api.base_url, admin.admin.create_api_key(tenant.id).key, timeout=120)
        cube = client.cubes.create("traced")

        # A job whose message is lost (no worker yet; the broker's database emptied), then re-sent by the sweeper.
        raw = client.memories.ingest.with_raw_response(cube.id, [{"role": "user", "content": "I live in Lisbon."}],
                                                       user_id="tess")
        lost = raw.parse()
        redis.Redis.from_url(env["MEMOS_REDIS_URL"]).flushdb()
        with running_worker(tmp_path_factory.mktemp("traced-worker"), **env):
            later = datetime.now(UTC) + timedelta(seconds=get_settings().job_requeue_after_seconds + 5)
            Celery(broker=env["MEMOS_REDIS_URL"]).send_task("workers.maintenance.resend_stale_jobs",
                                                            kwargs={"now": later.isoformat()}, queue="maintenance")
            resent = _wait_for_job(client, lost.id)
            assert resent.status == "succeeded" and resent.sends == 2

            # A job run as it is sent.
            answer = client.memories.ingest.with_raw_response(cube.id, [{"role": "user", "content": "I moved to Porto."}],
                                                              user_id="tess", wait=True)
            assert answer.parse().status == "succeeded"

            for request_id, job_id in ((raw.request_id, lost.id), (answer.request_id, answer.parse().id)):
                trace_id = receiver.trace_of_request(request_id)
                receiver.wait(lambda span, job_id=job_id, trace_id=trace_id: span.trace_id == trace_id
                              and span.name == "job ingest" and span.attributes.get("memos.job_id") == str(job_id))
                receiver.wait(lambda span, trace_id=trace_id: span.trace_id == trace_id and span.service == "memos-worker"
                              and span.attributes.get("db.system") == "postgresql")
                spans = receiver.in_trace(trace_id)
                services = {span.service for span in spans}
                assert services == {"memos-api", "memos-worker"}, services
                assert any(span.service == "memos-api" and span.attributes.get("db.system") == "postgresql" for span in spans)
                (job_span,) = [span for span in spans if span.name == "job ingest"]
                assert job_span.attributes["memos.request_id"] == request_id
        client.close()


@pytest.mark.parametrize(("variables", "on"), [
    ({}, False),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
    ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
    ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, False),
])
def test_tracing_is_off_unless_the_standard_variables_ask(monkeypatch, variables, on):
    from memos_service import tracing

    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER",
                 "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert tracing.wanted() is on
