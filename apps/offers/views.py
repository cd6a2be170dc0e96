"""The public side of offers: the signed reactivation link in messages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.offers.services import OfferLinkExpired, OfferLinkInvalid, offer_link_click


@never_cache
@require_GET
def offer_link_follow(request: HttpRequest, token: str) -> HttpResponse:
    """Record the click (link.clicked) and redirect to the offer's page; a tampered link
    is a 404 and an expired offer a 410, both a page and never a redirect."""
    try:
        offer = offer_link_click(token)
    except OfferLinkInvalid:
        return render(request, "offers/link_invalid.html",
                      {"title": "Link not valid",
                       "message": "This link is not valid. Check that you copied all of it."},
                      status=404)
    except OfferLinkExpired:
        return render(request, "offers/link_invalid.html",
                      {"title": "Offer expired", "message": "Sorry, this offer has expired."},
                      status=410)
    if offer.target_url:
        return HttpResponseRedirect(offer.target_url)
    return render(request, "offers/link_invalid.html",
                  {"title": offer.page_headline or "Your offer",
                   "message": offer.page_text or "Use this code at checkout:",
                   "code": offer.code, "lang": (offer.customer.locale or "en")[:2]})
