"""Writes for offers: create one (from a workflow), follow its link, mark it redeemed.

Codes come from the block's pattern, e.g. SAVE-{RANDOM6}: the placeholder becomes n
characters from an alphabet without look-alikes (no 0/O, 1/I/L). Codes are unique across
all customers, because a redemption event names only the code."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event, EventSource
from apps.offers.models import Offer, OfferKind

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_ATTEMPTS = 8
CENTS = Decimal("0.01")
LINK_SALT = "keepflow.offers.link"
REDEEMED_EVENT = "offer.redeemed"
_PLACEHOLDER = re.compile(r"\{RANDOM([0-9]{1,2})\}")


class OfferLinkInvalid(Exception):
    """A link whose signature does not check out, or whose offer is gone."""


class OfferLinkExpired(Exception):
    """A genuine link to an offer past its expiry."""


def offer_code_generate(pattern: str) -> str:
    """SAVE-{RANDOM6} → SAVE-7KQ2XM. The pattern was validated by the block."""
    def random_part(match: re.Match[str]) -> str:
        return "".join(secrets.choice(CODE_ALPHABET) for _ in range(int(match.group(1))))

    code, count = _PLACEHOLDER.subn(random_part, pattern, count=1)
    if count != 1:
        raise ValueError("code_pattern: needs one {RANDOMn} placeholder, e.g. SAVE-{RANDOM6}")
    return code


def offer_link_token(offer_id: int) -> str:
    """Deterministic (no timestamp): the same offer always has the same link; the offer's
    own expires_at decides how long it works."""
    return signing.Signer(salt=LINK_SALT).sign_object({"offer": offer_id})


def offer_link(offer: Offer) -> str:
    path = reverse("offer-link", kwargs={"token": offer_link_token(offer.id)})
    return settings.KEEPFLOW_PUBLIC_URL.rstrip("/") + path


def _safe_target(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("link_target_url: an http:// or https:// address")
    return url


def offer_result(offer: Offer) -> dict[str, Any]:
    """What the workflow (and later templates, as offer.*) sees."""
    return {"offer_id": offer.id, "code": offer.code, "link": offer_link(offer),
            "expires_at": offer.expires_at.isoformat() if offer.expires_at else None,
            "kind": offer.kind, "value": str(offer.value), "currency": offer.currency or None}


def offer_create(*, customer: Customer, code_pattern: str, kind: str, value: Decimal,
                 currency: str | None, expires_at: dt.datetime | None,
                 link_target_url: str | None, idempotency_key: str,
                 page_headline: str = "", page_text: str = "",
                 run_id: int | None = None, workflow_id: int | None = None, node_id: str = "",
                 now: dt.datetime | None = None) -> dict[str, Any]:
    """Create the offer once per idempotency key (a repeated key returns the first result).
    A code collision is retried with fresh random characters."""
    existing = Offer.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return offer_result(existing)
    if kind not in OfferKind.values:
        raise ValueError(f"kind: one of {', '.join(OfferKind.values)}")
    target = _safe_target(link_target_url)
    for _ in range(CODE_ATTEMPTS):
        offer = Offer(customer=customer, code=offer_code_generate(code_pattern), kind=kind,
                      value=Decimal(value).quantize(CENTS), currency=currency or "",
                      expires_at=expires_at,
                      target_url=target, page_headline=page_headline, page_text=page_text,
                      run_id=run_id, workflow_id=workflow_id,
                      node_id=node_id, idempotency_key=idempotency_key,
                      created_at=now or timezone.now())
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction stays usable
                offer.save()
        except IntegrityError:
            twin = Offer.objects.filter(idempotency_key=idempotency_key).first()
            if twin is not None:  # a concurrent call with the same key won
                return offer_result(twin)
            continue  # the code was taken: draw again
        return offer_result(offer)
    raise RuntimeError(f"no free code for {code_pattern!r} after {CODE_ATTEMPTS} tries; "
                       "use more random characters")


def offer_from_token(token: str, *, now: dt.datetime | None = None) -> Offer:
    try:
        data = signing.Signer(salt=LINK_SALT).unsign_object(token)
        offer = Offer.objects.select_related("customer").get(pk=int(data["offer"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Offer.DoesNotExist) as exc:
        raise OfferLinkInvalid from exc
    if offer.expires_at is not None and offer.expires_at <= (now or timezone.now()):
        raise OfferLinkExpired
    return offer


def offer_link_click(token: str, *, now: dt.datetime | None = None) -> Offer:
    """Check the link, count the click and record link.clicked for the customer (at most
    one event per offer and minute: mail scanners and double clicks)."""
    now = now or timezone.now()
    offer = offer_from_token(token, now=now)
    with transaction.atomic():
        offer = Offer.objects.select_for_update().select_related("customer").get(pk=offer.pk)
        offer.click_count += 1
        offer.clicked_at = offer.clicked_at or now
        offer.save(update_fields=["click_count", "clicked_at"])
        events_ingest([EventIn(
            customer_external_id=offer.customer.external_id, type="link.clicked",
            properties={"offer_id": offer.id, "code": offer.code, "url": offer.target_url},
            occurred_at=now,
            idempotency_key=f"offer:{offer.id}:clicked:{now:%Y%m%d%H%M}",
        )], source=EventSource.INTERNAL)
    return offer


def offers_events_handle(events: list[Event]) -> None:
    """KEEPFLOW_EVENT_HANDLERS entry: `offer.redeemed` events (properties.code) mark their
    offer redeemed, once; later redemptions of the same code change nothing."""
    for event in events:
        if event.type != REDEEMED_EVENT:
            continue
        code = (event.properties or {}).get("code")
        if not isinstance(code, str) or not code.strip():
            continue
        Offer.objects.filter(code=code.strip().upper(), redeemed_at__isnull=True).update(
            redeemed_at=event.occurred_at, redeemed_event_id=event.id)
