from django.core.management.base import BaseCommand, CommandParser

from apps.workflows.starters import starters_load


class Command(BaseCommand):
    help = ("Load the starter workflows of the retention playbook (idempotent: each is "
            "created once). --publish also publishes those still in draft.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--publish", action="store_true",
                            help="Publish the starters that are still drafts.")

    def handle(self, *args, publish: bool = False, **options) -> None:
        for item in starters_load(publish=publish):
            what = "created" if item.created else "exists"
            if item.published:
                what += ", published"
            self.stdout.write(f"{item.key}: {item.workflow.name} (#{item.workflow.pk}) "
                              f"{what}, state {item.workflow.state}")
