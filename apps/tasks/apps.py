from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "apps.tasks"
    label = "tasks"
    verbose_name = "Tasks"

    def ready(self) -> None:
        """Agent tasks in the customer timeline (customers imports no tasks code)."""
        from apps.customers.selectors import timeline_source_register
        from apps.tasks.selectors import tasks_timeline

        timeline_source_register(tasks_timeline)
