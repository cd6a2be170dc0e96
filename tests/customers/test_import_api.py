"""POST /api/v1/customers/import: the CSV import as an upload."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.customers.models import Customer

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "data" / "customers_import.csv"
URL = "/api/v1/customers/import"


def upload(content: bytes, name: str = "customers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_composer_uploads_a_csv_and_gets_the_report(client_as):
    response = client_as("composer").post(
        URL, {"file": upload(FIXTURE.read_bytes())}, format="multipart")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("dry_run", "rows", "created", "updated", "unchanged",
                                 "failed", "duplicates", "errors_truncated")} == {
        "dry_run": False, "rows": 12, "created": 5, "updated": 0, "unchanged": 0,
        "failed": 6, "duplicates": 1, "errors_truncated": False}
    assert [(e["line"], e["field"]) for e in body["errors"]] == [
        (5, "email"), (6, "phone"), (10, "timezone"), (11, "ID"), (12, "consent_email"),
        (12, "churn_score"), (15, "row")]
    assert body["errors"][0]["message"] == "Enter a valid email address."
    assert Customer.objects.count() == 5


def test_upload_with_mapping_dry_run_and_options(client_as):
    response = client_as("admin").post(URL, {
        "file": upload(b"Nr;Mail;Opt-in\n7;seven@example.com;no\n"),
        "mapping": json.dumps({"Nr": "external_id", "Mail": "email",
                               "Opt-in": "consent_sms"}),
        "dry_run": "true", "delimiter": ";", "consent_source": "shop",
    }, format="multipart")

    assert response.status_code == 200
    assert (response.json()["created"], response.json()["dry_run"]) == (1, True)
    assert not Customer.objects.exists()


def test_an_api_key_with_events_write_may_import(key_client):
    response = key_client("events:write").post(
        URL, {"file": upload(b"id,tier\nk9,gold\n")}, format="multipart")

    assert response.status_code == 200
    assert Customer.objects.get(external_id="k9").tier == "gold"


def test_a_temporary_file_upload_works_like_one_in_memory(client_as, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # Django spools every upload to disk

    response = client_as("composer").post(
        URL, {"file": upload(b"id,tier\nt1,gold\n")}, format="multipart")

    assert (response.status_code, response.json()["created"]) == (200, 1)


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("composer", 200)],
                         ids=["viewer", "composer"])
def test_roles(client_as, role, status):
    response = client_as(role).post(URL, {"file": upload(b"id\nr1\n")}, format="multipart")

    assert response.status_code == status
    assert Customer.objects.filter(external_id="r1").exists() == (status == 200)


def test_anonymous_is_401(client):
    assert client.post(URL, {"file": upload(b"id\nr1\n")}).status_code == 401


@pytest.mark.parametrize(("data", "field", "text"), [
    ({}, "file", "No file was submitted."),
    ({"file": upload(b"")}, "file", "The submitted file is empty."),
    ({"file": upload(b"name\nA\n")}, "file", "no column for the customer id"),
    ({"file": upload(b"id\n1\n"), "mapping": "{nope"}, "mapping", "not valid JSON"),
    ({"file": upload(b"id\n1\n"), "mapping": "[1]"}, "mapping", "expected {"),
    ({"file": upload(b"id\n1\n"), "mapping": '{"\\ud800": "email"}'}, "mapping",
     "cannot be stored"),
    ({"file": upload(b"id\n1\n"), "mapping": '{"id": "shoe_size"}'}, "mapping.id",
     "unknown field 'shoe_size'"),
    ({"file": upload(b"id\n1\n"), "encoding": "klingon"}, "encoding", "unknown text encoding"),
    ({"file": upload(b"id\n1\n"), "encoding": "hex"}, "encoding", "unknown text encoding"),
    ({"file": upload(b"id\n1\n"), "delimiter": "||"}, "delimiter", "is not a valid choice"),
], ids=["no-file", "empty-file", "no-id-column", "mapping-not-json", "mapping-not-object",
        "mapping-surrogate", "mapping-unknown-field", "unknown-encoding", "bytes-codec",
        "bad-delimiter"])
def test_bad_input_is_a_400_naming_the_field(client_as, data, field, text):
    response = client_as("composer").post(URL, data, format="multipart")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert text in errors[0]["message"]


def test_json_body_is_415(client_as):
    response = client_as("composer").post(URL, {"file": "id\n1\n"}, format="json")

    assert response.status_code == 415


def test_the_error_list_is_capped_at_1000(client_as):
    rows = "".join(f"b{n},not-an-email\n" for n in range(1005))

    response = client_as("composer").post(
        URL, {"file": upload(("id,email\n" + rows).encode())}, format="multipart")

    body = response.json()
    assert (body["failed"], len(body["errors"]), body["errors_truncated"]) == (1005, 1000, True)


def test_a_customer_whose_id_is_import_is_still_reachable(client_as):
    admin = client_as("admin")

    created = admin.put(f"{URL}", {"tier": "gold"}, format="json")
    read = admin.get(URL)
    read_slash = admin.get(f"{URL}/")
    imported = admin.post(URL, {"file": upload(b"id,tier\nimport,silver\n")},
                          format="multipart")
    erased = admin.delete(URL)

    assert (created.status_code, read.status_code, read_slash.status_code) == (201, 200, 200)
    assert (read.json()["external_id"], read.json()["tier"]) == ("import", "gold")
    assert (imported.status_code, imported.json()["updated"]) == (200, 1)
    assert erased.status_code == 204
