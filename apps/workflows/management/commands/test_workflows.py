"""CI: run the saved test cases of workflows; exit status 1 if any fails."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.workflows.models import Workflow, WorkflowState
from apps.workflows.testing import test_cases_run


class Command(BaseCommand):
    help = ("Run the saved test cases of every workflow that is not archived (or of one, "
            "with --workflow) against its draft; exit status 1 if any case fails.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workflow", type=int, help="Only this workflow id.")
        parser.add_argument("--published", action="store_true",
                            help="Test the published version instead of the draft.")

    def handle(self, *args, workflow: int | None = None, published: bool = False,
               **options) -> None:
        workflows = Workflow.objects.exclude(state=WorkflowState.ARCHIVED) \
            .select_related("published_version").order_by("id")
        if workflow is not None:
            workflows = Workflow.objects.filter(pk=workflow).select_related("published_version")
            if not workflows:
                raise CommandError(f"no workflow with id {workflow}")
        total = failed = 0
        for item in workflows:
            if published and item.published_version is None:
                self.stdout.write(f"SKIP  #{item.pk} {item.name}: not published")
                continue
            graph = item.published_version.graph if published else item.draft_graph
            for result in test_cases_run(item, graph=graph, record=not published):
                total += 1
                label = f"#{item.pk} {item.name} :: {result['name']}"
                if result["passed"]:
                    self.stdout.write(f"PASS  {label}")
                    continue
                failed += 1
                self.stdout.write(f"FAIL  {label}")
                for line in result["diff"]:
                    self.stdout.write(f"        {line['what']}: {line['message']}")
        summary = f"{total - failed} passed, {failed} failed, {total} test cases"
        if failed:
            raise CommandError(summary, returncode=1)
        self.stdout.write(summary)
