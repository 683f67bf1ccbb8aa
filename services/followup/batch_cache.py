"""Documents folded in the current transaction, kept for the next event of the same claim.

Follow-up's projections (and its batched queue process) apply a whole batch of events in
one transaction, and a claim's events usually sit together in one batch. A handler that
reads a claim's JSON document, folds one event into it and writes it back keeps the folded
document here, so the claim's next event in the same transaction folds it without reading
back (and validating again) what was just written.

Scoped to the connection's current transaction and to the thread (each consumer runs on a
thread of its own): a new transaction (the next batch, or the one-by-one retry after a
failed batch) starts empty, so nothing rolled back is ever read from here. Outside a
transaction nothing is kept.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection

K = TypeVar("K")
V = TypeVar("V")


class TransactionCache(Generic[K, V]):
    """key -> the document as this transaction last wrote it (see the module docstring)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def of(self, conn: Connection) -> dict[K, V]:
        transaction = conn.get_transaction()
        if transaction is None:
            return {}
        local = self._local
        if getattr(local, "transaction", None) is not transaction:
            # Holding the previous transaction object until now means a new one can never
            # be mistaken for it.
            local.transaction = transaction
            local.values = {}
        values: dict[K, V] = local.values
        return values
