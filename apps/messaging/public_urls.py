"""Public routes outside /api/ (signed or secret URLs, provider callbacks)."""

from django.urls import path

from apps.messaging import webhooks

urlpatterns: list = [
    path("unsubscribe/<str:token>", webhooks.unsubscribe, name="messaging-unsubscribe"),
    path("webhooks/twilio/inbound", webhooks.twilio_inbound, name="messaging-twilio-inbound"),
    path("webhooks/twilio/status", webhooks.twilio_status, name="messaging-twilio-status"),
    path("webhooks/twilio/call-status", webhooks.twilio_call_status,
         name="messaging-twilio-call-status"),
    path("webhooks/twilio/call-gather", webhooks.twilio_call_gather,
         name="messaging-twilio-call-gather"),
    path("webhooks/sendgrid/events", webhooks.sendgrid_events, name="messaging-sendgrid-events"),
]
