"""Reads for messaging: the customer 360 timeline source (registered in
MessagingConfig.ready)."""

from datetime import datetime

from apps.customers.models import Customer
from apps.customers.selectors import TimelineItem


def messages_timeline(customer: Customer, limit: int, before: datetime | None
                      ) -> list[TimelineItem]:
    messages = customer.messages.order_by("-created_at", "-id")
    if before is not None:
        messages = messages.filter(created_at__lt=before)
    return [
        {"kind": "message", "at": m.created_at,
         "title": f"{m.channel} {m.status}" + (f" ({m.reason})" if m.reason else ""),
         "data": {"id": m.id, "channel": m.channel, "category": m.category,
                  "subject": m.subject, "status": m.status, "reason": m.reason,
                  "workflow_id": m.workflow_id, "run_id": m.run_id}}
        for m in messages.only("id", "channel", "category", "subject", "status", "reason",
                               "workflow_id", "run_id", "created_at")[:limit]
    ]
