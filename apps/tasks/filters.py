import django_filters

from apps.accounts.models import User
from apps.tasks.models import Task, TaskKind, TaskPriority, TaskState


class TaskFilter(django_filters.FilterSet):
    queue = django_filters.CharFilter()
    state = django_filters.MultipleChoiceFilter(choices=TaskState.choices)
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices)
    priority = django_filters.ChoiceFilter(choices=TaskPriority.choices)
    customer = django_filters.CharFilter(field_name="customer__external_id",
                                         help_text="The customer's external id.")
    assignee = django_filters.CharFilter(method="filter_assignee",
                                         help_text="A user name, `me`, or `none` (unassigned).")

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
