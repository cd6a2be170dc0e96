"""CSV import of customer profiles (`manage.py import_customers`, POST /api/v1/customers/import).

The file is streamed, so its size is bounded by the disk, not by memory. Each row is checked
by the same serializer as PUT /api/v1/customers/{id}; good rows are written in batches with
bulk queries, bad rows are reported by line and column. Importing the same file twice
changes nothing the second time (see apps.customers.bulk). docs/import.md is the manual.
"""

import codecs
import csv
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from rest_framework import serializers

from apps.common.errors import flatten_errors
from apps.customers.bulk import customers_upsert_bulk, profile_data_merge
from apps.customers.models import EventSource
from apps.customers.serializers import CustomerWriteSerializer

BATCH_SIZE = 1000
MAX_REPORTED_ERRORS = 1000
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
IGNORE = ("-", "ignore")
ATTRIBUTE_PREFIX = "attributes."
CONSENT_CHANNELS = ("email", "sms", "call")
# Target field <- header names (compared lower-cased, with spaces and dashes as "_").
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id", "customer_id", "user_id", "externalid", "customerid"),
    "email": ("email", "e_mail", "email_address"),
    "phone": ("phone", "phone_number", "mobile"),
    "first_name": ("first_name", "firstname", "given_name"),
    "last_name": ("last_name", "lastname", "surname", "family_name"),
    "timezone": ("timezone", "time_zone", "tz"),
    "locale": ("locale", "language"),
    "tags": ("tags",),
    "tier": ("tier",),
    "churn_score": ("churn_score",),
    "clv": ("clv",),
    **{f"consent_{c}": (f"consent_{c}", f"{c}_consent") for c in CONSENT_CHANNELS},
}
_BY_ALIAS = {alias: target for target, aliases in FIELD_ALIASES.items() for alias in aliases}
CONSENT_VALUES = {
    **dict.fromkeys(("granted", "yes", "y", "true", "1", "opt_in", "opted_in"), "granted"),
    **dict.fromkeys(("denied", "no", "n", "false", "0", "opt_out", "opted_out"), "denied"),
    "unknown": "unknown",
}
_INT = re.compile(r"[+-]?(0|[1-9]\d*)")
_FLOAT = re.compile(r"[+-]?(0|[1-9]\d*)?\.\d+([eE][+-]?\d+)?|[+-]?(0|[1-9]\d*)[eE][+-]?\d+")
_TAG_SEPARATORS = re.compile(r"[;|]")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (no id column, bad mapping, not text)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    duplicates: int = 0  # rows merged into an earlier row of the same id in their batch
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # errors found; `errors` holds the first max_errors of them

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def summary(self) -> str:
        text = (f"created {self.created}, updated {self.updated}, "
                f"unchanged {self.unchanged}, failed {self.failed}")
        return text + (f", duplicates {self.duplicates}" if self.duplicates else "")

    def row_failed(self, line: int, errors: list[tuple[str, str]], max_errors: int) -> None:
        self.failed += 1
        self.error_count += len(errors)
        room = max(max_errors - len(self.errors), 0)
        self.errors += [RowError(line, name, message) for name, message in errors[:room]]


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    target: str  # a FIELD_ALIASES key or "attributes.<key>"


@dataclass(frozen=True)
class ColumnPlan:
    columns: list[Column]
    width: int  # cells in the header
    headers: dict[str, str]  # target -> header, to name the column in errors
    # One serializer for every row: binding its fields costs more than validating a row.
    validator: CustomerWriteSerializer = field(default_factory=CustomerWriteSerializer,
                                               compare=False)


Progress = Callable[[int, int], None]  # (rows read, bytes read)


def customers_import(
    fileobj: IO[bytes], *, mapping: dict[str, str] | None = None,
    consent_source: str = EventSource.IMPORT, dry_run: bool = False,
    encoding: str | None = None, delimiter: str | None = None,
    batch_size: int = BATCH_SIZE, max_errors: int = MAX_REPORTED_ERRORS,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV file (binary, seekable). `mapping` maps CSV headers to fields and
    overrides the default mapping by header name. Each batch is its own transaction: an
    interrupted import keeps the batches before the interruption, and a re-run completes
    it without touching them again."""
    if delimiter is not None and len(delimiter) != 1:
        raise ImportFileError("delimiter", "one character, e.g. ; or a tab")
    sample = fileobj.read(SAMPLE_BYTES)
    fileobj.seek(0)
    encoding = encoding or encoding_detect(sample)
    try:
        # Undecodable bytes become lone surrogates, caught per cell: a bad byte fails its
        # row, not the file.
        text = io.TextIOWrapper(fileobj, encoding=encoding, errors="surrogateescape",
                                newline="")
    except LookupError as exc:  # unknown, or a bytes-to-bytes codec such as "hex"
        raise ImportFileError("encoding", f"unknown text encoding {encoding!r}") from exc
    try:
        return _import(text, fileobj, _sample_text(sample, encoding),
                       mapping=mapping or {}, consent_source=consent_source,
                       dry_run=dry_run, delimiter=delimiter, batch_size=batch_size,
                       max_errors=max_errors, progress=progress)
    finally:
        text.detach()  # the caller owns (and closes) the file


def encoding_detect(sample: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 by BOM; otherwise Windows-1252, which is what
    Excel writes on Windows when told "CSV" and which decodes any Latin-1 file too."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _sample_text(sample: bytes, encoding: str) -> str:
    try:
        return sample.decode(encoding, errors="replace")
    except UnicodeError:  # codecs with strict handling only (idna)
        return ""


def _import(
    text: IO[str], raw: IO[bytes], sample: str, *, mapping: dict[str, str],
    consent_source: str, dry_run: bool, delimiter: str | None, batch_size: int,
    max_errors: int, progress: Progress | None,
) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    reader = csv.reader(text, delimiter=delimiter or delimiter_detect(sample))
    records = _records(reader, report, max_errors)
    _, header = next(records, (0, None))
    if header is None:
        raise ImportFileError("file", report.errors[0].message if report.errors else
                              "the file is empty; the first line must name the columns")
    if any(_text_problem(name) for name in header):
        raise ImportFileError("file", "the header line is not text in the file's encoding; "
                              "save the file as UTF-8 or name its encoding")
    plan = columns_plan(header, mapping)
    pending: dict[str, dict[str, Any]] = {}

    def flush() -> None:
        if pending:
            outcome = customers_upsert_bulk(pending, source=EventSource.IMPORT, dry_run=dry_run)
            report.created += len(outcome.created)
            report.updated += len(outcome.updated)
            report.unchanged += len(outcome.unchanged)
            pending.clear()
        if progress:
            progress(report.rows, raw.tell())

    for line, cells in records:
        report.rows += 1
        external_id, data, errors = row_parse(cells, plan, consent_source)
        if errors:
            report.row_failed(line, errors, max_errors)
            continue
        if external_id in pending:  # a repeat: merged, the later row's values win
            pending[external_id] = profile_data_merge(pending[external_id], data)
            report.duplicates += 1
            continue
        pending[external_id] = data
        if len(pending) >= batch_size:
            flush()
    flush()
    return report


def _records(
    reader: Any, report: ImportReport, max_errors: int
) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each non-empty record. A record the csv module
    cannot read becomes a row error."""
    last_line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.rows += 1
            report.row_failed(last_line + 1, [("row", str(exc))], max_errors)
            last_line = reader.line_num
            continue
        except UnicodeError as exc:  # a codec without surrogateescape (idna)
            report.rows += 1
            report.row_failed(last_line + 1, [("file", f"cannot be decoded: {exc}; the import "
                              "stopped here")], max_errors)
            return
        line, last_line = last_line + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield line, cells


def delimiter_detect(sample: str) -> str:
    """The candidate that splits the header line most often (quotes aside); ","."""
    first = next((line for line in sample.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def header_normalize(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def attribute_key(header: str) -> str:
    """`Signup Date` -> `signup_date`: keys that conditions can name without quoting."""
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_") or "column"


def columns_plan(header: list[str], mapping: dict[str, str]) -> ColumnPlan:
    """Where each column goes: `mapping` first, then the header's own name; a header that
    names no field (or a field a mapped column already took) becomes an attribute.
    Raises ImportFileError naming the problem."""
    headers = [h.strip() for h in header]
    explicit = {name.strip(): target.strip() for name, target in mapping.items()}
    unknown = [name for name in explicit if name not in headers]
    if unknown:
        raise ImportFileError(f"mapping.{unknown[0]}", "no column has this header")
    targets: dict[int, str] = {}
    used: dict[str, str] = {}
    for index, name in enumerate(headers):
        if name in explicit:
            targets[index] = _target_check(explicit[name], name, used)
    for index, name in enumerate(headers):
        if name and name not in explicit:
            target = _BY_ALIAS.get(header_normalize(name))
            if target is None or (target in used and used[target] in explicit):
                target = ATTRIBUTE_PREFIX + (name[len(ATTRIBUTE_PREFIX):].strip()
                                             if name.lower().startswith(ATTRIBUTE_PREFIX)
                                             else attribute_key(name))
            targets[index] = _target_check(target, name, used)
    if "external_id" not in used:
        raise ImportFileError("file", "no column for the customer id: name one external_id, "
                              "id or customer_id, or map one to external_id")
    columns = [Column(i, headers[i], t) for i, t in sorted(targets.items()) if t not in IGNORE]
    return ColumnPlan(columns, len(headers), {c.target: c.header for c in columns})


def _target_check(target: str, name: str, used: dict[str, str]) -> str:
    if target in IGNORE:
        return target
    if not target.startswith(ATTRIBUTE_PREFIX):
        target = _BY_ALIAS.get(header_normalize(target), target)
    if target not in FIELD_ALIASES and not (
            target.startswith(ATTRIBUTE_PREFIX) and len(target) > len(ATTRIBUTE_PREFIX)):
        raise ImportFileError(f"mapping.{name}", f"unknown field {target!r}; use one of "
                              f"{', '.join(FIELD_ALIASES)}, attributes.<key> or - to skip")
    if target in used:
        raise ImportFileError(f"mapping.{name}", f"columns {used[target]!r} and {name!r} "
                              f"both map to {target}")
    used[target] = name
    return target


def row_parse(
    cells: list[str], plan: ColumnPlan, consent_source: str
) -> tuple[str, dict[str, Any], list[tuple[str, str]]]:
    """(external id, validated profile data, [(column, message)]) of one record. Empty cells
    leave the stored value as it is."""
    errors: list[tuple[str, str]] = []
    if any(cell.strip() for cell in cells[plan.width:]):
        errors.append(("row", f"{len(cells)} cells, but the header has {plan.width} columns"))
    data: dict[str, Any] = {}
    external_id = ""
    by_target = plan.headers
    for column in plan.columns:
        value = cells[column.index].strip() if column.index < len(cells) else ""
        if not value:
            continue
        if problem := _text_problem(value):
            errors.append((column.header, problem))
        elif column.target == "external_id":
            external_id = value
        elif column.target.startswith(ATTRIBUTE_PREFIX):
            data.setdefault("attributes", {})[column.target[len(ATTRIBUTE_PREFIX):]] = (
                value_infer(value))
        elif column.target.startswith("consent_"):
            status = CONSENT_VALUES.get(header_normalize(value))
            if status is None:
                errors.append((column.header, f"{value!r} is not a consent status; use "
                               "granted/denied, yes/no or true/false"))
            else:
                data.setdefault("consent", {})[column.target[len("consent_"):]] = {
                    "status": status, "source": consent_source}
        elif column.target == "tags":
            data["tags"] = [t.strip() for t in _TAG_SEPARATORS.split(value) if t.strip()]
        else:
            data[column.target] = value
    if not external_id:
        errors.append((by_target["external_id"], "the customer id is required"))
    elif len(external_id) > 255:
        errors.append((by_target["external_id"], "at most 255 characters"))
    try:
        validated = dict(plan.validator.run_validation(data))
    except serializers.ValidationError as exc:
        validated = {}
        errors += [(_column_of(e["field"], by_target), e["message"])
                   for e in flatten_errors(exc.detail)]
    return external_id, validated if not errors else {}, errors


def _text_problem(value: str) -> str | None:
    """What PostgreSQL cannot store: NUL, and the lone surrogates that stand for bytes the
    file's encoding could not decode."""
    if "\x00" in value:
        return "contains a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "not text in the file's encoding; save the file as UTF-8 or name its encoding"
    return None


def _column_of(error_field: str, by_target: dict[str, str]) -> str:
    """The CSV header behind a serializer error path (`consent.sms.status` -> the
    consent_sms column, `tags.3` -> the tags column)."""
    parts = error_field.split(".")
    if parts[0] == "consent" and len(parts) > 1:
        return by_target.get(f"consent_{parts[1]}", error_field)
    if parts[0] == "attributes" and len(parts) > 1:
        return by_target.get(f"attributes.{parts[1]}", error_field)
    return by_target.get(parts[0], error_field)


def value_infer(value: str) -> int | float | bool | str:
    """Attribute values: integers, decimals and true/false become JSON numbers and
    booleans; anything else, dates included, stays text. Leading zeros (zip codes, ids)
    keep a value text."""
    if _INT.fullmatch(value):
        # Longer ones (card or account numbers) stay text: JavaScript would round them.
        return int(value) if len(value.lstrip("+-")) <= 15 else value
    if _FLOAT.fullmatch(value) and math.isfinite(number := float(value)):
        return number
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return value
