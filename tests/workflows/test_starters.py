"""The seven starter workflows of the retention playbook import, validate, pass their own
test cases and publish; `load_starters` loads them once."""

import io

import pytest
from django.core.management import call_command

from apps.common.translations import po_files
from apps.workflows.models import Workflow
from apps.workflows.starters import starter_documents, starter_texts

pytestmark = pytest.mark.django_db

STARTERS = starter_documents()


def test_the_playbook_is_complete():
    assert sorted(STARTERS) == ["churn_risk_call", "comeback_exit_survey",
                                "contract_end_reactivation", "high_value_at_risk",
                                "inactivity_rhythm_nudge",
                                "negative_feedback_apology", "vip_reward"]
    assert all(document["test_cases"] for document in STARTERS.values())


@pytest.mark.parametrize("key", sorted(STARTERS))
def test_a_starter_imports_validates_and_publishes(key, publisher):
    imported = publisher.post("/api/v1/workflows/import", STARTERS[key], format="json")
    workflow_id = imported.json()["id"]

    tested = publisher.post(f"/api/v1/workflows/{workflow_id}/test").json()
    published = publisher.post(f"/api/v1/workflows/{workflow_id}/publish", {}, format="json")

    assert imported.status_code == 201
    assert imported.json()["validation"] == {"valid": True, "errors": [], "warnings": []}
    assert [r["diff"] for r in tested["results"]] == [[]] * len(STARTERS[key]["test_cases"])
    assert published.status_code == 200, published.json()
    assert (published.json()["state"], published.json()["version"]) == ("published", 1)


def test_load_starters_is_idempotent():
    first, second = io.StringIO(), io.StringIO()

    call_command("load_starters", "--publish", stdout=first)
    call_command("load_starters", "--publish", stdout=second)

    assert Workflow.objects.count() == 7
    assert set(Workflow.objects.values_list("state", flat=True)) == {"published"}
    assert first.getvalue().count("created, published, state published") == 7
    assert second.getvalue().count("exists, state published") == 7
    apology = Workflow.objects.get(starter_key="negative_feedback_apology")
    assert apology.name == "Negative-feedback apology"
    assert apology.test_cases.count() == 6


def test_load_starters_without_publish_leaves_drafts():
    call_command("load_starters", stdout=io.StringIO())

    assert set(Workflow.objects.values_list("state", flat=True)) == {"draft"}


def test_the_gallery_lists_each_starter_with_its_steps_and_the_workflow_made_from_it(
        client_as, publisher):
    used = publisher.post("/api/v1/workflows/starters/negative_feedback_apology/use")

    gallery = client_as("viewer").get("/api/v1/workflows/starters")

    assert used.status_code == 201, used.content
    assert used.json()["name"] == "Negative-feedback apology"
    assert used.json()["validation"]["valid"] is True
    by_key = {s["key"]: s for s in gallery.json()}
    assert sorted(by_key) == sorted(STARTERS)
    apology = by_key["negative_feedback_apology"]
    assert apology["steps"][0] == "Bad feedback"  # titles, not node ids or block types
    assert apology["used_by"] == used.json()["id"]
    assert by_key["vip_reward"]["used_by"] is None


@pytest.mark.parametrize("language", ["de", "ru"])
def test_every_gallery_text_has_a_translation(language):
    from babel.messages.pofile import read_po

    [path] = [p for p in po_files() if p.stem == "starters" and p.parents[1].name == language]
    with path.open("rb") as source:
        translated = {m.id for m in read_po(source) if m.id and m.string}

    missing = {t for doc in STARTERS.values() for t in starter_texts(doc)} - translated

    assert missing == set(), "add them to locale/*/LC_MESSAGES/starters.po"


def test_the_gallery_speaks_the_readers_language(client_as):
    gallery = client_as("viewer").get("/api/v1/workflows/starters",
                                      HTTP_ACCEPT_LANGUAGE="de").json()

    apology = {s["key"]: s for s in gallery}["negative_feedback_apology"]
    assert apology["name"] == "Entschuldigung bei negativem Feedback"
    assert apology["steps"][:2] == ["Schlechtes Feedback", "Welchen Kanal dürfen wir nutzen?"]
    assert apology["description"].startswith("Ein Kunde bewertet uns mit 6 oder schlechter")


def test_a_draft_from_a_starter_reads_in_the_users_language(publisher):
    draft = publisher.post("/api/v1/workflows/starters/negative_feedback_apology/use",
                           HTTP_ACCEPT_LANGUAGE="de").json()

    workflow = Workflow.objects.get(pk=draft["id"])
    labels = [node.get("label") for node in workflow.draft_graph["nodes"]]
    assert workflow.name == "Entschuldigung bei negativem Feedback"
    assert labels[:2] == ["Schlechtes Feedback", "Welchen Kanal dürfen wir nutzen?"]


def test_each_use_of_a_starter_is_a_draft_of_its_own(publisher):
    first = publisher.post("/api/v1/workflows/starters/vip_reward/use").json()
    second = publisher.post("/api/v1/workflows/starters/vip_reward/use").json()

    assert first["id"] != second["id"]
    assert second["name"] == f"{first['name']} (2)"
    assert Workflow.objects.filter(state="draft").count() == 2


@pytest.mark.parametrize(("role", "key", "status"), [
    pytest.param("viewer", "vip_reward", 403, id="viewer-may-not"),
    pytest.param("composer", "no_such_starter", 404, id="unknown"),
    pytest.param("composer", "Bad-Key!", 404, id="malformed"),
])
def test_using_a_starter_is_refused_in_words(client_as, role, key, status):
    response = client_as(role).post(f"/api/v1/workflows/starters/{key}/use")

    assert response.status_code == status
    assert Workflow.objects.count() == 0
