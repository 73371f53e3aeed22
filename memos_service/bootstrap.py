"""First-start setup shared by `memos migrate` and `memos up`: schema, then an admin key."""

from memos_service.config import Settings
from memos_service.db.api_keys import ADMIN_SCOPE, ApiKeyRepository
from memos_service.db.engine import session_scope
from memos_service.db.migrate import upgrade


def migrate_and_bootstrap(settings: Settings) -> str | None:
    """Brings the schema to head and makes sure an admin key exists. Returns a newly generated
    admin key (to be shown once), or None when one already existed or the operator set it."""
    upgrade(settings.sqlalchemy_url)
    with session_scope() as session:
        keys = ApiKeyRepository(session)
        if settings.admin_api_key:
            keys.ensure(settings.admin_api_key, [ADMIN_SCOPE], "admin (MEMOS_ADMIN_API_KEY)")
            return None
        if keys.has_admin():
            return None
        _, key = keys.create(None, [ADMIN_SCOPE], "admin (first start)")
        return key
