"""API keys: generated once, shown once, stored as sha256, compared in constant time."""

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from memos_service.db.models import ApiKey, Tenant

KEY_PREFIX = "memos_sk_"
ADMIN_SCOPE = "admin"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKeyRepository:
    """Keys are looked up across tenants (that is how a request learns its tenant), so this
    repository is the one that is not tenant-scoped; it only ever answers for the key presented."""

    def __init__(self, session: Session):
        self.session = session

    def create(self, tenant_id: uuid.UUID | None, scopes: list[str], name: str = "",
               key: str | None = None) -> tuple[ApiKey, str]:
        key = key or generate_key()
        row = ApiKey(tenant_id=tenant_id, scopes=scopes, name=name, key_hash=hash_key(key), prefix=key[:12])
        self.session.add(row)
        self.session.flush()
        return row, key

    def authenticate(self, key: str) -> ApiKey | None:
        digest = hash_key(key)
        row = self.session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
        if row is None or row.revoked_at is not None:
            return None
        # The index lookup finds the candidate; the comparison that decides is constant-time.
        return row if hmac.compare_digest(row.key_hash, digest) else None

    def has_admin(self) -> bool:
        query = select(ApiKey.id).where(ApiKey.scopes.any(ADMIN_SCOPE), ApiKey.revoked_at.is_(None)).limit(1)
        return self.session.scalar(query) is not None

    def ensure(self, key: str, scopes: list[str], name: str) -> bool:
        """Registers a key given by the operator (MEMOS_ADMIN_API_KEY); True when it was new."""
        if self.session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(key))) is not None:
            return False
        self.create(None, scopes, name, key)
        return True

    def revoke(self, key_id: uuid.UUID) -> ApiKey | None:
        row = self.session.get(ApiKey, key_id)
        if row is not None and row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            self.session.flush()
        return row


class TenantRepository:
    def __init__(self, session: Session):
        self.session = session

    def create(self, name: str) -> Tenant:
        tenant = Tenant(name=name)
        self.session.add(tenant)
        self.session.flush()
        return tenant

    def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        return self.session.get(Tenant, tenant_id)

    def by_name(self, name: str) -> Tenant | None:
        return self.session.scalar(select(Tenant).where(Tenant.name == name))
