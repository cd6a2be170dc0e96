"""REST API of agent tasks: the inbox (list by due time), detail, claim/complete/cancel."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django_fsm import ConcurrentTransition
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.capabilities import Capability
from apps.accounts.models import User
from apps.tasks import services
from apps.tasks.filters import TaskFilter
from apps.tasks.selectors import tasks_list
from apps.tasks.serializers import (
    TaskCancelSerializer,
    TaskCompleteSerializer,
    TaskErrorSerializer,
    TaskSerializer,
)

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
            return Response({"detail": "Someone changed this task at the same moment; reload "
                             "and try again.", "errors": []}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, ObjectDoesNotExist):
            exc = NotFound()
        return super().handle_exception(exc)

    @extend_schema(request=None, responses={200: TaskSerializer, 400: NOBODY, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        """Take the task: it is assigned to you and in progress."""
        user = _user(request)
        if user is None:
            raise ValidationError({"assignee": ["Only a signed-in person can claim a task; "
                                                "an API key is nobody."]})
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
