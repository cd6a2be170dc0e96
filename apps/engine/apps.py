from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "apps.engine"
    label = "engine"
    verbose_name = "Engine"

    def ready(self) -> None:
        """Plug into customers, which imports no engine code: runs in the customer
        timeline, and runs cancelled before a customer is erased."""
        from apps.customers.erasure import erase_hook_register
        from apps.customers.selectors import timeline_source_register
        from apps.engine.erasure import runs_cancel_for_erasure
        from apps.engine.selectors import runs_timeline

        timeline_source_register(runs_timeline)
        erase_hook_register(runs_cancel_for_erasure)
