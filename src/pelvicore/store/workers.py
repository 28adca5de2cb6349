"""Server processes that share one database: each holds a lease on its live sessions by writing a heartbeat.

Every time here is the database's own clock, so the workers' machines need not agree on the time."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from pelvicore.store.models import Worker
from pelvicore.store.transactions import Transactions


class WorkerStore(Transactions):
    def now(self) -> datetime:
        """The database's clock."""
        with self._read() as db:
            value = db.scalar(select(func.now()))
        if isinstance(value, str):  # SQLite's CURRENT_TIMESTAMP: UTC, as text
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def beat(self, worker_id: str, address: str) -> tuple[datetime, bool]:
        """This worker is alive now (its first beat registers it): the database's time of the beat, and whether
        the worker was registered already (False after another worker took it for dead and forgot it)."""
        now = self.now()
        with self._write() as db:
            worker = db.get(Worker, worker_id)
            if worker is not None:
                worker.heartbeat_at = now
            else:
                db.add(Worker(id=worker_id, started_at=now, heartbeat_at=now, address=address[:200]))
        return now, worker is not None

    def forget_stale(self, stale_before: datetime) -> list[str]:
        """Remove the workers whose last heartbeat is older than ``stale_before``; their ids."""
        with self._write() as db:
            ids = list(db.scalars(select(Worker.id).where(Worker.heartbeat_at < stale_before)))
            if ids:
                db.execute(delete(Worker).where(Worker.id.in_(ids)))
            return ids

    def leave(self, worker_id: str) -> None:
        """A worker that stops cleanly (after ending its sessions) is forgotten at once."""
        with self._write() as db:
            db.execute(delete(Worker).where(Worker.id == worker_id))

    def alive(self, since: datetime) -> list[str]:
        """Workers that beat since ``since``."""
        with self._read() as db:
            return list(db.scalars(select(Worker.id).where(Worker.heartbeat_at >= since).order_by(Worker.id)))
