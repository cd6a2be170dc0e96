"""What a rendered message may contain, checked after rendering: templates are bounded,
but customer data inserted into them is not (a 225,000-character SMS was once recorded
as sent, and a line feed in a name reached an e-mail's headers)."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

from apps.common.templating import sms_segments

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAK = re.compile("[\r\n\u2028\u2029]+")
# What a refused message keeps of its body: enough to see what went wrong.
FAILED_BODY_KEEP = 2_000
# Twilio's <Say> takes at most 4,096 characters; a menu prompt shares the call's text.
CALL_TEXT_MAX_CHARS = 4_000


def header_clean(value: str) -> str:
    """One line for a mail header: line breaks become a space (so `Hi\\nBcc: …` cannot
    add a header), other control characters go."""
    return _CONTROL.sub("", _LINE_BREAK.sub(" ", value or "")).strip()


def content_error(channel: str, *, subject: str, body: str) -> str:
    """Why the rendered message is too large to send (empty when it may go)."""
    if channel == "call":
        limit = CALL_TEXT_MAX_CHARS
        if len(body) > limit:
            return _("the spoken text is %(length)d characters long; the limit is "
                     "%(limit)d") % {"length": len(body), "limit": limit}
        return ""
    if channel == "sms":
        size = sms_segments(body)
        limit = settings.KEEPFLOW_SMS_MAX_SEGMENTS
        if size["segments"] > limit:
            return _("the text is %(segments)d SMS segments long (%(characters)d characters, "
                     "%(encoding)s); the limit is %(limit)d segments") % {
                "segments": size["segments"], "characters": size["characters"],
                "encoding": size["encoding"], "limit": limit}
        return ""
    subject_limit = settings.KEEPFLOW_EMAIL_MAX_SUBJECT_CHARS
    if len(subject) > subject_limit:
        return _("the subject is %(length)d characters long; the limit is %(limit)d") % {
            "length": len(subject), "limit": subject_limit}
    body_bytes = len(body.encode("utf-8"))
    body_limit = settings.KEEPFLOW_EMAIL_MAX_BODY_BYTES
    if body_bytes > body_limit:
        return _("the body is %(size)d bytes long; the limit is %(limit)d bytes") % {
            "size": body_bytes, "limit": body_limit}
    return ""
