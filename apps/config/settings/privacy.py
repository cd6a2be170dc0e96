"""Erasure and retention of customers' personal data (docs/security.md)."""

import environ

env = environ.Env()

# Storage limitation (GDPR art. 5(1)(e)): customers with no event for this many months
# (never-seen ones: since they were created) are erased by the beat task
# customers.retention_erase, like DELETE /api/v1/customers/{id}. 0 (the default): off.
KEEPFLOW_RETENTION = {
    "INACTIVE_MONTHS": env.int("KEEPFLOW_RETENTION_INACTIVE_MONTHS", default=0),
    # Customers erased per transaction, and transactions per beat tick.
    "BATCH": env.int("KEEPFLOW_RETENTION_BATCH", default=200),
    "MAX_BATCHES": env.int("KEEPFLOW_RETENTION_MAX_BATCHES", default=50),
}
