"""Public routes outside /api/: the hosted exit survey behind its signed link."""

from django.urls import path

from apps.surveys.views import exit_survey_page

urlpatterns = [
    path("s/<str:token>", exit_survey_page, name="exit-survey"),
]
