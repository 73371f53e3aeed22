def test_liveness_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"]["ok"] and checks["redis"]["ok"] and checks["index"]["lag"] == 0


def test_readiness_fails_when_redis_is_gone(client, app):
    import redis

    working = app.state.redis
    app.state.redis = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    try:
        answer = client.get("/readyz")
    finally:
        app.state.redis = working
    assert answer.status_code == 503
    assert answer.json()["checks"]["redis"]["ok"] is False and answer.json()["checks"]["database"]["ok"] is True
    # Yes or no, to anyone: the exception's text (hosts, ports, users) goes to the log only.
    assert answer.json()["checks"]["redis"] == {"ok": False} and "127.0.0.1" not in answer.text


def test_metrics_can_require_an_admin_key(database_url, tenant, admin_key):
    from fastapi.testclient import TestClient

    from memos_service.api.app import create_app
    from memos_service.config import get_settings
    from tests.conftest import bearer

    private = create_app(get_settings().model_copy(update={"metrics_require_admin_key": True}))
    with TestClient(private, raise_server_exceptions=False) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=tenant.headers).status_code == 403
        assert client.get("/metrics", headers=bearer(admin_key)).status_code == 200


def test_database_errors_are_logged_without_the_values_they_failed_on(database_url, capsys):
    import sqlalchemy
    import structlog
    from sqlalchemy import text

    from memos_service.db.engine import get_engine
    from memos_service.logging import configure_logging

    secret = "Ana's diagnosis is confidential"
    configure_logging("INFO", json=True)
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT CAST(:value AS integer)"), {"value": secret})
    except sqlalchemy.exc.DBAPIError:
        structlog.get_logger("test").exception("unhandled error")
    finally:
        configure_logging()
    logged = capsys.readouterr().err
    assert "unhandled error" in logged and "InvalidTextRepresentation" in logged and "SQLSTATE 22P02" in logged
    assert "CAST" in logged and secret not in logged and "confidential" not in logged


def test_metrics_count_requests(client, tenant):
    client.get("/v1/cubes", headers=tenant.headers)
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'http_requests_total{handler="/v1/cubes"' in metrics.text


def test_request_ids_are_echoed_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "trace-123"}).headers["x-request-id"] == "trace-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"]
    assert made.startswith("req_")


def test_unknown_routes_and_methods_use_the_error_shape(client, tenant):
    missing = client.get("/v1/nothing-here", headers=tenant.headers)
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"
    wrong = client.put("/v1/cubes", headers=tenant.headers)
    assert wrong.status_code == 405 and wrong.json()["error"]["type"] == "method_not_allowed"
    assert wrong.json()["error"]["request_id"] == wrong.headers["x-request-id"]


def test_openapi_has_stable_operation_ids(client):
    schema = client.get("/openapi.json").json()
    operation_ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"create_cube", "list_cubes", "add_memory", "add_memories", "search_memories", "memory_history",
            "export_cube", "import_cube", "import_new_cube", "create_tenant", "create_api_key"} <= operation_ids
    assert client.get("/docs").status_code == 200


def test_rate_limit_answers_429_with_retry_after(client, tenant, app):
    settings = app.state.settings
    settings.rate_limit_per_minute = 3
    try:
        answers = [client.get("/v1/cubes", headers=tenant.headers) for _ in range(5)]
    finally:
        settings.rate_limit_per_minute = 0
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    limited = answers[-1]
    assert limited.status_code == 429 and limited.json()["error"]["type"] == "rate_limited"
    assert 0 < int(limited.headers["retry-after"]) <= 60


def test_unknown_query_parameters_are_refused(client, tenant):
    refused = client.get("/v1/cubes", params={"limt": 5}, headers=tenant.headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == "unknown query parameter(s): 'limt'"
    assert client.get("/v1/cubes", params={"limit": 5}, headers=tenant.headers).status_code == 200


def test_query_values_postgres_cannot_hold_are_refused_not_500(client, tenant, cube):
    refused = client.get(f"/v1/cubes/{cube['id']}/memories", params={"tags": "a\x00b"}, headers=tenant.headers)
    assert refused.status_code == 422 and "NUL" in refused.json()["error"]["message"]
    assert client.get("/v1/jobs", params={"cube_id": cube["id"]}, headers=tenant.headers).status_code == 200
