from django.apps import AppConfig


class HandoffConfig(AppConfig):
    name = "apps.handoff"
    label = "handoff"
    verbose_name = "Event hand-off"
