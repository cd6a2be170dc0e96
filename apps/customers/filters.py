from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet

from apps.common.filters import UtcDateTimeFilter
from apps.customers.models import Customer, Event


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Customers not scored yet (no churn score, CLV or P(alive)) sort after the scored
    ones either way: "highest churn score first" must not start with the unscored."""

    def get_ordering_value(self, param: str) -> Any:
        value = super().get_ordering_value(param)
        descending = value.startswith("-")
        field = F(value.lstrip("-"))
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)


class CustomerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search",
                                       help_text="external id, e-mail, name or phone")
    tag = django_filters.CharFilter(method="filter_tag")
    segment = django_filters.NumberFilter(field_name="segment_memberships__segment_id")
    tier = django_filters.CharFilter()
    email_consent = django_filters.CharFilter(field_name="consent__email__status")
    sms_consent = django_filters.CharFilter(field_name="consent__sms__status")
    last_seen_after = UtcDateTimeFilter(field_name="last_seen_at", lookup_expr="gte")
    last_seen_before = UtcDateTimeFilter(field_name="last_seen_at", lookup_expr="lt")
    churn_score_min = django_filters.NumberFilter(field_name="churn_score", lookup_expr="gte")
    clv_min = django_filters.NumberFilter(field_name="clv", lookup_expr="gte")
    ordering = NullsLastOrderingFilter(
        fields=["created_at", "last_seen_at", "external_id", "churn_score", "clv", "p_alive"]
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        query = Q(external_id__icontains=value) | Q(email__icontains=value) | Q(
            phone__icontains=value) | Q(first_name__icontains=value) | Q(
            last_name__icontains=value)
        return queryset.filter(query)

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(tags__contains=[value])


class EventFilter(django_filters.FilterSet):
    customer = django_filters.CharFilter(field_name="customer__external_id")
    type = django_filters.CharFilter()
    since = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    source = django_filters.CharFilter()

    class Meta:
        model = Event
        fields: list[str] = []
