"""The workflow report's daily rollup (docs/reports.md#how-it-is-computed).

One row per (workflow, UTC day, previous entry day, version, holdout, node): how many
customers had their first entry of that day there, and how many of them reached the
goal (with the sum and the sum of squares of their goal values), counting the goal events
up to the rollup's watermark. The node is "" for everyone who entered, else a node their
run passed (its `visits`), for the report per node. The previous entry day (the
customer's last entry day before, null when none) lets a report over any whole-day
period keep each customer's first entry in the period: entries on day D whose previous
entry day is before `from`.
"""

from __future__ import annotations

from django.db import models


class ReportDay(models.Model):
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE,
                                 related_name="+", db_index=False)
    version = models.ForeignKey("workflows.WorkflowVersion", on_delete=models.CASCADE,
                                related_name="+", db_index=False)
    holdout = models.CharField(max_length=8, blank=True, default="")
    node_id = models.CharField(max_length=64, blank=True, default="")
    day = models.DateField()
    prev_day = models.DateField(null=True, blank=True)
    customers = models.PositiveIntegerField(default=0)
    converted = models.IntegerField(default=0)
    value = models.FloatField(default=0.0)
    value_squares = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            # Leads with (workflow, day): the report reads a workflow's days in a period.
            models.UniqueConstraint(fields=["workflow", "day", "prev_day", "version", "holdout",
                                                    "node_id"],
                                    name="report_day_unique", nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"workflow {self.workflow_id} {self.day} ({self.customers})"


class ReportRollup(models.Model):
    """How far a workflow's rollup reaches: days before `through_day`, for the goal
    `goal_key`, with the goal events up to id `event_watermark`."""

    workflow = models.OneToOneField("workflows.Workflow", on_delete=models.CASCADE,
                                    primary_key=True, related_name="+")
    goal_key = models.TextField(blank=True, default="")
    through_day = models.DateField()
    event_watermark = models.BigIntegerField(default=0)
    built_at = models.DateTimeField(help_text="The last full rebuild.")
    advanced_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"workflow {self.workflow_id} through {self.through_day}"


class RetentionSnapshot(models.Model):
    """The dashboard's monthly retention for one definition of "a customer" and one
    segment (or all customers), as the API serialises it, so a dashboard visit reads one
    row instead of running the 6-second statement (docs/reports.md#on-the-dashboard).

    `rule_key` holds the settings it was computed with (k, the rhythm, the threshold, the
    contract attribute, the purchase event): a change to the churn settings makes the row
    stale at once. The beat task recomputes the rows asked for in the last days."""

    definition = models.CharField(max_length=16)
    segment = models.ForeignKey("customers.Segment", on_delete=models.CASCADE, null=True,
                                blank=True, related_name="+", db_index=False)
    rule_key = models.TextField()
    end_day = models.DateField(help_text="The period's end (exclusive): the day computed.")
    report = models.JSONField()
    computed_at = models.DateTimeField()
    requested_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["definition", "segment"],
                                    name="retention_snapshot_unique", nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"{self.definition} segment {self.segment_id} at {self.computed_at}"
