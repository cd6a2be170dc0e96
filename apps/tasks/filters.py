import django_filters
from django.utils import timezone

from apps.accounts.models import User
from apps.tasks.models import Task, TaskKind, TaskPriority, TaskState
from apps.tasks.sla import SLA_STATES, sla_filter


class TaskFilter(django_filters.FilterSet):
    queue = django_filters.CharFilter()
    state = django_filters.MultipleChoiceFilter(choices=TaskState.choices)
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices)
    priority = django_filters.ChoiceFilter(choices=TaskPriority.choices)
    customer = django_filters.CharFilter(field_name="customer__external_id",
                                         help_text="The customer's external id.")
    assignee = django_filters.CharFilter(method="filter_assignee",
                                         help_text="A user name, `me`, or `none` (unassigned).")
    sla = django_filters.ChoiceFilter(
        choices=[(state, state) for state in SLA_STATES], method="filter_sla",
        help_text="Against the queue's response target: on_track, at_risk, overdue, met, "
                  "missed.")

    class Meta:
        model = Task
        fields: list[str] = []

    def filter_assignee(self, queryset, name: str, value: str):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            user = getattr(self.request, "user", None)
            if not isinstance(user, User):  # an API key is nobody's inbox
                return queryset.none()
            return queryset.filter(assignee=user)
        return queryset.filter(assignee__username=value)

    def filter_sla(self, queryset, name: str, value: str):
        return sla_filter(queryset, value, timezone.now())
