# ruff: noqa: RUF001  (Cyrillic letters are Russian, not look-alikes)
"""The hosted survey page's words in the languages Keepflow speaks to customers.

Written per language, not translated word for word; the reasons' labels come from the
ExitReason rows. A customer's locale picks the language: de-AT → de → en."""

from __future__ import annotations

from apps.surveys.models import LANGUAGES

PAGE_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Why did you leave?",
        "greeting": "Hi {name},",
        "greeting_anonymous": "Hello,",
        "intro": "We're sorry to see you go. Tell us the main reason: it takes a few "
                 "seconds and helps us do better.",
        "question": "Why did you leave?",
        "free_text": "Anything else you'd like to tell us? (optional)",
        "submit": "Send answer",
        "choose": "Please choose a reason.",
        "text_too_long": "Please keep it under {limit} characters.",
        "thanks_title": "Thank you!",
        "thanks": "Thanks for taking the time. Your answer helps us improve.",
        "already_title": "Already answered",
        "already": "Thanks, you've already answered this survey. Only your first answer "
                   "counts.",
        "invalid_title": "Link not valid",
        "invalid": "This link doesn't work. Please check that you copied all of it.",
        "expired_title": "Survey closed",
        "expired": "Sorry, this survey has closed.",
        "limited_title": "Too many attempts",
        "limited": "Please wait a minute and try again.",
    },
    "de": {
        "title": "Warum haben Sie uns verlassen?",
        "greeting": "Hallo {name},",
        "greeting_anonymous": "Guten Tag,",
        "intro": "Schade, dass Sie gehen. Verraten Sie uns den wichtigsten Grund? Das "
                 "dauert nur ein paar Sekunden und hilft uns, besser zu werden.",
        "question": "Warum haben Sie uns verlassen?",
        "free_text": "Möchten Sie uns noch etwas mitteilen? (freiwillig)",
        "submit": "Antwort senden",
        "choose": "Bitte wählen Sie einen Grund aus.",
        "text_too_long": "Bitte fassen Sie sich kürzer (höchstens {limit} Zeichen).",
        "thanks_title": "Vielen Dank!",
        "thanks": "Danke, dass Sie sich die Zeit genommen haben. Ihre Antwort hilft uns "
                  "weiter.",
        "already_title": "Bereits beantwortet",
        "already": "Danke, Sie haben diese Umfrage schon beantwortet. Es zählt Ihre erste "
                   "Antwort.",
        "invalid_title": "Link ungültig",
        "invalid": "Dieser Link funktioniert leider nicht. Bitte prüfen Sie, ob Sie ihn "
                   "vollständig kopiert haben.",
        "expired_title": "Umfrage beendet",
        "expired": "Diese Umfrage ist leider schon abgelaufen.",
        "limited_title": "Zu viele Versuche",
        "limited": "Bitte warten Sie eine Minute und versuchen Sie es dann noch einmal.",
    },
    "ru": {
        "title": "Почему вы от нас ушли?",
        "greeting": "Здравствуйте, {name}!",
        "greeting_anonymous": "Здравствуйте!",
        "intro": "Жаль, что вы уходите. Подскажите, что стало главной причиной? Это "
                 "займёт пару секунд и поможет нам стать лучше.",
        "question": "Почему вы от нас ушли?",
        "free_text": "Хотите что-нибудь добавить? (необязательно)",
        "submit": "Отправить ответ",
        "choose": "Пожалуйста, выберите причину.",
        "text_too_long": "Пожалуйста, уложитесь в {limit} символов.",
        "thanks_title": "Спасибо!",
        "thanks": "Спасибо, что нашли время ответить. Ваш ответ поможет нам стать лучше.",
        "already_title": "Ответ уже получен",
        "already": "Спасибо, вы уже ответили на этот опрос. Учитывается ваш первый ответ.",
        "invalid_title": "Ссылка недействительна",
        "invalid": "Эта ссылка не работает. Проверьте, пожалуйста, что скопировали её "
                   "целиком.",
        "expired_title": "Опрос закрыт",
        "expired": "К сожалению, срок этого опроса истёк.",
        "limited_title": "Слишком много попыток",
        "limited": "Подождите минуту и попробуйте ещё раз.",
    },
}


def survey_language(locale: str | None, accept_language: str = "") -> str:
    """de-AT → de, ru_RU → ru, anything else → en. Without a locale on the profile the
    browser's first supported language is used."""
    candidates = [locale or ""]
    candidates += [part.split(";")[0] for part in accept_language.split(",")] if not locale \
        else []
    for candidate in candidates:
        language = candidate.strip().replace("_", "-").split("-")[0].lower()
        if language in LANGUAGES:
            return language
    return "en"


def page_texts(language: str) -> dict[str, str]:
    return PAGE_TEXTS.get(language, PAGE_TEXTS["en"])
