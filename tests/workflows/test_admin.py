"""The back office: every workflows model has an admin page; states move only through
the actions (which call the services), and frozen things stay frozen."""

import pytest

from apps.workflows.models import (
    BlockTemplate,
    BlockTemplateVersion,
    Workflow,
    WorkflowTestCase,
    WorkflowVersion,
)
from tests.workflows.graphs import apology

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user, published, composer):
    composer.post("/api/v1/block-templates", {"name": "T", "base_type": "action.send_sms"},
                  format="json")
    composer.post(f"/api/v1/workflows/{published['id']}/test-cases",
                  {"name": "c", "given": {}, "expect": {"outcome": "not_triggered"}},
                  format="json")
    client.force_login(make_user("admin"))
    return client


@pytest.mark.parametrize("model", ["workflow", "workflowversion", "workflowtestcase",
                                   "blocktemplate", "blocktemplateversion"])
def test_every_model_has_list_and_change_pages(admin_client, model):
    models = {"workflow": Workflow, "workflowversion": WorkflowVersion,
              "workflowtestcase": WorkflowTestCase, "blocktemplate": BlockTemplate,
              "blocktemplateversion": BlockTemplateVersion}
    pk = models[model].objects.get().pk

    listing = admin_client.get(f"/admin/workflows/{model}/")
    change = admin_client.get(f"/admin/workflows/{model}/{pk}/change/")

    assert (listing.status_code, change.status_code) == (200, 200)


def test_publish_action_goes_through_the_service(admin_client, make_workflow):
    draft = make_workflow(name="Draft")

    admin_client.post("/admin/workflows/workflow/", {"action": "publish",
                                                     "_selected_action": [draft["id"]]})

    workflow = Workflow.objects.get(pk=draft["id"])
    assert (workflow.state, workflow.published_version.number) == ("published", 1)


def test_a_malformed_draft_cannot_be_saved_in_the_admin(admin_client, published):
    response = admin_client.post(f"/admin/workflows/workflow/{published['id']}/change/", {
        "name": "Broken", "description": "", "starter_key": "",
        "draft_graph": '{"nodes": "many"}', "draft_settings": "{}",
    })

    assert response.status_code == 200  # the form again, with the error
    assert "graph.schema_version" in response.content.decode()
    assert Workflow.objects.get(pk=published["id"]).draft_graph == apology()


def test_an_admin_added_template_starts_with_a_draft_version(admin_client):
    admin_client.post("/admin/workflows/blocktemplate/add/", {
        "name": "From admin", "description": "", "base_type": "action.send_sms", "icon": "",
        "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
    })

    template = BlockTemplate.objects.get(name="From admin")
    assert list(template.versions.values_list("number", "state")) == [(1, "draft")]
