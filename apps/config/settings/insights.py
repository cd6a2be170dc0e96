"""Churn and lifetime-value insights (apps.insights, docs/insights.md)."""

import environ
from celery.schedules import crontab

env = environ.Env()

KEEPFLOW_INSIGHTS = {
    # Which events are purchases, and where their amount is (a path in the event).
    "PURCHASE_EVENT": env.str("KEEPFLOW_PURCHASE_EVENT", default="order.completed"),
    "AMOUNT_FIELD": env.str("KEEPFLOW_PURCHASE_AMOUNT_FIELD", default="properties.amount"),
    # CLV: yearly discount rate and horizon in months (one discounted step per 30 days).
    "CLV_DISCOUNT_RATE": env.float("KEEPFLOW_CLV_DISCOUNT_RATE", default=0.10),
    "CLV_HORIZON_MONTHS": env.int("KEEPFLOW_CLV_HORIZON_MONTHS", default=12),
    # Crossings that emit churn_score.crossed: a churn score rising to or above this,
    # P(alive) falling below this, or the tier changing.
    "CHURN_SCORE_THRESHOLD": env.float("KEEPFLOW_CHURN_SCORE_THRESHOLD", default=0.7),
    "P_ALIVE_THRESHOLD": env.float("KEEPFLOW_P_ALIVE_THRESHOLD", default=0.3),
    # Tiers by CLV percentile (highest first): the share of scored customers below each.
    "TIERS": env.json("KEEPFLOW_CLV_TIERS", default=[["vip", 0.95], ["high", 0.80],
                                                      ["standard", 0.40], ["low", 0.0]]),
    # Customers per SQL batch when summarising purchases and writing scores.
    "BATCH_SIZE": env.int("KEEPFLOW_INSIGHTS_BATCH_SIZE", default=50_000),
    # Score history: a fit stores a point for a customer only when the churn score or
    # P(alive) moved at least this much since their previous point, or the tier changed;
    # the nightly job deletes points older than the retention (each customer's newest stays).
    "HISTORY_MIN_CHANGE": env.float("KEEPFLOW_SCORE_HISTORY_MIN_CHANGE", default=0.01),
    "HISTORY_RETENTION_DAYS": env.int("KEEPFLOW_SCORE_HISTORY_RETENTION_DAYS", default=730),
}

# The contract customers' rule score (docs/insights.md, "Contract customers"): the
# defaults of the settings page until an admin saves it. A JSON object overrides keys.
KEEPFLOW_CONTRACT_RULES = {
    # A customer whose attribute holds a date (YYYY-MM-DD...) is a contract customer.
    "contract_attribute": "contract_end",
    # Weight of each signal; the score is the weighted mean of the signals (each 0..1).
    "weights": {"contract_end": 0.25, "feedback": 0.2, "complaints": 0.15,
                "inactivity": 0.1, "cancellation": 0.3},
    "contract_horizon_days": 90,  # the contract-end signal rises over the last N days
    "feedback_event": "feedback.submitted",
    "feedback_field": "properties.score",
    "feedback_scale": 10,  # the best score: 10 on the NPS scale of 0..10
    "complaint_event": "support.ticket_opened",
    "complaint_window_days": 90,
    "complaints_full": 3,  # this many complaints in the window count as full risk
    "inactivity_full_ratio": 3.0,  # silence of 3x the usual gap counts as full risk
    "default_rhythm_days": 30,  # the usual gap of a customer with too few active days
    "cancellation_event": "cancellation.requested",
    "cancellation_window_days": 90,
    **env.json("KEEPFLOW_CONTRACT_RULES", default={}),
}

# The nightly fit: a crontab in UTC ("minute hour day month weekday").
KEEPFLOW_CHURN_FIT_CRON = env.str("KEEPFLOW_CHURN_FIT_CRON", default="30 2 * * *")
_minute, _hour, _day, _month, _weekday = KEEPFLOW_CHURN_FIT_CRON.split()
INSIGHTS_BEAT_SCHEDULE = {
    "insights-churn-fit": {
        "task": "apps.insights.tasks.churn_fit_nightly",
        "schedule": crontab(minute=_minute, hour=_hour, day_of_month=_day,
                            month_of_year=_month, day_of_week=_weekday),
    },
}
