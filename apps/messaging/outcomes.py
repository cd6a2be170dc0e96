"""A message's outcome in plain words. A run whose only text was suppressed ends
`completed` like one that sent it; the runs API and the run inspector show each message's
outcome so the difference is visible ("not sent: no phone number")."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.messaging.models import MessageChannel, MessageStatus, Reason

S = MessageStatus


def _reason_text(channel: str, reason: str) -> str:
    if reason == Reason.NO_ADDRESS:
        return _("no e-mail address") if channel == MessageChannel.EMAIL else \
            _("no phone number")
    return {
        Reason.NO_CONSENT: _("no consent for this channel"),
        Reason.STALE_CONSENT: _("consent too old"),
        Reason.SUPPRESSION_LIST: _("on the suppression list"),
        Reason.FREQUENCY_CAP: _("frequency cap reached"),
        Reason.QUIET_HOURS: _("quiet hours"),
        Reason.CUSTOMER_ERASED: _("customer erased"),
    }.get(reason, reason)


def _call_words(call_outcome: str) -> str:
    return {
        "answered": _("answered"), "voicemail": _("reached the voicemail"),
        "no_answer": _("not answered"), "busy": _("line busy"),
        "failed": _("the call failed"), "not_called": _("not called"),
    }.get(call_outcome, call_outcome)


def message_outcome(channel: str, status: str, reason: str,
                    call_outcome: str | None = None) -> str:
    """What became of the message, e.g. "sent", "deferred: quiet hours",
    "not sent: no phone number"; a call by how it ended ("not answered", "line busy")."""
    if channel == MessageChannel.CALL and call_outcome:
        return _call_words(call_outcome)
    if channel == MessageChannel.CALL and status in (S.SENT, S.SENDING, S.RECONCILE):
        return _("calling")
    if status == S.SUPPRESSED:
        return _("not sent: %(reason)s") % {"reason": _reason_text(channel, reason)}
    if status == S.DEFERRED:
        return _("deferred: %(reason)s") % {"reason": _reason_text(channel, reason)}
    return {
        S.QUEUED: _("queued"), S.SENDING: _("sending"), S.RECONCILE: _("sending"),
        S.SENT: _("sent"), S.DELIVERED: _("delivered"), S.OPENED: _("opened"),
        S.CLICKED: _("clicked"), S.BOUNCED: _("not delivered: bounced"),
        S.FAILED: _("not sent: the provider failed"),
    }.get(status, status)
