"""CSV import: the service and `manage.py import_customers`.

data/customers_import.csv borrows ID, frequency, recency and T from CDNOW's calibration
summary (/work/shared/data/cdnow) and adds profile columns and deliberately bad rows.
"""

import io
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.customers.importing import (
    ImportFileError,
    customers_import,
    delimiter_detect,
    encoding_detect,
    value_infer,
)
from apps.customers.models import Customer

FIXTURE = Path(__file__).parent / "data" / "customers_import.csv"
FIXTURE_ERRORS = [
    "line 5: email: Enter a valid email address.",
    "line 6: phone: not a phone number in international form (+CC...): (0) Missing or "
    "invalid default region.",
    "line 10: timezone: unknown time zone 'Mars/Olympus'; use an IANA name like Europe/Berlin",
    "line 11: ID: the customer id is required",
    "line 12: consent_email: 'maybe' is not a consent status; use granted/denied, yes/no or "
    "true/false",
    "line 12: churn_score: Ensure this value is less than or equal to 1.",
    "line 15: row: 19 cells, but the header has 18 columns",
]


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_customers", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def csv_import(text: str, encoding: str = "utf-8", **options):
    return customers_import(io.BytesIO(text.encode(encoding)), **options)


@pytest.mark.django_db
def test_command_imports_good_rows_and_reports_bad_ones_by_line_and_column():
    output = run(str(FIXTURE))

    assert output.splitlines() == [
        "12 rows: created 5, updated 0, unchanged 0, failed 6, duplicates 1",
        *FIXTURE_ERRORS,
    ]
    assert sorted(Customer.objects.values_list("external_id", flat=True), key=int) == [
        "1", "2", "3", "6", "9"]


@pytest.mark.django_db
def test_imported_profile_fields_attributes_and_consent():
    run(str(FIXTURE))

    ada = Customer.objects.get(external_id="1")
    assert (ada.email, ada.phone, ada.first_name, ada.last_name, ada.timezone, ada.tier,
            ada.churn_score, ada.clv, ada.tags) == (
        "cd1@example.com", "+4915112345678", "Ada", "Lovelace", "Europe/Berlin", "gold",
        0.12, Decimal("22.35"), ["newsletter", "vip"])
    assert ada.attributes == {"frequency": 2, "recency": 30.43, "t": 38.86,
                              "first_purchase": "1997-01-01", "zip": "01234"}
    assert {c: (e["status"], e["source"]) for c, e in ada.consent.items()} == {
        "email": ("granted", "import"), "sms": ("denied", "import")}
    grace = Customer.objects.get(external_id="2")
    assert grace.email == "cd2-new@example.com"  # the later row of id 2 wins
    assert grace.attributes["note"] == "likes jazz, blues"
    assert grace.consent["email"]["status"] == "granted"  # "yes"
    assert Customer.objects.get(external_id="6").attributes["note"] == "first line\nsecond line"


@pytest.mark.django_db
def test_a_rerun_changes_nothing():
    run(str(FIXTURE))
    before = {c.external_id: (c.updated_at, c.consent, c.attributes)
              for c in Customer.objects.all()}

    output = run(str(FIXTURE))

    assert output.splitlines()[0] == (
        "12 rows: created 0, updated 0, unchanged 5, failed 6, duplicates 1")
    after = {c.external_id: (c.updated_at, c.consent, c.attributes)
             for c in Customer.objects.all()}
    assert after == before


@pytest.mark.django_db
def test_a_changed_row_is_updated_and_only_a_changed_consent_gets_a_new_time():
    csv_import("id,email,consent_email,consent_sms\na,a@example.com,granted,granted\n"
               "b,b@example.com,granted,\n")
    a_before = Customer.objects.get(external_id="a")

    report = csv_import("id,email,consent_email,consent_sms\na,a@example.com,granted,denied\n"
                        "b,b@example.com,granted,\n", consent_source="crm")

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    a = Customer.objects.get(external_id="a")
    assert a.consent["email"] == a_before.consent["email"]
    assert (a.consent["sms"]["status"], a.consent["sms"]["source"]) == ("denied", "crm")
    assert a.consent["sms"]["at"] > a_before.consent["sms"]["at"]
    assert a.updated_at > a_before.updated_at


@pytest.mark.django_db
def test_dry_run_reports_and_writes_nothing():
    output = run(str(FIXTURE), "--dry-run")

    assert output.splitlines()[0] == (
        "Dry run, nothing written: 12 rows: created 5, updated 0, unchanged 0, failed 6, "
        "duplicates 1")
    assert not Customer.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("raw", "expected_name"), [
    ("\ufeffcustomer_id;first_name;tags\r\nk1;Zoë;a|b\r\n".encode(), "Zoë"),
    (b"customer_id\tfirst_name\ttags\nk1\tZo\xeb\ta;b\n", "Zoë"),
    ("customer_id,first_name,tags\nk1,Zoë,a;b\n".encode("utf-16"), "Zoë"),
    (b'"customer_id","first_name","tags"\n"k1","Zo\xc3\xab","a; b"\n\n\n', "Zoë"),
], ids=["utf8-bom-semicolon-crlf", "cp1252-tab", "utf16", "quoted-trailing-empty-lines"])
def test_encodings_and_delimiters_are_detected(raw, expected_name):
    report = customers_import(io.BytesIO(raw))

    assert (report.rows, report.created, report.failed) == (1, 1, 0)
    customer = Customer.objects.get(external_id="k1")
    assert (customer.first_name, customer.tags) == (expected_name, ["a", "b"])


@pytest.mark.django_db
def test_mapping_renames_skips_and_prefixes_columns():
    report = csv_import(
        "Kundennummer,Mail,Notes,attributes.Plan,Signup Date,id\n"
        "K-1,k1@example.com,ignore me,Pro,2024-05-01,row-7\n",
        mapping={"Kundennummer": "external_id", "Mail": "email", "Notes": "-"},
    )

    assert (report.created, report.failed) == (1, 0)
    customer = Customer.objects.get(external_id="K-1")
    assert customer.email == "k1@example.com"
    # "id" would be the id column by name, but a mapped column took that field.
    assert customer.attributes == {"Plan": "Pro", "signup_date": "2024-05-01", "id": "row-7"}


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "mapping", "field", "message"), [
    ("email,name\na@example.com,A\n", {}, "file", "no column for the customer id"),
    ("", {}, "file", "the file is empty"),
    ("id,email\n1,a@b.c\n", {"Mail": "email"}, "mapping.Mail", "no column has this header"),
    ("id,email\n1,a@b.c\n", {"email": "e-mail-address"}, "mapping.email", "unknown field"),
    ("id,email,E-Mail\n1,a@b.c,b@c.d\n", {}, "mapping.E-Mail", "both map to email"),
    ("id,x\n1,2\n", {}, None, None),
], ids=["no-id-column", "empty", "unknown-column", "unknown-field", "two-emails", "fine"])
def test_file_level_problems_name_the_field(text, mapping, field, message):
    if field is None:
        assert csv_import(text, mapping=mapping).created == 1
        return
    with pytest.raises(ImportFileError) as raised:
        csv_import(text, mapping=mapping)

    assert raised.value.field == field
    assert message in raised.value.message


@pytest.mark.django_db
def test_command_refuses_a_bad_file_with_a_clear_error(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name\nAda\n")

    with pytest.raises(CommandError, match="no column for the customer id"):
        run(str(path))
    with pytest.raises(CommandError, match="expected COLUMN=FIELD"):
        run(str(path), "--map", "name")
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "missing.csv"))


@pytest.mark.django_db
def test_command_mapping_and_consent_source_options(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Nr;Opt-in\n77;yes\n")

    output = run(str(path), "--map", "Nr=external_id", "--map", "Opt-in=consent_email",
                 "--consent-source", "crm_export", "--delimiter", "semicolon")

    assert output.splitlines() == ["1 rows: created 1, updated 0, unchanged 0, failed 0"]
    consent = Customer.objects.get(external_id="77").consent["email"]
    assert (consent["status"], consent["source"]) == ("granted", "crm_export")


@pytest.mark.django_db
def test_rows_are_written_in_batches_not_one_transaction_each(django_assert_max_num_queries):
    rows = "".join(f"c{n},c{n}@example.com,{n}\n" for n in range(2500))

    with django_assert_max_num_queries(30):  # 3 batches: a few queries each, not 2,500
        report = csv_import("external_id,email,visits\n" + rows)

    assert (report.created, report.failed) == (2500, 0)
    assert Customer.objects.get(external_id="c2499").attributes == {"visits": 2499}


@pytest.mark.django_db
def test_progress_reports_rows_and_bytes_per_batch():
    calls: list[tuple[int, int]] = []
    text = "id\n" + "".join(f"p{n}\n" for n in range(5))

    csv_import(text, batch_size=2, progress=lambda rows, done: calls.append((rows, done)))

    assert [rows for rows, _ in calls] == [2, 4, 5]
    assert calls[-1][1] == len(text)


@pytest.mark.django_db
def test_error_list_is_capped_but_every_failure_counted():
    text = "id,email\n" + "".join(f"x{n},bad\n" for n in range(30))

    report = csv_import(text, max_errors=10)

    assert (report.failed, report.error_count, len(report.errors)) == (30, 30, 10)
    assert report.errors_truncated
    assert str(report.errors[-1]) == "line 11: email: Enter a valid email address."


@pytest.mark.django_db
def test_bytes_not_in_the_encoding_fail_their_row_only():
    raw = b"id,name\ng0,Ann\ng1,Zo\xff\ng2,Bob\n"

    report = customers_import(io.BytesIO(raw), encoding="utf-8")

    assert (report.created, report.failed) == (2, 1)
    assert [str(e) for e in report.errors] == [
        "line 3: name: not text in the file's encoding; save the file as UTF-8 or name its "
        "encoding"]


@pytest.mark.django_db
def test_a_header_not_in_the_encoding_refuses_the_file():
    with pytest.raises(ImportFileError, match="header line is not text"):
        customers_import(io.BytesIO(b"id,Stra\xdfe\n1,x\n"), encoding="utf-8")


@pytest.mark.django_db
def test_unreadable_records_and_nul_characters_are_row_errors():
    text = "id,note\nok1,fine\nnul,a\x00b\nbig," + "x" * 200_000 + "\nok2,fine\n"

    report = csv_import(text)

    assert (report.created, report.failed) == (2, 2)
    assert [(e.line, e.field) for e in report.errors] == [(3, "note"), (4, "row")]


@pytest.mark.parametrize(("value", "expected"), [
    ("42", 42), ("-7", -7), ("0", 0), ("3.5", 3.5), (".5", 0.5), ("1e3", 1000.0),
    ("true", True), ("FALSE", False), ("01234", "01234"), ("1997-01-01", "1997-01-01"),
    ("1234567890123456", "1234567890123456"), ("1e400", "1e400"), ("yes", "yes"),
    ("12,5", "12,5"), ("nan", "nan"),
], ids=["int", "negative", "zero", "float", "leading-dot", "exponent", "true", "false",
        "leading-zero", "date", "long-number", "overflow", "yes-is-text", "comma-decimal",
        "nan"])
def test_attribute_value_inference(value, expected):
    inferred = value_infer(value)

    assert (inferred, type(inferred)) == (expected, type(expected))


@pytest.mark.parametrize(("sample", "expected"), [
    ("a,b,c\n1,2,3", ","), ("a;b;c\n", ";"), ("a\tb\n", "\t"), ('"x,y";b;c\n', ";"),
    ("single\n", ","), ("\n\nid;x\n", ";"),
], ids=["comma", "semicolon", "tab", "quoted-comma", "one-column", "leading-blank-lines"])
def test_delimiter_detection(sample, expected):
    assert delimiter_detect(sample) == expected


@pytest.mark.parametrize(("sample", "expected"), [
    (b"\xef\xbb\xbfid\n", "utf-8-sig"), (b"id\nZo\xc3\xab\n", "utf-8-sig"),
    (b"id\nZo\xeb\n", "cp1252"), ("id".encode("utf-16"), "utf-16"),
    (b"id\nZo\xc3", "utf-8-sig"),
], ids=["bom", "utf8", "latin", "utf16", "cut-mid-character"])
def test_encoding_detection(sample, expected):
    assert encoding_detect(sample) == expected
