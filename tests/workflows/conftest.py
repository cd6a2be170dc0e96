"""Fixtures for the workflows API tests."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.workflows.graphs import apology


@pytest.fixture
def publisher(client_as) -> APIClient:
    return client_as("publisher")


@pytest.fixture
def composer(client_as) -> APIClient:
    return client_as("composer")


@pytest.fixture
def make_workflow(publisher) -> Callable[..., dict[str, Any]]:
    """POST /workflows and return the answer's body (asserting 201)."""

    def make(graph: dict[str, Any] | None = None, client: APIClient | None = None,
             **fields: Any) -> dict[str, Any]:
        body = {"name": "Apology", "graph": graph if graph is not None else apology(), **fields}
        response = (client or publisher).post("/api/v1/workflows", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return make


@pytest.fixture
def published(make_workflow, publisher) -> dict[str, Any]:
    """A workflow published once (version 1)."""
    workflow = make_workflow()
    response = publisher.post(f"/api/v1/workflows/{workflow['id']}/publish", {}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()

