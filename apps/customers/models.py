from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"
    CALL = "call"


class ConsentStatus(models.TextChoices):
    GRANTED = "granted"
    DENIED = "denied"
    UNKNOWN = "unknown"


class EventSource(models.TextChoices):
    API = "api"
    TRACKING = "tracking"  # the Segment-compatible /v1 API
    IMPORT = "import"
    INTERNAL = "internal"  # emitted by Keepflow itself (segment.entered, ...)


class Customer(models.Model):
    """A customer profile. `external_id` is the id the business's own systems use."""

    external_id = models.CharField(max_length=255, unique=True)
    email = models.EmailField(max_length=254, blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="", help_text="E.164")
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    timezone = models.CharField(max_length=64, default="UTC")
    locale = models.CharField(max_length=16, blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # {"email": {"status": "granted", "source": "web_form", "at": "2026-..."}, ...}
    consent = models.JSONField(default=dict, blank=True)
    churn_score = models.FloatField(null=True, blank=True)
    clv = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    tier = models.CharField(max_length=32, blank=True, default="")
    # Written by apps.insights on each fit (docs/insights.md); null until first scored.
    p_alive = models.FloatField(null=True, blank=True)
    expected_purchases_90d = models.FloatField(null=True, blank=True)
    churn_reason = models.CharField(max_length=200, blank=True, default="")
    scored_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["email"], name="customer_email_idx"),
            models.Index(fields=["last_seen_at"], name="customer_last_seen_idx"),
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Event(models.Model):
    """Something a customer did or that happened to them. Idempotent by key."""

    # No index of its own: the (customer, type, occurred_at) and (customer, occurred_at)
    # indexes serve lookups by customer, and every insert maintains one index fewer.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    type = models.CharField(max_length=100)
    properties = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    # Unique through a constraint, not unique=True: that would add a second,
    # varchar_pattern_ops index (for LIKE) that every insert maintains and nothing uses.
    idempotency_key = models.CharField(max_length=255)
    source = models.CharField(max_length=16, choices=EventSource.choices, default=EventSource.API)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="event_idempotency_key_uniq")
        ]
        indexes = [
            models.Index(
                fields=["customer", "type", "occurred_at"], name="event_cust_type_time_idx"
            ),
            models.Index(fields=["customer", "occurred_at"], name="event_cust_time_idx"),
            models.Index(fields=["type", "occurred_at"], name="event_type_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class EventPending(models.Model):
    """A stored event not yet handed through events_process: written in the ingest
    statement, deleted when the handlers have run. If the broker lost the hand-off (down,
    restarted without persistence), the periodic redispatch finds the event here.
    `handed_on_at`: when it was stored and handed on, or last handed on again.
    `start_workflow_id`: a webhook call's start target, kept with the hand-off so that the
    drain starts the run in its batch (and a redispatch still knows it)."""

    event_id = models.BigIntegerField(primary_key=True)
    handed_on_at = models.DateTimeField(db_index=True)
    start_workflow_id = models.BigIntegerField(
        null=True, blank=True,
        help_text="The workflow whose webhook trigger this event starts (a webhook call); "
                  "null for events that only meet event triggers.")

    def __str__(self) -> str:
        return f"pending event {self.event_id}"


class Segment(models.Model):
    """A named condition over customers; membership is kept current (see services)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, default="")
    condition = models.JSONField()
    member_count = models.PositiveIntegerField(default=0, editable=False)
    refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentMembership(models.Model):
    # No index per foreign key: the unique (segment, customer) serves lookups by segment,
    # segment_member_customer_idx those by customer; each extra index would be written on
    # every change of membership.
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships",
                                db_index=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="segment_memberships", db_index=False
    )
    entered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "customer"], name="segment_member_unique")
        ]
        indexes = [models.Index(fields=["customer"], name="segment_member_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.segment_id}"
