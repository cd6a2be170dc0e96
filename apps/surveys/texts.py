"""The hosted survey page's words in the languages Keepflow speaks to customers.

Translated through gettext; the reasons' labels come from the ExitReason rows. A
customer's locale picks the language: de-AT → de → en."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from apps.surveys.models import LANGUAGES

# English msgids; German and Russian in locale/*/LC_MESSAGES/django.po, written per
# language rather than word for word.
PAGE_TEXTS: dict[str, str] = {
    "title": gettext_noop("Why did you leave?"),
    "greeting": gettext_noop("Hi {name},"),
    "greeting_anonymous": gettext_noop("Hello,"),
    "intro": gettext_noop("We're sorry to see you go. Tell us the main reason: it takes a "
                          "few seconds and helps us do better."),
    "question": gettext_noop("Why did you leave?"),
    "free_text": gettext_noop("Anything else you'd like to tell us? (optional)"),
    "submit": gettext_noop("Send answer"),
    "choose": gettext_noop("Please choose a reason."),
    "text_too_long": gettext_noop("Please keep it under {limit} characters."),
    "thanks_title": gettext_noop("Thank you!"),
    "thanks": gettext_noop("Thanks for taking the time. Your answer helps us improve."),
    "already_title": gettext_noop("Already answered"),
    "already": gettext_noop("Thanks, you've already answered this survey. Only your first "
                            "answer counts."),
    "invalid_title": gettext_noop("Link not valid"),
    "invalid": gettext_noop("This link doesn't work. Please check that you copied all of it."),
    "expired_title": gettext_noop("Survey closed"),
    "expired": gettext_noop("Sorry, this survey has closed."),
    "limited_title": gettext_noop("Too many attempts"),
    "limited": gettext_noop("Please wait a minute and try again."),
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
    """The page's words in `language` (English where a catalog lacks one)."""
    with translation.override(language):
        return {key: gettext(text) for key, text in PAGE_TEXTS.items()}
