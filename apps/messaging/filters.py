import django_filters

from apps.common.filters import UtcDateTimeFilter
from apps.messaging.models import Message, MessageChannel, MessageStatus, Suppression


class MessageFilter(django_filters.FilterSet):
    customer = django_filters.CharFilter(field_name="customer__external_id",
                                         help_text="the customer's external id")
    status = django_filters.ChoiceFilter(choices=MessageStatus.choices)
    channel = django_filters.ChoiceFilter(choices=MessageChannel.choices)
    reason = django_filters.CharFilter()
    workflow_id = django_filters.NumberFilter()
    run_id = django_filters.NumberFilter()
    since = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Message
        fields: list[str] = []


class SuppressionFilter(django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(choices=MessageChannel.choices)
    address = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Suppression
        fields: list[str] = []
