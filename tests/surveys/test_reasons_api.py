"""/api/v1/exit-reasons: seeded defaults, admins write, every role reads, errors name the
field, the code never changes, reorder and deactivate."""

from __future__ import annotations

import pytest

from apps.surveys.models import ExitReason

pytestmark = pytest.mark.django_db
URL = "/api/v1/exit-reasons"


def test_the_defaults_are_seeded_in_order(client_as):
    answer = client_as("viewer").get(URL)
    assert answer.status_code == 200
    assert [(r["code"], r["label_en"], r["label_de"], r["position"], r["active"])
            for r in answer.json()] == [
        ("too_expensive", "Too expensive", "Zu teuer", 1, True),
        ("better_offer", "Found a better offer", "Anderswo ein besseres Angebot gefunden", 2,
         True),
        ("poor_service", "Poor service", "Mit dem Service unzufrieden", 3, True),
        ("no_longer_needed", "Moved or no longer need it", "Umgezogen oder kein Bedarf mehr",
         4, True),
        ("other", "Other", "Etwas anderes", 5, True),
    ]
    assert all(r["label_ru"] for r in answer.json())


@pytest.mark.parametrize(("role", "status"), [
    ("viewer", 403), ("composer", 403), ("publisher", 403), ("admin", 201)])
def test_only_admins_create(client_as, role, status):
    answer = client_as(role).post(URL, {"code": "closed_shop", "label_en": "Shop closed"},
                                  format="json")
    assert answer.status_code == status
    if status == 201:
        assert answer.json()["position"] == 6  # after the last one
        assert ExitReason.objects.get(code="closed_shop").label_de == ""


@pytest.mark.parametrize(("scopes", "read", "write"), [
    (("read",), 200, 403), (("events:write",), 403, 403), (("admin",), 200, 201)])
def test_api_key_scopes(key_client, scopes, read, write):
    client = key_client(*scopes)
    assert client.get(URL).status_code == read
    assert client.post(URL, {"code": "x1", "label_en": "X"}, format="json").status_code == write


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"label_en": "No code"}, "code", "required"),
    ({"code": "Too Expensive", "label_en": "x"}, "code", "invalid"),
    ({"code": "too_expensive", "label_en": "twice"}, "code", "unique"),
    ({"code": "new_one"}, "label_en", "required"),
    ({"code": "new_one", "label_en": "x" * 121}, "label_en", "max_length"),
    ({"code": "new_one", "label_en": "x", "position": 2147483647}, "position", "max_value"),
    ({"code": "new_one", "label_en": "x", "position": -1}, "position", "min_value"),
], ids=["no-code", "bad-code", "taken-code", "no-label", "long-label", "huge-position",
        "negative-position"])
def test_invalid_reasons_are_a_400_naming_the_field(client_as, body, field, code):
    answer = client_as("admin").post(URL, body, format="json")
    assert answer.status_code == 400
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [(field, code)]


def test_admin_edits_labels_and_deactivates_but_never_changes_the_code(client_as):
    admin = client_as("admin")
    reason = ExitReason.objects.get(code="other")

    renamed = admin.patch(f"{URL}/{reason.pk}", {"label_ru": "Другая причина",
                                                 "active": False}, format="json")
    recoded = admin.patch(f"{URL}/{reason.pk}", {"code": "misc"}, format="json")
    same_code = admin.patch(f"{URL}/{reason.pk}", {"code": "other"}, format="json")

    assert renamed.status_code == 200
    assert (renamed.json()["label_ru"], renamed.json()["active"]) == ("Другая причина", False)
    assert recoded.status_code == 400
    assert [(e["field"], e["code"]) for e in recoded.json()["errors"]] == [("code", "read_only")]
    assert same_code.status_code == 200
    assert client_as("publisher").patch(f"{URL}/{reason.pk}", {"active": True},
                                        format="json").status_code == 403
    assert client_as("admin").delete(f"{URL}/{reason.pk}").status_code == 405


def test_reorder(client_as):
    admin = client_as("admin")
    answer = admin.post(f"{URL}/reorder", {"codes": ["other", "poor_service"]}, format="json")
    assert answer.status_code == 200
    assert [r["code"] for r in answer.json()] == [
        "other", "poor_service", "too_expensive", "better_offer", "no_longer_needed"]
    assert [r["position"] for r in answer.json()] == [1, 2, 3, 4, 5]
    assert [r["code"] for r in admin.get(URL).json()][:2] == ["other", "poor_service"]


@pytest.mark.parametrize(("codes", "code"), [
    ([], "empty"), (["other", "other"], "duplicate"), (["nope"], "not_found")])
def test_reorder_errors_name_codes(client_as, codes, code):
    answer = client_as("admin").post(f"{URL}/reorder", {"codes": codes}, format="json")
    assert answer.status_code == 400
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [("codes", code)]
    assert client_as("viewer").post(f"{URL}/reorder", {"codes": ["other"]},
                                    format="json").status_code == 403


def test_a_reason_after_the_highest_position_still_fits(client_as):
    # Found by the API fuzz test: a reason at the largest integer made the next one's
    # position (highest + 1) overflow the column with a 500.
    admin = client_as("admin")
    top = admin.post(URL, {"code": "at_the_end", "label_en": "Last", "position": 100_000},
                     format="json")
    after = admin.post(URL, {"code": "after_it", "label_en": "After"}, format="json")

    assert (top.status_code, after.status_code) == (201, 201), after.content
    assert after.json()["position"] == 100_000  # the largest; ties sort by id
