"""The workflow's control group: `settings.control_percent` of the customers who enter
are held out at entry, whatever the trigger. The assignment is stable per customer and
workflow (the same sha256 buckets as flow.split, under a key no node id can take), so a
customer who enters again stays in their group and the comparison stays clean.

A held-out customer is recorded as entered (a run with its trigger event) that ends at
once, `exited` with the reason `held_out`, and gets nothing; the report counts their
conversions against the treated customers'."""

from __future__ import annotations

from blocks.flow.split import BUCKETS, split_bucket

# Node ids match [A-Za-z0-9_.:-]+, so no split node can share this key and correlate.
CONTROL_KEY = "#control"
HELD_OUT = "held_out"  # the run's exit_reason


def holdout_is_held_out(workflow_id: int, customer_id: int, control_percent: int) -> bool:
    """Whether this customer is in the workflow's control group (pure, no query)."""
    if control_percent <= 0:
        return False
    return split_bucket(workflow_id, CONTROL_KEY, customer_id) < control_percent * BUCKETS // 100
