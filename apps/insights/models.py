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
