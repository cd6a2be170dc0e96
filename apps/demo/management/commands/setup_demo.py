"""`make run`'s set-up step: database, demo admin, demo data, then the banner."""

import os
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.demo.data import (
    DEFAULT_DEMO_PASSWORD,
    DEMO_USERNAME,
    demo_admin_ensure,
    demo_data_load,
    demo_segments_ensure,
)
from apps.workflows.starters import starters_load


class Command(BaseCommand):
    help = ("Migrate, create the demo admin and the demo data (once), and print where to "
            "sign in. Safe to run again: nothing is duplicated.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-data", action="store_true", help="Skip the demo data.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, **options) -> None:
        password = os.environ.get("KEEPFLOW_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        if not settings.DEBUG and "KEEPFLOW_DEMO_PASSWORD" not in os.environ:
            raise CommandError("setup_demo creates an admin with a published demo password; "
                               "outside DEBUG set KEEPFLOW_DEMO_PASSWORD first.")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"Database ready: {settings.DATABASES['default']['NAME']}")
        _, created = demo_admin_ensure(password)
        self.stdout.write(f"Demo admin {'created' if created else 'ready'}: {DEMO_USERNAME}")
        if not options["no_data"]:
            started = time.monotonic()
            summary = demo_data_load()
            took = time.monotonic() - started
            if summary.skipped:
                self.stdout.write(f"Demo data already there: {summary.customers} customers, "
                                  f"{summary.events} events.")
            else:
                self.stdout.write(
                    f"Demo data loaded in {took:.1f}s: {summary.customers_created} customers "
                    f"and {summary.events_created} events created."
                )
            # The retention playbook as drafts: nothing messages the demo customers until
            # someone reviews a starter on the canvas and publishes it.
            segments = demo_segments_ensure()
            self.stdout.write(f"Demo segments ready: {segments}.")
            starters = starters_load(publish=False)
            self.stdout.write(f"Starter workflows ready: {len(starters)} drafts.")
        self.stdout.write(self._banner(options["host"], options["port"], password))

    def _banner(self, host: str, port: str, password: str) -> str:
        url = f"http://{host}:{port}/"
        lines = [
            f"Keepflow is starting at   {url}",
            f"Sign in with              username: {DEMO_USERNAME}   password: {password}",
            f"API docs                  {url}api/docs/",
            "Press Ctrl-C to stop everything (web, worker, scheduler, database, Redis).",
        ]
        width = max(len(line) for line in lines) + 4
        rule = "=" * width
        body = "\n".join(f"  {line}" for line in lines)
        return self.style.SUCCESS(f"\n{rule}\n{body}\n{rule}\n")
