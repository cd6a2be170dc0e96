from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "apps.customers"
    label = "customers"

    def ready(self) -> None:
        from apps.customers.handling import StoredEvents
        from apps.handoff import events_handler_register

        events_handler_register(StoredEvents())
