"""Offers: a unique discount code for one customer, and a signed link that leads them to
a reactivation page (recording the click as the customer event link.clicked)."""

from __future__ import annotations

from django.db import models


class OfferKind(models.TextChoices):
    PERCENT = "percent"
    AMOUNT = "amount"
    FREE_SHIPPING = "free_shipping"


class Offer(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="offers")
    code = models.CharField(max_length=60, unique=True)
    kind = models.CharField(max_length=16, choices=OfferKind.choices)
    value = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    target_url = models.URLField(max_length=2000, blank=True, default="",
                                 help_text="Where the signed link redirects (http/https).")
    # Keepflow's offer page (no target_url): the words of the customer's language variant.
    page_headline = models.CharField(max_length=200, blank=True, default="")
    page_text = models.TextField(blank=True, default="")
    clicked_at = models.DateTimeField(null=True, blank=True, help_text="First click.")
    click_count = models.PositiveIntegerField(default=0)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_event_id = models.BigIntegerField(null=True, blank=True)
    run_id = models.BigIntegerField(null=True, blank=True)
    workflow_id = models.BigIntegerField(null=True, blank=True)
    node_id = models.CharField(max_length=64, blank=True, default="")
    idempotency_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at"], name="offer_customer_idx")]

    def __str__(self) -> str:
        return self.code
