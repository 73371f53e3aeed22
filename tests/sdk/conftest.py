import uuid

import pytest
from memos_sdk import MemOS


@pytest.fixture
def tenant_key(live_server, admin_key) -> str:
    with MemOS(live_server.base_url, admin_key) as admin:
        tenant = admin.admin.create_tenant(f"sdk-{uuid.uuid4().hex[:10]}")
        key = admin.admin.create_api_key(tenant.id, name="sdk")
    assert key.key is not None and key.tenant_id == tenant.id
    return key.key
