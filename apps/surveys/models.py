"""Exit reasons an admin configures, and the exit surveys workflows send.

An ExitSurvey is one signed link sent to one customer by the `action.exit_survey` block;
its answer is kept on the row (the report counts these) and recorded as the customer event
`exit_survey.answered` (triggers, timeline)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models

REASON_CODE_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
LANGUAGES = ("en", "de", "ru")


# The largest position the API accepts; a new reason goes last, at most here.
MAX_POSITION = 100_000


class ExitReason(models.Model):
    code = models.CharField(
        max_length=40, unique=True,
        validators=[RegexValidator(REASON_CODE_PATTERN,
                                   "lower-case letters, digits and _, starting with a letter")],
        help_text="Stable id in events and reports, e.g. too_expensive; cannot change.")
    label_en = models.CharField(max_length=120)
    label_de = models.CharField(max_length=120, blank=True, default="",
                                help_text="Empty: the English label.")
    label_ru = models.CharField(max_length=120, blank=True, default="",
                                help_text="Empty: the English label.")
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True,
                                 help_text="Inactive reasons are no longer offered.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.code

    def label(self, language: str) -> str:
        return getattr(self, f"label_{language}", "") or self.label_en


class ExitSurveyChannel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"


class ExitSurvey(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="exit_surveys")
    channel = models.CharField(max_length=8, choices=ExitSurveyChannel.choices)
    reason_codes = ArrayField(models.CharField(max_length=40), default=list, blank=True,
                              help_text="The reasons offered; empty: every active one.")
    expires_at = models.DateTimeField()
    # The message carries the same key (run, node, visit): the report joins on it to count
    # only surveys whose message went out.
    idempotency_key = models.CharField(max_length=255, unique=True)
    run_id = models.BigIntegerField(null=True, blank=True)
    workflow_id = models.BigIntegerField(null=True, blank=True)
    node_id = models.CharField(max_length=64, blank=True, default="")
    # The block's own words for the page (its language variant); empty: the standard ones.
    question = models.CharField(max_length=300, blank=True, default="")
    intro = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    reason_code = models.CharField(max_length=40, blank=True, default="")
    free_text = models.TextField(blank=True, default="")
    answer_event_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], name="exit_survey_created_idx"),
            models.Index(fields=["answered_at"], name="exit_survey_answered_idx"),
            models.Index(fields=["customer", "created_at"], name="exit_survey_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"exit survey #{self.pk} to {self.customer_id}"
