"""Fitted churn and spend models: one row per fit attempt, the newest converged one is
the current model (a failed fit keeps the previous one and says why)."""

from django.conf import settings
from django.db import models

# The contract customers' rule score signals, in the order they are shown.
SIGNALS = ("contract_end", "feedback", "complaints", "inactivity", "cancellation")


class ModelFit(models.Model):
    fitted_at = models.DateTimeField()
    as_of = models.DateField(help_text="Purchases up to and including this day were used.")
    customers = models.PositiveIntegerField(help_text="Customers with at least one purchase.")
    repeat_customers = models.PositiveIntegerField(default=0)
    converged = models.BooleanField()
    reason = models.TextField(blank=True, default="", help_text="Why the fit was not used.")
    # BG/NBD, time unit: weeks (days / 7) as in the paper.
    r = models.FloatField(null=True, blank=True)
    alpha = models.FloatField(null=True, blank=True)
    a = models.FloatField(null=True, blank=True)
    b = models.FloatField(null=True, blank=True)
    log_likelihood = models.FloatField(null=True, blank=True)
    # Gamma-Gamma; empty when too few repeat purchases had an amount.
    p = models.FloatField(null=True, blank=True)
    q = models.FloatField(null=True, blank=True)
    gamma = models.FloatField(null=True, blank=True)
    spend_log_likelihood = models.FloatField(null=True, blank=True)
    # Days from first to second purchase of the repeaters, percentiles 0..100: the
    # one-time buyers' churn score (docs/insights.md).
    repeat_gap_percentiles = models.JSONField(default=list, blank=True)
    # CLV at each tier's lower percentile: [["vip", 812.5], ...], highest first.
    tier_cuts = models.JSONField(default=list, blank=True)
    contract_customers = models.PositiveIntegerField(
        default=0, help_text="Contract customers given the rule score.")
    seconds = models.FloatField(default=0, help_text="Time to summarise, fit and score.")
    phase_seconds = models.JSONField(default=dict, blank=True,
                                     help_text="Seconds per phase: summary, fit, score, write.")

    class Meta:
        ordering = ["-fitted_at", "-id"]
        indexes = [models.Index(fields=["converged", "-fitted_at"], name="modelfit_current_idx")]

    def __str__(self) -> str:
        state = "converged" if self.converged else "not converged"
        return f"fit as of {self.as_of} ({state})"


class ScorePoint(models.Model):
    """One point of a customer's score history, written by a fit only when the scores moved
    (KEEPFLOW_SCORE_HISTORY_MIN_CHANGE) or the tier changed since the customer's previous
    point, so a nightly fit over a steady base writes few rows. `at` is when the scores
    held: the fit's time, or noon UTC of an earlier as-of day (docs/insights.md)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="score_points", db_index=False)
    at = models.DateTimeField()
    as_of = models.DateField(help_text="The fit's as-of day.")
    # No index: fits are not deleted in normal operation, and each index costs every write.
    fit = models.ForeignKey(ModelFit, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+", db_index=False)
    churn_score = models.FloatField()
    p_alive = models.FloatField()
    clv = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    tier = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["customer_id", "at"]
        constraints = [models.UniqueConstraint(fields=["customer", "at"],
                                               name="scorepoint_customer_at_uniq")]

    def __str__(self) -> str:
        return f"customer {self.customer_id} at {self.at:%Y-%m-%d}: {self.churn_score:.2f}"
class InsightsSettings(models.Model):
    """What an admin sets on the churn score settings page: one row (pk 1). Until it is
    first saved, the environment's settings are the values (`insights_settings_get`)."""

    SINGLETON_ID = 1

    # Crossings (churn_score.crossed) and CLV tiers, for every customer.
    churn_score_threshold = models.FloatField()
    p_alive_threshold = models.FloatField()
    tiers = models.JSONField(help_text='[["vip", 0.95], ...]: highest first, the CLV '
                                       "percentile of each tier's lower bound.")
    # The contract customers' rule score.
    contract_attribute = models.CharField(max_length=64)
    weights = models.JSONField(help_text="Weight per signal: " + ", ".join(SIGNALS))
    contract_horizon_days = models.PositiveIntegerField()
    feedback_event = models.CharField(max_length=100)
    feedback_field = models.CharField(max_length=100)
    feedback_scale = models.FloatField()
    complaint_event = models.CharField(max_length=100)
    complaint_window_days = models.PositiveIntegerField()
    complaints_full = models.PositiveIntegerField()
    inactivity_full_ratio = models.FloatField()
    default_rhythm_days = models.PositiveIntegerField()
    cancellation_event = models.CharField(max_length=100)
    cancellation_window_days = models.PositiveIntegerField()
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "insights settings"

    def __str__(self) -> str:
        return "insights settings"


class ChurnBreakdown(models.Model):
    """Why a contract customer has their rule score: one row per contract customer,
    replaced on each scoring. `signals` is what the customer page shows; `values` the
    signals normalised to 0..1, for the settings page's preview."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE,
                                    primary_key=True, related_name="churn_breakdown")
    score = models.FloatField()
    # [{"signal", "weight", "value", "points", "words", "raw"}], most points first.
    signals = models.JSONField()
    values = models.JSONField(help_text="{signal: normalised value 0..1}")
    computed_at = models.DateTimeField()
    as_of = models.DateField()

    def __str__(self) -> str:
        return f"breakdown of customer {self.customer_id}"
