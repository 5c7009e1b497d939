"""The unit of work: one session, one transaction. Leaving the block without `commit()` rolls
back, so a command that fails half-way leaves nothing behind."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import Engine, String, event
from sqlalchemy.orm import Session

from tracker.db.engine import READONLY
from tracker.errors import BadInput


def _check_lengths(session: Session, _context: Any, _instances: Any) -> None:
    """Every text the schema bounds, checked before it is written, on both databases alike
    (PostgreSQL enforces `VARCHAR(n)`, SQLite does not): one rule, the model's lengths."""
    for row in (*session.new, *session.dirty):
        for column in row.__table__.columns:
            limit = column.type.length if isinstance(column.type, String) else None
            value = getattr(row, column.key, None)
            if limit and isinstance(value, str) and len(value) > limit:
                what = column.key.replace("_", " ")
                raise BadInput(
                    f"the {what} is {len(value):,} characters long; the limit is {limit}"
                )


class UnitOfWork:
    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self.engine = engine
        self.readonly = readonly
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it in a `with` block")
        return self._session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __enter__(self) -> UnitOfWork:
        bind = self.engine.execution_options(**{READONLY: True}) if self.readonly else self.engine
        self._session = Session(bind=bind, expire_on_commit=False, autoflush=True)
        event.listen(self._session, "before_flush", _check_lengths)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()
        except Exception:
            # Interrupted mid-statement (Ctrl-C), the connection may be past rolling back; the
            # database drops the transaction anyway. The first error is the one to report.
            if exc is None:
                raise
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()
