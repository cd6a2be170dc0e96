"""Reads for offers: the customer 360 timeline."""

from __future__ import annotations

from datetime import datetime

from apps.customers.models import Customer
from apps.customers.selectors import TimelineItem
from apps.offers.models import Offer


def offers_timeline(customer: Customer, limit: int, before: datetime | None
                    ) -> list[TimelineItem]:
    """Offers at their creation time, with whether they were clicked or redeemed."""
    offers = Offer.objects.filter(customer=customer).order_by("-created_at", "-id")
    if before is not None:
        offers = offers.filter(created_at__lt=before)
    return [
        {"kind": "offer", "at": offer.created_at, "title": f"Offer {offer.code}",
         "data": {"id": offer.id, "code": offer.code, "offer_kind": offer.kind,
                  "value": str(offer.value), "currency": offer.currency or None,
                  "expires_at": offer.expires_at.isoformat() if offer.expires_at else None,
                  "clicked_at": offer.clicked_at.isoformat() if offer.clicked_at else None,
                  "redeemed_at": offer.redeemed_at.isoformat() if offer.redeemed_at else None,
                  "run_id": offer.run_id}}
        for offer in offers[:limit]
    ]
