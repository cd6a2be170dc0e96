"""Agent tasks and offers (docs/tasks.md)."""

import environ

env = environ.Env()

# Business hours that task due times move into, unless the queue has its own (a TaskQueue
# row in the admin). Weekdays: 0 = Monday … 6 = Sunday; hours in `timezone`.
KEEPFLOW_BUSINESS_HOURS = {
    "timezone": env.str("KEEPFLOW_BUSINESS_TIMEZONE", default="UTC"),
    "weekdays": env.list("KEEPFLOW_BUSINESS_WEEKDAYS", cast=int, default=[0, 1, 2, 3, 4]),
    "opens": env.str("KEEPFLOW_BUSINESS_OPENS", default="09:00"),
    "closes": env.str("KEEPFLOW_BUSINESS_CLOSES", default="17:00"),
}

# The response target of queues without their own (minutes of open hours; a TaskQueue
# row's target wins). Unset: no target, tasks have no SLA.
KEEPFLOW_TASK_RESPONSE_TARGET_MINUTES = env.int("KEEPFLOW_TASK_RESPONSE_TARGET_MINUTES",
                                                default=0) or None
