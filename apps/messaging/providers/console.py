"""The console provider: sends nothing. The outbox row is the record; a log line says what
would have gone out. The default for `make run` and development."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apps.messaging.providers import LookupResult, SendResult

if TYPE_CHECKING:
    from apps.messaging.models import Message

log = logging.getLogger("keepflow.messaging.console")


class ConsoleProvider:
    name = "console"
    remote = False

    def send(self, message: Message) -> SendResult:
        log.info("%s #%s to %s: %s", message.channel, message.pk, message.to,
                 message.subject or message.body[:80])
        return SendResult("sent", provider_message_id=f"console-{message.pk}")

    def lookup(self, message: Message) -> LookupResult:
        # Console sends cannot get lost: what was recorded was "sent".
        return LookupResult(found=True, provider_message_id=f"console-{message.pk}")
