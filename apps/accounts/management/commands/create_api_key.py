from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.services import InvalidScopes, api_key_create


class Command(BaseCommand):
    help = "Create an API key and print it (it is shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--scopes", required=True,
            help="comma-separated: events:write, runs:write, workflows:write, read, admin",
        )

    def handle(self, *args, name: str, scopes: str, **options) -> None:
        try:
            key, raw = api_key_create(
                name=name, scopes=[s.strip() for s in scopes.split(",") if s.strip()]
            )
        except InvalidScopes as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"Created API key {key.name!r} with scopes {', '.join(key.scopes)}:")
        self.stdout.write(raw)
