"""Fitted churn and spend models: one row per fit attempt, the newest converged one is
the current model (a failed fit keeps the previous one and says why)."""

from django.db import models


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
