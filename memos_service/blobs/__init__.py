"""Binary memories (activation caches, adapters): a content-addressed file store, indexed in Postgres."""
