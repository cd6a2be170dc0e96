from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        """Messages in the customer timeline (customers imports no messaging code)."""
        from apps.customers.selectors import timeline_source_register
        from apps.messaging.selectors import messages_timeline

        timeline_source_register(messages_timeline)
