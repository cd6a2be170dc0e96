"""Messaging: providers, their credentials and the guardrails (docs/messaging.md).

Credentials come from the environment only; nothing here is ever shown by the API.
"""

import environ

env = environ.Env()

# Which provider sends each channel: "console" records only (the default for `make run`).
KEEPFLOW_EMAIL_PROVIDER = env.str("KEEPFLOW_EMAIL_PROVIDER", default="console")
KEEPFLOW_SMS_PROVIDER = env.str("KEEPFLOW_SMS_PROVIDER", default="console")
# Automated outbound calls (action.call): "twilio" (Twilio Voice) or "console".
KEEPFLOW_CALL_PROVIDER = env.str("KEEPFLOW_CALL_PROVIDER", default="console")

# The address the world reaches Keepflow at: unsubscribe links, Twilio status callbacks,
# and the URL Twilio signs (behind a proxy, request.build_absolute_uri() would differ).
KEEPFLOW_PUBLIC_URL = env.str("KEEPFLOW_PUBLIC_URL", default="http://127.0.0.1:8000")

SENDGRID_API_KEY = env.str("SENDGRID_API_KEY", default="")
SENDGRID_API_HOST = env.str("SENDGRID_API_HOST", default="https://api.sendgrid.com")
SENDGRID_FROM_EMAIL = env.str("SENDGRID_FROM_EMAIL", default="noreply@example.com")
SENDGRID_FROM_NAME = env.str("SENDGRID_FROM_NAME", default="")
# Event Webhook > Signature Verification: the base64 public key SendGrid shows.
SENDGRID_WEBHOOK_PUBLIC_KEY = env.str("SENDGRID_WEBHOOK_PUBLIC_KEY", default="")
# A signed batch whose timestamp is further than this from now (either way) is refused: a
# captured request cannot be replayed later. SendGrid posts within seconds of signing.
SENDGRID_WEBHOOK_MAX_AGE_SECONDS = env.int("SENDGRID_WEBHOOK_MAX_AGE_SECONDS", default=300)

TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="https://api.twilio.com")

# Provider calls: timeout per request, attempts on 429/5xx, exponential backoff.
KEEPFLOW_PROVIDER_TIMEOUT_SECONDS = env.float("KEEPFLOW_PROVIDER_TIMEOUT_SECONDS", default=15.0)
# Deliveries: messages per delivery task, and provider calls a task makes at once.
KEEPFLOW_DELIVERY_BATCH = env.int("KEEPFLOW_DELIVERY_BATCH", default=50)
KEEPFLOW_DELIVERY_CONCURRENCY = env.int("KEEPFLOW_DELIVERY_CONCURRENCY", default=8)
KEEPFLOW_MESSAGE_MAX_ATTEMPTS = env.int("KEEPFLOW_MESSAGE_MAX_ATTEMPTS", default=5)
KEEPFLOW_MESSAGE_RETRY_BASE_SECONDS = env.float("KEEPFLOW_MESSAGE_RETRY_BASE_SECONDS",
                                                default=30.0)
KEEPFLOW_MESSAGE_RETRY_MAX_SECONDS = env.float("KEEPFLOW_MESSAGE_RETRY_MAX_SECONDS",
                                               default=3600.0)
# A message left in `sending` this long (its worker died mid-call) goes to reconcile.
KEEPFLOW_MESSAGE_SENDING_STALE_SECONDS = env.int("KEEPFLOW_MESSAGE_SENDING_STALE_SECONDS",
                                                 default=600)
# An unknown outcome is looked up at the provider after this delay.
KEEPFLOW_MESSAGE_RECONCILE_DELAY_SECONDS = env.float(
    "KEEPFLOW_MESSAGE_RECONCILE_DELAY_SECONDS", default=120.0
)

# Guardrails. Frequency cap per customer and channel across all workflows: at most
# `count` marketing messages in `days` days (transactional messages are exempt).
KEEPFLOW_FREQUENCY_CAPS = {
    "email": {"count": env.int("KEEPFLOW_EMAIL_CAP_COUNT", default=3),
              "days": env.int("KEEPFLOW_EMAIL_CAP_DAYS", default=7)},
    "sms": {"count": env.int("KEEPFLOW_SMS_CAP_COUNT", default=3),
            "days": env.int("KEEPFLOW_SMS_CAP_DAYS", default=7)},
    "call": {"count": env.int("KEEPFLOW_CALL_CAP_COUNT", default=2),
             "days": env.int("KEEPFLOW_CALL_CAP_DAYS", default=7)},
}
# Transactional messages skip the marketing cap but not this one: at most `count` per
# customer and channel in `hours` hours, so a workflow that loops cannot flood anyone.
KEEPFLOW_TRANSACTIONAL_CAPS = {
    "email": {"count": env.int("KEEPFLOW_EMAIL_TRANSACTIONAL_CAP_COUNT", default=10),
              "hours": env.int("KEEPFLOW_EMAIL_TRANSACTIONAL_CAP_HOURS", default=1)},
    "sms": {"count": env.int("KEEPFLOW_SMS_TRANSACTIONAL_CAP_COUNT", default=5),
            "hours": env.int("KEEPFLOW_SMS_TRANSACTIONAL_CAP_HOURS", default=1)},
    "call": {"count": env.int("KEEPFLOW_CALL_TRANSACTIONAL_CAP_COUNT", default=3),
             "hours": env.int("KEEPFLOW_CALL_TRANSACTIONAL_CAP_HOURS", default=1)},
}
# Rendered size limits, checked after customer data is inserted: a larger message fails
# (recorded as failed with the reason, never sent). Ten segments is 1,530 GSM-7 or 670
# UCS-2 characters; subjects past ~78 characters are cut by most mail clients anyway.
KEEPFLOW_SMS_MAX_SEGMENTS = env.int("KEEPFLOW_SMS_MAX_SEGMENTS", default=10)
KEEPFLOW_EMAIL_MAX_SUBJECT_CHARS = env.int("KEEPFLOW_EMAIL_MAX_SUBJECT_CHARS", default=255)
KEEPFLOW_EMAIL_MAX_BODY_BYTES = env.int("KEEPFLOW_EMAIL_MAX_BODY_BYTES", default=256 * 1024)
# Quiet hours in the customer's time zone ("21:00-08:00"; empty turns them off).
KEEPFLOW_QUIET_HOURS = env.str("KEEPFLOW_QUIET_HOURS", default="21:00-08:00")
# An e-mail opt-in with no engagement (open, click, any activity) for this long is stale.
KEEPFLOW_STALE_CONSENT_DAYS = env.int("KEEPFLOW_STALE_CONSENT_DAYS", default=730)
