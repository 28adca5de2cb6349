"""What every store shares: an engine, and short read or write transactions on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pelvicore.store.db import WRITE_OPTION


class Transactions:
    """Base of the stores: ``_read()`` and ``_write()`` each open one transaction.

    Write transactions carry ``WRITE_OPTION``, so SQLite takes its write lock at the start (see ``db.py``).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reading = sessionmaker(engine, expire_on_commit=False)
        self._writing = sessionmaker(engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._reading.begin() as db:
            yield db

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._writing.begin() as db:
            yield db
