"""A message's outcome in words, as the runs API and the run inspector show it."""

from __future__ import annotations

import pytest

from apps.messaging.outcomes import message_outcome


@pytest.mark.parametrize(("case", "channel", "status", "reason", "words"), [
    ("text without number", "sms", "suppressed", "no_address", "not sent: no phone number"),
    ("mail without address", "email", "suppressed", "no_address",
     "not sent: no e-mail address"),
    ("no consent", "sms", "suppressed", "no_consent", "not sent: no consent for this channel"),
    ("capped", "email", "suppressed", "frequency_cap", "not sent: frequency cap reached"),
    ("quiet hours", "sms", "deferred", "quiet_hours", "deferred: quiet hours"),
    ("waiting for delivery", "sms", "queued", "", "queued"),
    ("provider took it", "sms", "sent", "", "sent"),
    ("provider failed", "email", "failed", "", "not sent: the provider failed"),
    ("bounced", "email", "bounced", "", "not delivered: bounced"),
])
def test_message_outcome_in_words(case, channel, status, reason, words) -> None:
    assert message_outcome(channel, status, reason) == words, case
