"""Keepflow as the host of the block library (blocks/host.py): the template check, the
condition language, event-type names, SMS sizes and locale tags that blocks ask for.

Blocks import no app; the apps hand them these rules here, installed once from
`WorkflowsConfig.ready()`. The rules stay where the rest of Keepflow uses them too
(templating and locales in apps.common, conditions and event types in apps.customers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.common.locale_filters import locale_normalize
from apps.common.templating import sms_segments, template_check
from apps.customers.conditions import ConditionError, condition_validate
from apps.customers.validators import EVENT_TYPE_HINT, EVENT_TYPE_PATTERN
from blocks.host import ConditionIssue, ConditionRoot, SmsSize, TemplateIssue


class KeepflowBlockHost:
    """blocks.host.BlockHost over the apps' own functions."""

    event_type_pattern = EVENT_TYPE_PATTERN
    event_type_hint = EVENT_TYPE_HINT

    def template_check(self, text: str) -> list[TemplateIssue]:
        return list(template_check(text))

    def condition_issues(self, condition: Mapping[str, Any], *,
                         root: ConditionRoot = "event") -> list[ConditionIssue]:
        try:
            condition_validate(condition, root=root)
        except ConditionError as exc:
            return [{"path": issue.path, "code": issue.code, "message": issue.message}
                    for issue in exc.issues]
        return []

    def sms_size(self, text: str) -> SmsSize:
        return sms_segments(text)

    def locale_normalize(self, tag: str | None) -> str:
        return locale_normalize(tag)
