"""The public side of offers: the signed reactivation link in messages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.customers.language import customer_language
from apps.offers.services import OfferLinkExpired, OfferLinkInvalid, offer_link_click


@never_cache
@require_GET
def offer_link_follow(request: HttpRequest, token: str) -> HttpResponse:
    """Record the click (link.clicked) and redirect to the offer's page; a tampered link
    is a 404 and an expired offer a 410, both a page and never a redirect."""
    try:
        offer = offer_link_click(token)
    except OfferLinkInvalid:
        return _page(request, None, gettext_noop("Link not valid"),
                     gettext_noop("This link is not valid. Check that you copied all of it."),
                     status=404)
    except OfferLinkExpired:
        return _page(request, None, gettext_noop("Offer expired"),
                     gettext_noop("Sorry, this offer has expired."), status=410)
    if offer.target_url:
        return HttpResponseRedirect(offer.target_url)
    # The block's own words for the page (its variant for the customer's language) win;
    # gettext leaves such texts as they are.
    return _page(request, offer.customer.locale,
                 offer.page_headline or gettext_noop("Your offer"),
                 offer.page_text or gettext_noop("Use this code at checkout:"), code=offer.code)


def _page(request: HttpRequest, locale: str | None, title: str, message: str, *,
          code: str = "", status: int = 200) -> HttpResponse:
    """The page in the customer's language (None: the browser's); title and message are
    English msgids."""
    language = customer_language(locale)
    with translation.override(language):
        response = render(request, "offers/link_invalid.html",
                          {"title": _(title), "message": _(message), "code": code,
                           "lang": language}, status=status)
    response["Content-Language"] = language
    return response
