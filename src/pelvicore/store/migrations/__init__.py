"""The Alembic environment of the store; run it with ``pelvicore.store.migrate``."""
