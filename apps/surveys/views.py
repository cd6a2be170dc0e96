"""The public side of exit surveys: the hosted one-question page behind the signed link.

No sign-in: the signed token is the key. The page names the customer by first name only,
speaks their language (profile locale, else the browser's), and never answers with a 500:
a tampered link is a 404 page, an expired one a 410 page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.surveys.services import (
    FREE_TEXT_LIMIT,
    SurveyAnswerInvalid,
    SurveyLinkExpired,
    SurveyLinkInvalid,
    exit_survey_answer,
    exit_survey_from_token,
    exit_survey_rate_limited,
    exit_survey_reasons,
)
from apps.surveys.texts import page_texts, survey_language


def _page(request: HttpRequest, language: str, status: int = 200,
          texts: dict[str, str] | None = None, **context: Any) -> HttpResponse:
    texts = texts or page_texts(language)
    response = render(request, "surveys/page.html",
                      {"lang": language, "t": texts, "limit": FREE_TEXT_LIMIT, **context},
                      status=status)
    # The token must not leave in a Referer to other sites; same-origin keeps the Origin
    # header of the form post (no-referrer makes it "null" and CSRF refuses the answer).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Language"] = language
    return response


def _message(request: HttpRequest, language: str, key: str, status: int) -> HttpResponse:
    texts = page_texts(language)
    return _page(request, language, status, state=key, title=texts[f"{key}_title"],
                 message=texts[key])


@never_cache
@require_http_methods(["GET", "POST"])
def exit_survey_page(request: HttpRequest, token: str) -> HttpResponse:
    browser_language = survey_language("", request.headers.get("Accept-Language", ""))
    if exit_survey_rate_limited(request.META.get("REMOTE_ADDR") or ""):
        response = _message(request, browser_language, "limited", 429)
        response["Retry-After"] = "60"
        return response
    try:
        survey = exit_survey_from_token(token)
    except SurveyLinkInvalid:
        return _message(request, browser_language, "invalid", 404)
    except SurveyLinkExpired:
        return _message(request, browser_language, "expired", 410)
    language = survey_language(survey.customer.locale,
                               request.headers.get("Accept-Language", ""))
    if survey.answered_at is not None:
        return _message(request, language, "already", 200)

    texts = {**page_texts(language),
             **{name: text for name, text in (("question", survey.question),
                                               ("title", survey.question),
                                               ("intro", survey.intro)) if text}}
    error, chosen, free_text = "", "", ""
    if request.method == "POST":
        chosen = request.POST.get("reason", "")
        free_text = request.POST.get("free_text", "")
        try:
            answer = exit_survey_answer(token, reason_code=chosen, free_text=free_text,
                                        language=language)
        except SurveyLinkInvalid:  # the customer was erased meanwhile
            return _message(request, language, "invalid", 404)
        except SurveyLinkExpired:
            return _message(request, language, "expired", 410)
        except SurveyAnswerInvalid as err:
            error = texts["choose"] if err.field == "reason" else \
                texts["text_too_long"].format(limit=FREE_TEXT_LIMIT)
        else:
            return _message(request, language,
                            "already" if answer.already_answered else "thanks", 200)

    first_name = survey.customer.first_name.strip()
    greeting = texts["greeting"].format(name=first_name) if first_name \
        else texts["greeting_anonymous"]
    reasons = [{"code": reason.code, "label": reason.label(language)}
               for reason in exit_survey_reasons(survey)]
    return _page(request, language, 400 if error else 200, texts, state="form",
                 title=texts["title"], greeting=greeting, reasons=reasons, error=error,
                 chosen=chosen, free_text=free_text)
