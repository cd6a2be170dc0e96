"""`manage.py block_messages [--check]`: bring locale/<language>/LC_MESSAGES/blocks.po up
to date with the block library's texts (blocks/messages.py), then say what still needs a
translator. --check writes nothing and fails when a file is stale or a text untranslated."""

from django.core.management.base import BaseCommand, CommandError

from blocks.messages import block_messages_path, block_messages_update


class Command(BaseCommand):
    help = "Update the blocks gettext catalogs (de, ru) from the block library's texts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true",
                            help="Write nothing; fail if a catalog is stale or incomplete.")

    def handle(self, *args, check: bool = False, **options) -> None:
        reports = block_messages_update(write=not check)
        problems = 0
        for report in reports:
            path = block_messages_path(report.language)
            if report.changed:
                problems += check
                self.stdout.write(f"{path}: {'stale' if check else 'updated'}")
            for text in report.untranslated:
                problems += 1
                self.stdout.write(f"{path}: untranslated: {text!r}")
        self.stdout.write("Then run scripts/compile-messages.")
        if check and problems:
            raise CommandError(f"{problems} problem(s) in the blocks catalogs")
