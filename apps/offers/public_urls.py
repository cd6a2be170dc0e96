"""Public routes outside /api/ (signed or secret URLs, provider callbacks)."""

from django.urls import path

from apps.offers.views import offer_link_follow

urlpatterns = [
    path("o/<str:token>", offer_link_follow, name="offer-link"),
]
