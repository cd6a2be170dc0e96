"""Who may do what: roles for people, scopes for API keys, both mapped to capabilities.

Views name the capability an action needs; this table is the single source of truth and
docs/access.md embeds the table `python manage.py access_table` prints.
"""

from enum import StrEnum


class Capability(StrEnum):
    READ = "read"
    CUSTOMERS_WRITE = "customers.write"
    CUSTOMERS_ERASE = "customers.erase"
    EVENTS_WRITE = "events.write"
    SEGMENTS_WRITE = "segments.write"
    WORKFLOWS_WRITE = "workflows.write"
    WORKFLOWS_PUBLISH = "workflows.publish"
    RUNS_WRITE = "runs.write"
    BLOCKS_PUBLISH = "blocks.publish"
    MESSAGES_MANAGE = "messages.manage"
    API_KEYS_MANAGE = "api_keys.manage"
    USERS_MANAGE = "users.manage"
    TASKS_WORK = "tasks.work"  # claim, complete and cancel agent tasks
    CREDENTIALS_MANAGE = "credentials.manage"  # stored secrets for outbound HTTP
    SURVEYS_MANAGE = "surveys.manage"  # the exit survey's reasons
    INSIGHTS_MANAGE = "insights.manage"  # churn score weights, thresholds and tiers
    QUEUES_MANAGE = "queues.manage"  # task queues' business hours and response targets


class Role(StrEnum):
    VIEWER = "viewer"
    COMPOSER = "composer"
    PUBLISHER = "publisher"
    ADMIN = "admin"


class Scope(StrEnum):
    READ = "read"
    EVENTS_WRITE = "events:write"
    RUNS_WRITE = "runs:write"
    WORKFLOWS_WRITE = "workflows:write"
    ADMIN = "admin"


C = Capability
_VIEWER = frozenset({C.READ})
_COMPOSER = _VIEWER | {C.CUSTOMERS_WRITE, C.EVENTS_WRITE, C.SEGMENTS_WRITE, C.WORKFLOWS_WRITE}
_COMPOSER |= {C.TASKS_WORK}  # contact-center agents work tasks (docs/tasks.md)
_PUBLISHER = _COMPOSER | {C.WORKFLOWS_PUBLISH, C.RUNS_WRITE, C.BLOCKS_PUBLISH}
_PUBLISHER |= {C.MESSAGES_MANAGE}  # resend / fail messages, the suppression list
_ALL = frozenset(Capability)

ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.VIEWER: _VIEWER,
    Role.COMPOSER: _COMPOSER,
    Role.PUBLISHER: _PUBLISHER,
    Role.ADMIN: _ALL,
}

SCOPE_CAPABILITIES: dict[Scope, frozenset[Capability]] = {
    Scope.READ: frozenset({C.READ}),
    # Tracking clients identify customers as well as sending their events.
    Scope.EVENTS_WRITE: frozenset({C.EVENTS_WRITE, C.CUSTOMERS_WRITE}),
    Scope.RUNS_WRITE: frozenset({C.RUNS_WRITE}),
    Scope.WORKFLOWS_WRITE: frozenset({C.WORKFLOWS_WRITE, C.WORKFLOWS_PUBLISH}),
    Scope.ADMIN: _ALL,
}


def capabilities_for_scopes(scopes: list[str]) -> frozenset[Capability]:
    granted: frozenset[Capability] = frozenset()
    for scope in scopes:
        granted |= SCOPE_CAPABILITIES[Scope(scope)]
    return granted
