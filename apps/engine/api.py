"""REST API of runs: list and inspect them, cancel and retry them, start them by hand,
dry-run a workflow, and the per-node counts of the canvas overlay. Thin views: every
write is one call into services.py, every read one selector."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.capabilities import Capability
from apps.accounts.models import User
from apps.common.schema import IDEMPOTENCY_KEY_REUSED
from apps.engine import selectors, services
from apps.engine.filters import RunFilter
from apps.engine.models import Fanout, Run
from apps.engine.serializers import (
    DryRunResultSerializer,
    DryRunSerializer,
    FanoutSerializer,
    ManualStartSerializer,
    RunCancelSerializer,
    RunDetailSerializer,
    RunRetrySerializer,
    RunsCancelledSerializer,
    RunsCancelSerializer,
    RunSerializer,
    WorkflowCountsSerializer,
)
from apps.workflows.errors import WorkflowError
from apps.workflows.models import Workflow

ID_REGEX = "[0-9]{1,18}"
CONFLICT = OpenApiResponse(description="The run's state does not allow this (the message "
                                       "says why).")
WORKFLOW_ID = OpenApiParameter("workflow_id", int, OpenApiParameter.PATH)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Send the same key again (e.g. after a timeout) and get the same run (200) "
                "instead of a second one. 1 to 150 printable characters.")
_KEY = re.compile(r"^[\x21-\x7e]{1,150}$")


def _user(request: Request) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _workflow(workflow_id: str | int) -> Workflow:
    try:
        workflow: Workflow = Workflow.objects.select_related("published_version") \
            .get(pk=int(workflow_id))
        return workflow
    except Workflow.DoesNotExist as exc:
        raise NotFound() from exc


def run_detail_response(run_id: int, code: int = status.HTTP_200_OK) -> Response:
    run = selectors.run_get(run_id)
    context = {"steps": selectors.run_steps(run), "waits": selectors.run_waits(run),
               "messages": selectors.runs_messages([run])}
    return Response(RunDetailSerializer(run, context=context).data, status=code)


class EngineErrorsMixin:
    """Domain errors in the one error shape: bad input 400, a refusing state 409."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, WorkflowError):
            return Response(exc.body(), status=exc.status)
        if isinstance(exc, services.RunStateError):
            return Response({"detail": str(exc), "errors": [
                {"field": "state", "code": "transition_not_allowed", "message": str(exc)}]},
                status=status.HTTP_409_CONFLICT)
        if isinstance(exc, ObjectDoesNotExist):
            exc = NotFound()
        response: Response = super().handle_exception(exc)  # type: ignore[misc]
        return response


class RunViewSet(EngineErrorsMixin, mixins.ListModelMixin, viewsets.GenericViewSet[Run]):
    """Runs, newest first. Viewers read; publishers (and `runs:write` keys) cancel and
    retry."""

    serializer_class = RunSerializer
    filterset_class = RunFilter
    lookup_value_regex = ID_REGEX
    capabilities = {
        "cancel": Capability.RUNS_WRITE,
        "cancel_many": Capability.RUNS_WRITE,
        "retry": Capability.RUNS_WRITE,
    }

    def get_queryset(self) -> QuerySet[Run]:
        return selectors.runs_list()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "messages": selectors.runs_messages(page or [])}
        return self.get_paginated_response(RunSerializer(page, many=True, context=context).data)

    @extend_schema(responses=RunDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        """The run with its step timeline (node, block, outcome, port, detail, error, start,
        duration), what it waits for, its error or exit reason."""
        return run_detail_response(self.get_object().pk)

    @extend_schema(request=RunCancelSerializer,
                   responses={200: RunDetailSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Stop an active run: its waits are removed and it never advances again."""
        run = self.get_object()
        body = RunCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not services.runs_end([run.pk], verb="cancel", reason=body.validated_data["reason"]):
            run.refresh_from_db(fields=["state"])
            raise services.RunStateError(
                f"Only pending, running or waiting runs can be cancelled; this one is "
                f"{run.state}.")
        return run_detail_response(run.pk)

    @extend_schema(request=RunsCancelSerializer, responses=RunsCancelledSerializer,
                   operation_id="api_v1_runs_cancel_many")
    @action(detail=False, methods=["post"], url_path="cancel")
    def cancel_many(self, request: Request) -> Response:
        """Cancel active runs in bulk: by `ids`, or every active run of a `workflow`
        (optionally only in some `state`s). At most 10,000 per call; `remaining` says how
        many still match."""
        body = RunsCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        cancelled, remaining = services.runs_cancel_where(
            ids=data.get("ids"), workflow_id=data.get("workflow"), states=data.get("state"),
            reason=data["reason"])
        return Response(RunsCancelledSerializer({"cancelled": cancelled,
                                                 "remaining": remaining}).data)

    @extend_schema(request=RunRetrySerializer,
                   responses={200: RunDetailSerializer, 201: RunDetailSerializer,
                              409: CONFLICT})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        """Retry a failed run: from the failed step (the same run goes on, 200), or from
        the trigger (a new run of the current published version, 201)."""
        run = self.get_object()
        body = RunRetrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        from_trigger = body.validated_data["from"] == "trigger"
        retried = services.run_retry(run.pk, from_trigger=from_trigger)
        return run_detail_response(
            retried.pk, status.HTTP_201_CREATED if from_trigger else status.HTTP_200_OK)


@extend_schema(parameters=[WORKFLOW_ID])
class WorkflowCountsApi(EngineErrorsMixin, generics.GenericAPIView[Any]):
    """Per node: runs that entered, wait there now, exited or failed there, left by each
    port (the canvas overlay); and the workflow's runs per state."""

    serializer_class = WorkflowCountsSerializer

    def get(self, request: Request, workflow_id: str) -> Response:
        workflow = _workflow(workflow_id)
        return Response(WorkflowCountsSerializer(selectors.workflow_counts(workflow.pk)).data)


@extend_schema(parameters=[WORKFLOW_ID])
class WorkflowDryRunApi(EngineErrorsMixin, generics.GenericAPIView[Any]):
    """Follow the draft (or the published version) for a real customer and an optional
    event: the path, each step and the effects it would have. Nothing is stored or sent."""

    serializer_class = DryRunSerializer
    capabilities = {"POST": Capability.WORKFLOWS_WRITE}

    @extend_schema(request=DryRunSerializer, responses=DryRunResultSerializer)
    def post(self, request: Request, workflow_id: str) -> Response:
        workflow = _workflow(workflow_id)
        body = DryRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        result = services.workflow_dry_run(
            workflow, customer_external_id=data["customer_id"], event=data.get("event"),
            version=data["version"], trigger=data.get("trigger"), now=data.get("now"),
            later_events=data.get("later_events") or ())
        return Response(DryRunResultSerializer(result.as_dict()).data)


@extend_schema(parameters=[WORKFLOW_ID])
class WorkflowRunsApi(EngineErrorsMixin, generics.GenericAPIView[Any]):
    """Start the published workflow by hand: one run for a customer now, or one for every
    member of a segment (a fan-out in batches, with progress)."""

    serializer_class = ManualStartSerializer
    capabilities = {"POST": Capability.RUNS_WRITE}

    @staticmethod
    def _key(request: Request) -> str | None:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return None
        if not _KEY.match(key):
            raise ValidationError({"Idempotency-Key": ["1 to 150 printable characters, no "
                                                       "spaces."]})
        return key

    @extend_schema(request=ManualStartSerializer, parameters=[IDEMPOTENCY_KEY], responses={
        201: RunDetailSerializer,
        200: OpenApiResponse(RunDetailSerializer, description="The run this Idempotency-Key "
                                                              "started before."),
        202: OpenApiResponse(FanoutSerializer, description="A segment's fan-out (new, or the "
                                                           "one this key started before)."),
        409: CONFLICT, 422: IDEMPOTENCY_KEY_REUSED})
    def post(self, request: Request, workflow_id: str) -> Response:
        workflow = _workflow(workflow_id)
        key = self._key(request)
        body = ManualStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "segment_id" in data:
            fanout, _ = services.run_manual_fanout(
                workflow.pk, segment_id=data["segment_id"], trigger=data.get("trigger"),
                key=key, user=_user(request))
            return Response(FanoutSerializer(fanout).data, status=status.HTTP_202_ACCEPTED)
        run, created = services.run_manual_start(
            workflow.pk, customer_external_id=data["customer_id"], trigger=data.get("trigger"),
            key=key)
        return run_detail_response(run.pk,
                                   status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(parameters=[WORKFLOW_ID])
class WorkflowFanoutsApi(EngineErrorsMixin, generics.ListAPIView[Fanout]):
    """The workflow's segment fan-outs (manual and scheduled starts), newest first."""

    serializer_class = FanoutSerializer

    def get_queryset(self) -> QuerySet[Fanout]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no URL kwargs
            return Fanout.objects.none()
        return selectors.fanouts_list(_workflow(self.kwargs["workflow_id"]).pk)


class FanoutViewSet(EngineErrorsMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet[Fanout]):
    """One fan-out's progress: members processed of the total, runs started."""

    serializer_class = FanoutSerializer
    lookup_value_regex = ID_REGEX
    queryset = Fanout.objects.all()
