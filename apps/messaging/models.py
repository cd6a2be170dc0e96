"""The outbox: one row per message a workflow asked for, whatever became of it.

States change only through the verb transitions below, called from services.py:

    queued -> sending -> sent -> delivered / opened / clicked / bounced / failed
    queued -> suppressed (a guardrail said no; `reason`)
    queued -> deferred (quiet hours, or a call outside business hours; `next_attempt_at`)
           -> queued when the time comes
    sending -> queued (429/5xx: retried later) | failed (refused or out of attempts)
    sending -> reconcile (outcome unknown: the request may have reached the provider)

A message in `reconcile` is never resent blindly: it is looked up at the provider, or
waits for a delivery webhook, or for an operator to resend or fail it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class MessageChannel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"
    CALL = "call"  # an automated outbound call (apps/messaging/calls.py)


class MessageCategory(models.TextChoices):
    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


class MessageStatus(models.TextChoices):
    QUEUED = "queued"
    DEFERRED = "deferred"
    SENDING = "sending"
    RECONCILE = "reconcile"
    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED = "bounced"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


class Reason(models.TextChoices):
    """Why a message was suppressed or deferred."""

    NO_ADDRESS = "no_address"
    NO_CONSENT = "no_consent"
    STALE_CONSENT = "stale_consent"
    SUPPRESSION_LIST = "suppression_list"
    FREQUENCY_CAP = "frequency_cap"
    TRANSACTIONAL_CAP = "transactional_cap"
    QUIET_HOURS = "quiet_hours"
    BUSINESS_HOURS = "business_hours"  # a call waits until its queue's agents work
    CUSTOMER_ERASED = "customer_erased"


S = MessageStatus
# Statuses of messages that went, or will go, to the customer: they count against caps.
COUNTED_STATUSES = (S.QUEUED, S.DEFERRED, S.SENDING, S.RECONCILE, S.SENT, S.DELIVERED,
                    S.OPENED, S.CLICKED, S.BOUNCED)
AFTER_SEND = (S.SENT, S.DELIVERED, S.OPENED, S.CLICKED)


class Message(ConcurrentTransitionMixin, models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="messages", db_index=False)  # indexes lead with it
    channel = models.CharField(max_length=8, choices=MessageChannel.choices)
    category = models.CharField(max_length=16, choices=MessageCategory.choices,
                                default=MessageCategory.MARKETING)
    to = models.CharField(max_length=254, blank=True, default="")
    subject = models.CharField(max_length=998, blank=True, default="")
    body = models.TextField()
    # e-mail: format ("html"/"text"), from_name, reply_to
    options = models.JSONField(default=dict, blank=True)
    status = FSMField(max_length=16, choices=MessageStatus.choices, default=S.QUEUED)
    reason = models.CharField(max_length=32, blank=True, default="", choices=Reason.choices)
    provider = models.CharField(max_length=32, blank=True, default="")
    provider_message_id = models.CharField(max_length=128, blank=True, default="")
    # Where it came from: plain ids, so messages outlive pruned runs.
    run_id = models.BigIntegerField(null=True, blank=True)
    workflow_id = models.BigIntegerField(null=True, blank=True)
    node_id = models.CharField(max_length=64, blank=True, default="")
    idempotency_key = models.CharField(max_length=255, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    # When it is due: now for queued, the end of quiet hours for deferred, the backoff
    # for a retry. The dispatcher scans (status, next_attempt_at).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="message_cust_created_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="message_status_due_idx"),
            # frequency caps: this customer's marketing messages on a channel since a time
            models.Index(fields=["customer", "channel", "category", "created_at"],
                         name="message_cap_idx"),
            models.Index(fields=["provider_message_id"], name="message_provider_id_idx",
                         condition=~models.Q(provider_message_id=""),),
            models.Index(fields=["workflow_id", "-created_at"], name="message_workflow_idx",
                         condition=models.Q(workflow_id__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} to {self.customer_id}: {self.status}"

    # --- transitions (call through services.py) ------------------------------------------

    @transition(field=status, source=[S.QUEUED, S.DEFERRED], target=S.SUPPRESSED)
    def suppress(self, reason: str) -> None:
        self.reason = reason

    @transition(field=status, source=S.QUEUED, target=S.DEFERRED)
    def defer(self, until: datetime, reason: str = Reason.QUIET_HOURS) -> None:
        self.reason, self.next_attempt_at = reason, until

    @transition(field=status, source=S.DEFERRED, target=S.QUEUED)
    def release(self) -> None:
        """The deferral is over: send it now (the guardrails are checked again)."""

    @transition(field=status, source=S.QUEUED, target=S.SENDING)
    def start_sending(self, now: datetime) -> None:
        self.attempts += 1
        self.sending_at = now

    @transition(field=status, source=S.SENDING, target=S.QUEUED)
    def retry_later(self, error: str, at: datetime) -> None:
        self.error, self.next_attempt_at = error, at

    @transition(field=status, source=[S.SENDING, S.RECONCILE], target=S.SENT)
    def mark_sent(self, provider_message_id: str, now: datetime) -> None:
        self.provider_message_id = provider_message_id or self.provider_message_id
        self.sent_at = self.sent_at or now
        self.error = ""

    @transition(field=status, source=S.SENDING, target=S.RECONCILE)
    def mark_unknown(self, error: str) -> None:
        self.error = error

    @transition(field=status, source=S.RECONCILE, target=S.QUEUED)
    def resend(self, now: datetime) -> None:
        """An operator checked the provider and found nothing: send again."""
        self.next_attempt_at = now

    @transition(field=status, source=[S.QUEUED, S.SENDING, S.RECONCILE, *AFTER_SEND],
                target=S.FAILED)
    def fail(self, error: str, now: datetime) -> None:
        self.error, self.failed_at = error, now

    # delivery webhooks (they may arrive out of order, or for a message in reconcile)
    @transition(field=status, source=[S.SENDING, S.RECONCILE, S.SENT], target=S.DELIVERED)
    def deliver(self, now: datetime) -> None:
        self.delivered_at = self.delivered_at or now
        self.sent_at = self.sent_at or now

    @transition(field=status, source=[S.SENDING, S.RECONCILE, S.SENT, S.DELIVERED],
                target=S.OPENED)
    def open(self, now: datetime) -> None:
        self.opened_at = self.opened_at or now

    @transition(field=status, source=[S.SENDING, S.RECONCILE, S.SENT, S.DELIVERED, S.OPENED],
                target=S.CLICKED)
    def click(self, now: datetime) -> None:
        self.clicked_at = self.clicked_at or now

    @transition(field=status, source=[S.SENDING, S.RECONCILE, S.SENT, S.DELIVERED],
                target=S.BOUNCED)
    def bounce(self, error: str, now: datetime) -> None:
        self.error, self.failed_at = error, now


class Suppression(models.Model):
    """An address no message may go to: hard bounces, spam complaints, or an operator's
    entry. Checked for every message, transactional ones too."""

    channel = models.CharField(max_length=8, choices=MessageChannel.choices)
    address = models.CharField(max_length=254, help_text="e-mail (lower case) or E.164 number")
    reason = models.CharField(max_length=64, default="manual",
                              help_text="bounce, spamreport, manual, ...")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["channel", "address"],
                                               name="suppression_unique")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} ({self.reason})"
