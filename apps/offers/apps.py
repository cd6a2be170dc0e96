from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "apps.offers"
    label = "offers"
    verbose_name = "Offers"

    def ready(self) -> None:
        """Offers in the customer timeline (customers imports no offers code)."""
        from apps.customers.selectors import timeline_source_register
        from apps.offers.selectors import offers_timeline

        timeline_source_register(offers_timeline)
