"""The exit survey's signed link and hosted page: signing, tampering, expiry, the
customer's language, answering once (one `exit_survey.answered` event), CSRF and the
rate limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.test import Client

from apps.customers.models import Event
from apps.surveys.models import ExitReason, ExitSurvey
from apps.surveys.services import (
    SurveyLinkExpired,
    SurveyLinkInvalid,
    exit_survey_create,
    exit_survey_from_token,
    exit_survey_url,
)
from tests.surveys.conftest import NOW

pytestmark = pytest.mark.django_db


def page(token: str) -> str:
    return f"/s/{token}"


def test_create_is_idempotent_and_gives_a_signed_url(leaver, settings):
    settings.KEEPFLOW_PUBLIC_URL = "https://keepflow.example"
    args = {"customer": leaver, "channel": "sms", "reason_codes": ["other"],
            "expires_at": NOW + dt.timedelta(days=30), "idempotency_key": "run:1:s1:1",
            "now": NOW}

    first = exit_survey_create(**args)
    again = exit_survey_create(**{**args, "channel": "email"})

    survey = ExitSurvey.objects.get()
    assert first == again == {"survey_id": survey.pk, "url": exit_survey_url(survey),
                              "expires_at": "2026-12-23T10:00:00+00:00"}
    assert first["url"].startswith("https://keepflow.example/s/")
    assert str(survey.pk) != first["url"].rsplit("/", 1)[1]  # a signature, not an id
    assert (survey.channel, survey.reason_codes) == ("sms", ["other"])


@pytest.mark.parametrize(("tamper", "case"), [
    (lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), "signature-changed"),
    (lambda token: signing.Signer(salt="other").sign_object({"s": 1}), "other-salt"),
    (lambda token: signing.Signer(salt="keepflow.surveys.link").sign_object({"s": 999_999}),
     "no-such-survey"),
    (lambda token: "nonsense", "garbage"),
])
def test_a_tampered_link_is_a_404_page_not_a_500(make_survey, tamper, case):
    _, token = make_survey()
    with pytest.raises(SurveyLinkInvalid):
        exit_survey_from_token(tamper(token))
    answer = Client().get(page(tamper(token)))
    assert answer.status_code == 404, case
    assert "Link not valid" in answer.content.decode()


def test_an_expired_link_is_a_410_page(make_survey):
    _, token = make_survey(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    with pytest.raises(SurveyLinkExpired):
        exit_survey_from_token(token)
    answer = Client(headers={"accept-language": "ru"}).get(page(token))
    assert answer.status_code == 410
    assert "Опрос закрыт" in answer.content.decode()
    posted = Client().post(page(token), {"reason": "other"})
    assert posted.status_code == 410 and not ExitSurvey.objects.filter(
        answered_at__isnull=False).exists()


@pytest.mark.parametrize(("locale", "accept", "question", "label"), [
    ("de-AT", "", "Warum haben Sie uns verlassen?", "Zu teuer"),
    ("de", "ru", "Warum haben Sie uns verlassen?", "Zu teuer"),
    ("ru_RU", "", "Почему вы от нас ушли?", "Слишком дорого"),
    ("fr-FR", "de", "Why did you leave?", "Too expensive"),
    ("", "de-CH,de;q=0.9", "Warum haben Sie uns verlassen?", "Zu teuer"),
    ("", "", "Why did you leave?", "Too expensive"),
], ids=["de-AT-falls-back-to-de", "profile-wins", "ru", "unknown-is-en",
        "browser-without-profile", "nothing-is-en"])
def test_the_page_speaks_the_customers_language(make_survey, leaver, locale, accept, question,
                                                label):
    leaver.locale = locale
    leaver.save()
    _, token = make_survey()

    answer = Client(headers={"accept-language": accept}).get(page(token))

    html = answer.content.decode()
    assert answer.status_code == 200
    assert question in html and label in html
    assert "Lena" in html
    assert "Vogel" not in html and "lena.vogel@example.com" not in html  # first name only
    assert answer["Referrer-Policy"] == "same-origin"
    assert "no-cache" in answer["Cache-Control"] or "max-age=0" in answer["Cache-Control"]


def test_the_page_asks_the_blocks_own_question_in_the_customers_variant(make_survey):
    _, token = make_survey(question="Was hat Ihnen bei uns gefehlt?",
                           intro="Ihre Antwort liest unser Team persönlich.")

    html = Client().get(page(token)).content.decode()

    assert "Was hat Ihnen bei uns gefehlt?" in html
    assert "Ihre Antwort liest unser Team persönlich." in html
    assert "Warum haben Sie uns verlassen?" not in html
    assert "Zu teuer" in html  # the reasons and buttons stay in the customer's language


def test_the_page_offers_the_blocks_reasons_in_the_admins_order(make_survey):
    ExitReason.objects.filter(code="poor_service").update(position=0)
    ExitReason.objects.filter(code="other").update(active=False)
    _, token = make_survey(reason_codes=["too_expensive", "poor_service", "other"])

    html = Client().get(page(token)).content.decode()

    assert html.index('value="poor_service"') < html.index('value="too_expensive"')
    assert 'value="other"' not in html and 'value="better_offer"' not in html


def test_answering_records_one_event_and_the_second_answer_changes_nothing(make_survey, leaver):
    survey, token = make_survey()
    client = Client()

    first = client.post(page(token), {"reason": "too_expensive", "free_text": " Zu teuer. "})
    second = client.post(page(token), {"reason": "poor_service", "free_text": "anders"})
    again = client.get(page(token))

    assert first.status_code == 200 and "Vielen Dank!" in first.content.decode()
    assert second.status_code == 200 and "Bereits beantwortet" in second.content.decode()
    assert "Bereits beantwortet" in again.content.decode()
    survey.refresh_from_db()
    assert (survey.reason_code, survey.free_text) == ("too_expensive", "Zu teuer.")
    event = Event.objects.get(type="exit_survey.answered")
    assert event.customer == leaver and survey.answer_event_id == event.pk
    assert event.properties == {
        "reason_code": "too_expensive", "reason_label": "Too expensive",
        "free_text": "Zu teuer.", "survey_id": survey.pk, "workflow_id": 7,
        "run_id": survey.run_id, "node_id": "s1", "channel": "email", "language": "de"}
    assert event.idempotency_key.startswith("exit_survey:")


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Bitte wählen Sie einen Grund aus."),
    ({"reason": "made_up"}, "Bitte wählen Sie einen Grund aus."),
    ({"reason": "other", "free_text": "x" * 2001}, "höchstens 2000 Zeichen"),
], ids=["no-reason", "unknown-reason", "text-too-long"])
def test_an_incomplete_answer_asks_again_and_stores_nothing(make_survey, data, message):
    _, token = make_survey()
    answer = Client().post(page(token), data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Event.objects.filter(type="exit_survey.answered").exists()


def test_a_post_without_the_csrf_token_is_refused(make_survey):
    _, token = make_survey()
    client = Client(enforce_csrf_checks=True)
    form = client.get(page(token))
    assert 'name="csrfmiddlewaretoken"' in form.content.decode()

    refused = client.post(page(token), {"reason": "other"})

    assert refused.status_code == 403
    assert not Event.objects.filter(type="exit_survey.answered").exists()


def test_one_address_is_rate_limited(make_survey, settings):
    from apps.common.redis import redis_client

    redis_client(settings.REDIS_URL).delete(*redis_client(settings.REDIS_URL).keys(
        "keepflow:survey-rate:*") or ["none"])
    settings.KEEPFLOW_SURVEY_RATE_LIMIT = 2
    _, token = make_survey()
    client = Client(REMOTE_ADDR="203.0.113.9")

    codes = [client.get(page(token)).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert Client(REMOTE_ADDR="203.0.113.10").get(page(token)).status_code == 200


def test_erasure_clears_the_free_text_and_keeps_the_reason(make_survey, leaver):
    from apps.customers.erasure import customer_erase
    from apps.surveys.services import exit_survey_answer

    survey, token = make_survey()
    exit_survey_answer(token, reason_code="poor_service", free_text="Lena Vogel, Hauptstr. 1")

    customer_erase(leaver)

    survey.refresh_from_db()
    assert (survey.reason_code, survey.free_text) == ("poor_service", "")
    assert not Event.objects.filter(type="exit_survey.answered").exists()
    assert Client().get(page(token)).status_code == 404  # an erased customer's link is dead
