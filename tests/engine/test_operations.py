"""Operations around runs: the customer 360 timeline, step retention (prune_steps), and
the read-only Django admin."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.customers.selectors import customer_timeline
from apps.engine.events import events_handle
from apps.engine.models import Run, Step
from tests.engine.conftest import ingest
from tests.engine.runs_helpers import advance_all, failing, simple, waiting

pytestmark = pytest.mark.django_db


def test_runs_join_the_customer_timeline(client_as, publish, customer) -> None:
    publish(simple(), name="apology")
    publish(failing(), name="ratio")
    events_handle(ingest("c1", "feedback.submitted", {"score": 3}))
    advance_all()
    runs = [item for item in customer_timeline(customer) if item["kind"] == "run"]
    titles = sorted(item["title"] for item in runs)
    assert titles == ["Started workflow apology", "Started workflow ratio",
                      "Workflow apology completed", "Workflow ratio failed"]
    failed = next(i for i in runs if i["title"] == "Workflow ratio failed")
    assert failed["data"]["outcome"] == "failed" and "divide by 0" in failed["data"]["reason"]
    # … and in the customer API's 360 view.
    body = client_as("viewer").get("/api/v1/customers/c1").json()
    assert {i["title"] for i in body["timeline"] if i["kind"] == "run"} == set(titles)


def test_timeline_before_pages_backwards(publish, customer) -> None:
    publish(waiting())
    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()
    run = Run.objects.get()
    assert [i["title"] for i in customer_timeline(customer, before=run.created_at)
            if i["kind"] == "run"] == []


def test_prune_steps_keeps_summaries(publish, customer) -> None:
    publish(simple(), settings={"re_entry": {"policy": "always"}})
    for _ in range(2):
        events_handle(ingest("c1", "feedback.submitted"))
        advance_all()
    old, new = Run.objects.order_by("id")
    Run.objects.filter(pk=old.pk).update(ended_at=timezone.now() - timedelta(days=40))
    out = StringIO()
    call_command("prune_steps", "--days", "30", "--dry-run", stdout=out)
    assert out.getvalue().startswith("would delete 2 steps of 1 runs")
    assert Step.objects.count() == 4
    out = StringIO()
    call_command("prune_steps", "--days", "30", stdout=out)
    assert out.getvalue().startswith("deleted 2 steps of 1 runs that ended before")
    assert set(Step.objects.values_list("run_id", flat=True)) == {new.pk}
    old.refresh_from_db()
    assert old.state == "completed" and old.step_count == 2  # the summary stays
    with pytest.raises(CommandError):
        call_command("prune_steps", "--days", "-1")


def test_admin_shows_runs_read_only(client, make_user, publish, customer) -> None:
    publish(waiting())
    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()
    run = Run.objects.get()
    client.force_login(make_user("admin"))
    for url in ["/admin/engine/run/", f"/admin/engine/run/{run.pk}/change/",
                "/admin/engine/wait/", "/admin/engine/triggerentry/",
                "/admin/engine/nodecount/", "/admin/engine/run/?q=abc",
                f"/admin/engine/run/?q={run.pk}", "/admin/engine/wait/?q=w1"]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/admin/engine/run/{run.pk}/change/").content.decode()
    assert "flow.wait" in page and "Save" not in page
    assert client.get("/admin/engine/run/add/").status_code == 403
