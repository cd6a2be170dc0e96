"""REST API of agent tasks: the inbox (list by due time), detail, claim/complete/cancel;
response targets (the open tasks at risk, the weekly report) and the queues' settings."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.capabilities import Capability
from apps.accounts.models import User
from apps.reports.serializers import ReportQuerySerializer
from apps.tasks import services
from apps.tasks.filters import TaskFilter
from apps.tasks.models import TaskQueue
from apps.tasks.selectors import tasks_list
from apps.tasks.serializers import (
    SlaSummarySerializer,
    SlaWeekSerializer,
    TaskCancelSerializer,
    TaskCompleteSerializer,
    TaskErrorSerializer,
    TaskQueueSerializer,
    TaskSerializer,
)
from apps.tasks.sla import sla_summary, sla_weekly

CONFLICT = OpenApiResponse(TaskErrorSerializer,
                           description="The task's state (or its holder) does not allow this.")
NOBODY = OpenApiResponse(TaskErrorSerializer,
                         description="An API key cannot claim: a task is claimed by a person.")


def _user(request: Request) -> User | None:
    return request.user if isinstance(request.user, User) else None


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Agent tasks, soonest due first. Viewers read; composers and above work them."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    lookup_value_regex = "[0-9]{1,18}"
    capabilities = {
        "claim": Capability.TASKS_WORK,
        "complete": Capability.TASKS_WORK,
        "cancel": Capability.TASKS_WORK,
    }

    def get_queryset(self):
        return tasks_list()

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.TaskError):
            return Response(exc.body(), status=exc.status)
        if isinstance(exc, ConcurrentTransition):
            return Response({"detail": _("Someone changed this task at the same moment; "
                                         "reload and try again."), "errors": []},
                            status=status.HTTP_409_CONFLICT)
        if isinstance(exc, ObjectDoesNotExist):
            exc = NotFound()
        return super().handle_exception(exc)

    @extend_schema(responses=SlaSummarySerializer)
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def sla(self, request: Request) -> Response:
        """Open tasks at risk of missing their queue's response target, and past it."""
        return Response(SlaSummarySerializer(sla_summary(timezone.now())).data)

    @extend_schema(request=None, responses={200: TaskSerializer, 400: NOBODY, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        """Take the task: it is assigned to you and in progress."""
        user = _user(request)
        if user is None:
            raise ValidationError({"assignee": [_("Only a signed-in person can claim a task; "
                                                  "an API key is nobody.")]})
        task = services.task_claim(self.get_object().pk, user=user)
        return Response(TaskSerializer(task).data)

    @extend_schema(request=TaskCompleteSerializer, responses={200: TaskSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """Close the task with its outcome; emits the customer event task.completed."""
        task = self.get_object()
        body = TaskCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.task_complete(task.pk, user=_user(request), **body.validated_data)
        return Response(TaskSerializer(task).data)

    @extend_schema(request=TaskCancelSerializer, responses={200: TaskSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        body = TaskCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.task_cancel(task.pk, user=_user(request), **body.validated_data)
        return Response(TaskSerializer(task).data)


class TaskSlaReportApi(APIView):
    """Per queue and week: tasks done within their response target, and missed."""

    @extend_schema(parameters=[ReportQuerySerializer], responses=SlaWeekSerializer(many=True),
                   operation_id="reports_task_sla", tags=["tasks"])
    def get(self, request: Request) -> Response:
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = sla_weekly(query.validated_data["from"], query.validated_data["to"],
                          timezone.now())
        return Response(SlaWeekSerializer(rows, many=True).data)


class TaskQueueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, mixins.UpdateModelMixin,
                       viewsets.GenericViewSet):
    """Queues' business hours and response targets; queues without one use the global
    settings. Everyone reads; admins change them."""

    serializer_class = TaskQueueSerializer
    queryset = TaskQueue.objects.order_by("name")
    lookup_field = "name"
    lookup_value_regex = "[^/]{1,64}"
    pagination_class = None  # a handful of queues
    capabilities = {"create": Capability.QUEUES_MANAGE, "update": Capability.QUEUES_MANAGE,
                    "partial_update": Capability.QUEUES_MANAGE}
