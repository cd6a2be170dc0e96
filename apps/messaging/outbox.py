"""Messages queued by a batch of the engine's runs: the same guardrails and rows as
`services.message_queue`, with a fixed number of statements per batch instead of six
per message.

The customers are locked once (one advisory lock statement), the guardrails read their
facts once (`GuardrailFacts`), ids come from the sequence in blocks, and the rows are
inserted together by `flush`. A repeated idempotency key is not looked up first: the
insert fails on the unique key instead, and the engine then redoes the batch run by run
through `message_queue`, which returns the first call's result.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from apps.common.bulk import IdReserve, rows_insert
from apps.common.locks import advisory_xact_locks
from apps.customers.models import Customer
from apps.messaging.guardrails import GuardrailFacts
from apps.messaging.models import COUNTED_STATUSES, Message, MessageStatus
from apps.messaging.services import (
    enqueue_delivery,
    message_build,
    message_result,
    message_validate,
)


class MessageOutbox:
    """Collects the messages of one transaction; `flush` writes them."""

    def __init__(self, customers: Mapping[int, Customer], now: datetime) -> None:
        self.customers = customers
        self.now = now
        self.facts = GuardrailFacts(customers.values(), now)
        self.ids = IdReserve(Message, chunk=len(customers))
        self.pending: list[Message] = []
        self._locked = False

    def queue(self, *, customer: Customer, channel: str, body: str, subject: str = "",
              category: str = "marketing", options: Mapping[str, Any] | None = None,
              idempotency_key: str, run_id: int | None = None,
              workflow_id: int | None = None, node_id: str = "") -> dict[str, Any]:
        message_validate(channel, category)
        if not self._locked:  # the cap check must not race another batch's
            advisory_xact_locks("messages-customer", [(pk,) for pk in self.customers])
            self._locked = True
        message = message_build(
            customer=customer, channel=channel, category=category, subject=subject,
            body=body, options=options, idempotency_key=idempotency_key, run_id=run_id,
            workflow_id=workflow_id, node_id=node_id, now=self.now, facts=self.facts)
        message.pk = self.ids.next()
        if message.status in COUNTED_STATUSES:
            self.facts.counted(customer.pk, channel, category)
        self.pending.append(message)
        return message_result(message)

    def flush(self) -> None:
        """Insert the collected messages; deliveries are asked for after commit."""
        if not self.pending:
            return
        rows_insert(self.pending)
        queued = [m.pk for m in self.pending if m.status == MessageStatus.QUEUED]
        self.pending = []
        if queued:
            transaction.on_commit(lambda: enqueue_delivery(queued), robust=True)
