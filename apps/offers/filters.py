import django_filters

from apps.offers.models import Offer, OfferKind


class OfferFilter(django_filters.FilterSet):
    customer = django_filters.CharFilter(field_name="customer__external_id",
                                         help_text="The customer's external id.")
    code = django_filters.CharFilter()
    kind = django_filters.ChoiceFilter(choices=OfferKind.choices)
    redeemed = django_filters.BooleanFilter(field_name="redeemed_at", lookup_expr="isnull",
                                            exclude=True)

    class Meta:
        model = Offer
        fields: list[str] = []
