"""`manage.py import_customers FILE.csv`: profiles from a CSV file, with a progress bar on
stderr and the report on stdout. docs/import.md describes columns and mapping."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import reset_queries
from tqdm import tqdm

from apps.customers.importing import (
    BATCH_SIZE,
    MAX_REPORTED_ERRORS,
    ImportFileError,
    ImportReport,
    customers_import,
)

_DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t"}


class Command(BaseCommand):
    help = ("Import customer profiles from a CSV file. Rows are checked like the API's "
            "PUT /customers/{id}; bad rows are reported by line, good rows are imported. "
            "Importing the same file again changes nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--map", action="append", default=[], metavar="COLUMN=FIELD", dest="mapping",
            help="Map a CSV column to a field (external_id, email, phone, first_name, "
            "last_name, timezone, locale, tags, tier, churn_score, clv, consent_email, "
            "consent_sms, consent_call, attributes.<key>) or '-' to skip it. Repeatable.")
        parser.add_argument("--consent-source", default="import",
                            help="Recorded as the source of consent given in the file.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check every row and report; write nothing.")
        parser.add_argument("--encoding", help="Default: UTF-8 (BOM or not), UTF-16 by its "
                            "BOM, else Windows-1252.")
        parser.add_argument("--delimiter", choices=sorted(_DELIMITER_NAMES),
                            help="Default: sniffed from the header line (, ; or tab).")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        mapping = mapping_parse(options["mapping"])
        # The raw stream: OutputWrapper would end each of tqdm's \r updates with a newline.
        with path.open("rb") as fileobj, tqdm(
            total=os.path.getsize(path), unit="B", unit_scale=True, file=self.stderr._out,
            disable=options["no_progress"], desc=path.name,
        ) as bar:
            def progress(rows: int, done: int) -> None:
                reset_queries()  # with DEBUG on, Django would keep every batch's SQL
                bar.update(done - bar.n)
                bar.set_postfix_str(f"rows={rows:,}", refresh=False)

            try:
                report = customers_import(
                    fileobj, mapping=mapping, consent_source=options["consent_source"],
                    dry_run=options["dry_run"], encoding=options["encoding"],
                    delimiter=_DELIMITER_NAMES.get(options["delimiter"] or ""),
                    batch_size=options["batch_size"], progress=progress,
                )
            except ImportFileError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(report_text(report))


def mapping_parse(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise CommandError(f"--map {pair!r}: expected COLUMN=FIELD, e.g. Mail=email")
        mapping[column.strip()] = target.strip()
    return mapping


def report_text(report: ImportReport) -> str:
    lines = [("Dry run, nothing written: " if report.dry_run else "")
             + f"{report.rows} rows: {report.summary()}"]
    lines += [str(error) for error in report.errors]
    if report.errors_truncated:
        lines.append(f"... {report.error_count - len(report.errors)} more errors "
                     f"(the first {MAX_REPORTED_ERRORS} are listed)")
    return "\n".join(lines)

