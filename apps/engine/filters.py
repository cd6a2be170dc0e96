"""Query-string filters of the runs list."""

from __future__ import annotations

import django_filters
from django import forms

from apps.common.filters import UtcDateTimeFilter
from apps.engine.models import Run, RunState

MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A whole number in the id range (a decimal or a huge value is a 400, not a 500)."""

    field_class = forms.IntegerField


class RunFilter(django_filters.FilterSet):
    workflow = IdFilter(field_name="workflow_id", min_value=1, max_value=MAX_ID,
                        help_text="A workflow id.")
    customer = django_filters.CharFilter(field_name="customer__external_id",
                                         help_text="The customer's external id.")
    state = django_filters.MultipleChoiceFilter(choices=RunState.choices,
                                                help_text="One or more states (repeat it).")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    ended_after = UtcDateTimeFilter(field_name="ended_at", lookup_expr="gte")
    ended_before = UtcDateTimeFilter(field_name="ended_at", lookup_expr="lt")

    class Meta:
        model = Run
        fields: list[str] = []
