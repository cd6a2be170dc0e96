"""Tiny graph builders for the workflow tests."""

from typing import Any

from blocks.registry import block_latest_version

SMS = {"body": "Sorry {{ customer.first_name | default: 'there' }}, we will make it right.",
       "category": "transactional"}
LOW_SCORE = {"all": [{"field": "event.properties.score", "op": "lte", "value": 6}]}


def node(node_id: str, block_type: str, config: dict[str, Any] | None = None,
         **extra: Any) -> dict[str, Any]:
    """A node at the latest version of its block, as the canvas makes it (pass
    `version=` for an older one)."""
    version = extra.pop("version", block_latest_version(block_type) or 1)
    return {"id": node_id, "type": block_type, "version": version,
            "config": dict(config or {}), **extra}


def trigger(node_id: str = "t1", event_type: str = "feedback.submitted",
            condition: dict[str, Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"event_type": event_type}
    if condition is not None:
        config["condition"] = condition
    return node(node_id, "trigger.event", config)


def sms(node_id: str = "a1", body: str | None = None) -> dict[str, Any]:
    return node(node_id, "action.send_sms", {**SMS, **({"body": body} if body else {})})


def wait(node_id: str = "w1", duration: str = "1d") -> dict[str, Any]:
    return node(node_id, "flow.wait", {"mode": "duration", "duration": duration})


def filter_(node_id: str = "f1", condition: dict[str, Any] | None = None) -> dict[str, Any]:
    return node(node_id, "flow.filter", {"condition": condition or LOW_SCORE})


def edge(source: str, target: str, port: str = "out") -> dict[str, Any]:
    return {"source": source, "source_port": port, "target": target}


def graph(*nodes: dict[str, Any], edges: tuple[dict[str, Any], ...] | list = ()
          ) -> dict[str, Any]:
    return {"schema_version": 1, "nodes": list(nodes), "edges": list(edges)}


def apology() -> dict[str, Any]:
    """trigger (score <= 6) -> SMS: the smallest valid, publishable workflow."""
    return graph(trigger(condition=LOW_SCORE), sms(), edges=[edge("t1", "a1")])


def draft_save(client: Any, workflow_id: int, revision: int | None, **changes: Any) -> Any:
    """PUT /workflows/{id} with the revision the caller read."""
    body = {**changes, **({"revision": revision} if revision is not None else {})}
    return client.put(f"/api/v1/workflows/{workflow_id}", body, format="json")
