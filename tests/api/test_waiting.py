"""wait=true through a real uvicorn: a waiting request holds no thread, and one key's waits are bounded."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from memos_service.db.locks import session_lock
from tests.conftest import bearer


def test_waiting_requests_hold_no_thread_and_are_bounded_per_key(live_server, admin_key, worker):
    from memos_service.config import get_settings

    url, admin = live_server.base_url, bearer(admin_key)
    tenant = httpx.post(f"{url}/v1/admin/tenants", json={"name": f"waits-{uuid.uuid4().hex[:8]}"}, headers=admin).json()
    keys = [httpx.post(f"{url}/v1/admin/tenants/{tenant['id']}/api-keys", json={}, headers=admin).json()["key"]
            for _ in range(4)]
    cube = httpx.post(f"{url}/v1/cubes", json={"name": "busy"}, headers=bearer(keys[0])).json()
    per_key = get_settings().max_waits_per_key

    def consolidate(key: str) -> tuple[httpx.Response, float]:
        answer = httpx.post(f"{url}/v1/cubes/{cube['id']}/consolidate", params={"wait": "true"}, json={},
                            headers=bearer(key), timeout=180)
        return answer, time.monotonic()

    # Consolidation takes the cube's lock: held here, every job of the cube waits for it.
    with ThreadPoolExecutor(64) as pool:
        with session_lock(f"consolidate:{uuid.UUID(cube['id'])}", wait=True):
            waiting = [pool.submit(consolidate, key) for key in keys[:3] for _ in range(per_key + 4)]
            time.sleep(5)
            # Past the bound, a key's requests answer 202 at once instead of waiting.
            done = [future for future in waiting if future.done()]
            at_once = [future.result()[0] for future in done]
            assert len(at_once) == 3 * 4 and {answer.status_code for answer in at_once} == {202}, at_once
            # 48 requests wait, more than the 40 threads synchronous routes run on: the API still answers.
            for _ in range(3):
                asked = time.monotonic()
                listed = httpx.get(f"{url}/v1/cubes", headers=bearer(keys[3]), timeout=30)
                assert listed.status_code == 200 and time.monotonic() - asked < 2.0
                time.sleep(0.5)
            # What the waiting requests wait for ends (cancelled, so the worker has no backlog to run).
            ending = time.monotonic()
            jobs = httpx.get(f"{url}/v1/jobs", params={"cube_id": cube["id"], "limit": 100}, headers=bearer(keys[0])).json()
            for job in jobs["data"]:
                httpx.post(f"{url}/v1/jobs/{job['id']}/cancel", headers=bearer(keys[0]))
        answers = [future.result() for future in waiting if future not in done]
    # Each waited until its job ended, then answered with it.
    assert len(answers) == 3 * per_key and all(when > ending for _, when in answers)
    assert {(answer.status_code, answer.json()["status"]) for answer, _ in answers} <= {(200, "cancelled"), (200, "succeeded")}
