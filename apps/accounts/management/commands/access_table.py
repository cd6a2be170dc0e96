from django.core.management.base import BaseCommand

from apps.accounts.capabilities import (
    ROLE_CAPABILITIES,
    SCOPE_CAPABILITIES,
    Capability,
    Role,
    Scope,
)


def access_table_markdown() -> str:
    """The role and scope matrix as Markdown; docs/access.md embeds it verbatim."""
    header = ["capability", *(f"{r.value} (role)" for r in Role), *(f"`{s.value}`" for s in Scope)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for cap in Capability:
        cells = [f"`{cap.value}`"]
        cells += ["✓" if cap in ROLE_CAPABILITIES[r] else "" for r in Role]
        cells += ["✓" if cap in SCOPE_CAPABILITIES[s] else "" for s in Scope]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print who may do what (roles and API-key scopes) as a Markdown table."

    def handle(self, *args, **options) -> None:
        self.stdout.write(access_table_markdown(), ending="")
