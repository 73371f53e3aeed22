"""Per-tenant counters on /metrics: who sends how many requests with which outcome, and how many jobs
of which kind, so that one tenant's load shows by name (labels are tenant ids: one series per tenant)."""

from prometheus_client import Counter

REQUESTS = Counter("memos_tenant_requests", "Requests by tenant and status class", ["tenant", "status"])
JOBS = Counter("memos_tenant_jobs", "Jobs accepted, by tenant and kind", ["tenant", "kind"])


def count_request(tenant_id: str | None, status: int) -> None:
    if tenant_id is not None:
        REQUESTS.labels(tenant_id, "429" if status == 429 else f"{status // 100}xx").inc()


def count_job(tenant_id: object, kind: str) -> None:
    JOBS.labels(str(tenant_id), kind).inc()
