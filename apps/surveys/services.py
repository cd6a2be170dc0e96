"""Writes for exit surveys: create one (from the workflow block), answer it (from the
hosted page), and manage the reasons an admin offers.

The link is `/s/<token>`: the survey's id signed with Django's signing (no guessable
ids), deterministic so a message re-rendered after a retry carries the same link; the
survey's own expires_at decides how long it works. The first answer counts: the row is
locked while answering, and the event's idempotency key comes from the token, so a
double submit never records two answers."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.common.redis import redis_client
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, EventSource
from apps.surveys.models import MAX_POSITION, ExitReason, ExitSurvey, ExitSurveyChannel

log = logging.getLogger(__name__)

LINK_SALT = "keepflow.surveys.link"
ANSWERED_EVENT = "exit_survey.answered"
FREE_TEXT_LIMIT = 2000


class SurveyLinkInvalid(Exception):
    """A link whose signature does not check out, or whose survey is gone."""


class SurveyLinkExpired(Exception):
    """A genuine link to a survey past its expiry."""


class SurveyAnswerInvalid(Exception):
    """An answer the page must ask again for; `field` names the input."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True)
class SurveyAnswer:
    survey: ExitSurvey
    already_answered: bool  # True: an earlier answer counts, this one changed nothing


def exit_survey_token(survey_id: int) -> str:
    return signing.Signer(salt=LINK_SALT).sign_object({"s": survey_id})


def exit_survey_url(survey: ExitSurvey) -> str:
    path = reverse("exit-survey", kwargs={"token": exit_survey_token(survey.pk)})
    return settings.KEEPFLOW_PUBLIC_URL.rstrip("/") + path


def exit_survey_result(survey: ExitSurvey) -> dict[str, Any]:
    """What the workflow (and templates, as survey.*) sees."""
    return {"survey_id": survey.pk, "url": exit_survey_url(survey),
            "expires_at": survey.expires_at.isoformat()}


def exit_survey_create(*, customer: Customer, channel: str, reason_codes: Sequence[str],
                       expires_at: dt.datetime, idempotency_key: str,
                       question: str = "", intro: str = "",
                       run_id: int | None = None, workflow_id: int | None = None,
                       node_id: str = "", now: dt.datetime | None = None) -> dict[str, Any]:
    """One survey per idempotency key (run, node, visit); a repeated key returns the first."""
    if channel not in ExitSurveyChannel.values:
        raise ValueError(f"channel: one of {', '.join(ExitSurveyChannel.values)}")
    existing = ExitSurvey.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return exit_survey_result(existing)
    survey = ExitSurvey(customer=customer, channel=channel, reason_codes=list(reason_codes),
                        expires_at=expires_at, idempotency_key=idempotency_key,
                        question=question, intro=intro, run_id=run_id,
                        workflow_id=workflow_id, node_id=node_id,
                        created_at=now or timezone.now())
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            survey.save()
    except IntegrityError:
        return exit_survey_result(ExitSurvey.objects.get(idempotency_key=idempotency_key))
    return exit_survey_result(survey)


def exit_survey_from_token(token: str, *, now: dt.datetime | None = None) -> ExitSurvey:
    try:
        data = signing.Signer(salt=LINK_SALT).unsign_object(token)
        survey = ExitSurvey.objects.select_related("customer").get(pk=int(data["s"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError,
            ExitSurvey.DoesNotExist) as exc:
        raise SurveyLinkInvalid from exc
    if survey.customer.erased_at is not None:
        raise SurveyLinkInvalid
    if survey.answered_at is None and survey.expires_at <= (now or timezone.now()):
        raise SurveyLinkExpired
    return survey


def exit_survey_reasons(survey: ExitSurvey) -> list[ExitReason]:
    """The active reasons the block chose, in the admin's order; all active ones if the
    block chose none (or none of its choices is still active)."""
    active = list(ExitReason.objects.filter(active=True).order_by("position", "id"))
    chosen = [reason for reason in active if reason.code in survey.reason_codes]
    return chosen or active


def _answer_key(token: str) -> str:
    return "exit_survey:" + hashlib.sha256(token.encode()).hexdigest()[:40]


def exit_survey_answer(token: str, *, reason_code: str, free_text: str = "",
                       language: str = "en", now: dt.datetime | None = None) -> SurveyAnswer:
    """Record the customer's answer once and emit `exit_survey.answered` through the
    normal ingest path (workflows can trigger on it; it shows on the timeline)."""
    now = now or timezone.now()
    survey = exit_survey_from_token(token, now=now)
    if survey.answered_at is not None:
        return SurveyAnswer(survey, already_answered=True)
    reasons = {reason.code: reason for reason in exit_survey_reasons(survey)}
    reason = reasons.get((reason_code or "").strip())
    if reason is None:
        raise SurveyAnswerInvalid("reason", "required" if not reason_code else "invalid_choice")
    free_text = (free_text or "").strip()
    if len(free_text) > FREE_TEXT_LIMIT:
        raise SurveyAnswerInvalid("free_text", "max_length")
    with transaction.atomic():
        survey = ExitSurvey.objects.select_for_update().select_related("customer").get(
            pk=survey.pk)
        if survey.answered_at is not None:  # a concurrent submit won
            return SurveyAnswer(survey, already_answered=True)
        [result] = events_ingest([EventIn(
            customer_external_id=survey.customer.external_id, type=ANSWERED_EVENT,
            properties={"reason_code": reason.code, "reason_label": reason.label_en,
                        "free_text": free_text, "survey_id": survey.pk,
                        "workflow_id": survey.workflow_id, "run_id": survey.run_id,
                        "node_id": survey.node_id or None, "channel": survey.channel,
                        "language": language},
            occurred_at=now, idempotency_key=_answer_key(token),
        )], source=EventSource.INTERNAL)
        survey.answered_at = now
        survey.reason_code = reason.code
        survey.free_text = free_text
        survey.answer_event_id = result.event_id
        survey.save(update_fields=["answered_at", "reason_code", "free_text",
                                   "answer_event_id"])
    return SurveyAnswer(survey, already_answered=False)


def exit_survey_rate_limited(ip: str) -> bool:
    """True once one address made more than KEEPFLOW_SURVEY_RATE_LIMIT survey requests in
    KEEPFLOW_SURVEY_RATE_WINDOW_SECONDS (link guessing, form flooding). Without Redis the
    page still works (logged): a survey must not become an outage."""
    key = "keepflow:survey-rate:" + hashlib.sha256(ip.encode()).hexdigest()[:32]
    try:
        with redis_client(settings.REDIS_URL).pipeline() as pipe:
            pipe.set(key, 0, ex=settings.KEEPFLOW_SURVEY_RATE_WINDOW_SECONDS, nx=True)
            pipe.incr(key)
            count = int(pipe.execute()[1])
    except Exception:  # any Redis trouble: serve the page
        log.warning("survey rate limiting unavailable (Redis)", exc_info=True)
        return False
    return count > settings.KEEPFLOW_SURVEY_RATE_LIMIT


# --- Reasons (admin) ------------------------------------------------------------------------


def exit_reason_create(*, code: str, label_en: str, label_de: str = "", label_ru: str = "",
                       active: bool = True, position: int | None = None) -> ExitReason:
    if position is None:
        last = ExitReason.objects.order_by("-position").values_list("position", flat=True)
        # At most the largest position the API accepts and documents (ties sort by id).
        position = min((last.first() or 0) + 1, MAX_POSITION)
    return ExitReason.objects.create(code=code, label_en=label_en, label_de=label_de,
                                     label_ru=label_ru, active=active, position=position)


def exit_reason_update(reason: ExitReason, **changes: Any) -> ExitReason:
    """Labels, order and active; the code never changes (answers and events name it)."""
    fields = [name for name in ("label_en", "label_de", "label_ru", "active", "position")
              if name in changes]
    for name in fields:
        setattr(reason, name, changes[name])
    if fields:
        reason.save(update_fields=[*fields, "updated_at"])
    return reason


def exit_reasons_reorder(codes: Sequence[str]) -> list[ExitReason]:
    """Positions 1..n in the given order; reasons not named keep their order after them."""
    with transaction.atomic():
        reasons = list(ExitReason.objects.select_for_update().order_by("position", "id"))
        rank = {code: index for index, code in enumerate(codes)}
        reasons.sort(key=lambda r: (rank.get(r.code, len(rank)), r.position, r.pk))
        for position, reason in enumerate(reasons, start=1):
            if reason.position != position:
                reason.position = position
                reason.save(update_fields=["position", "updated_at"])
    return reasons
