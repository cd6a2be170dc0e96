"""REST API of workflows, their versions, test cases and block templates (thin views:
every write is one call into services.py / block_templates.py / portable.py)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from django_fsm import ConcurrentTransition
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.capabilities import Capability
from apps.accounts.models import User
from apps.workflows import block_templates as bt
from apps.workflows import services
from apps.workflows.errors import WorkflowError
from apps.workflows.models import (
    BlockTemplate,
    Workflow,
    WorkflowState,
    WorkflowTestCase,
)
from apps.workflows.portable import workflow_export, workflow_import
from apps.workflows.selectors import (
    workflow_detail_queryset,
    workflow_version_diff,
    workflow_version_get,
    workflow_versions,
    workflows_list,
)
from apps.workflows.serializers import (
    BlockTemplateSerializer,
    BlockTemplateVersionSerializer,
    BlockTemplateWriteSerializer,
    CaseRunSerializer,
    StarterSerializer,
    ValidationResultSerializer,
    VersionDiffSerializer,
    VersionNoteSerializer,
    WorkflowBlocksUpgradeSerializer,
    WorkflowConflictSerializer,
    WorkflowCreateSerializer,
    WorkflowDetailSerializer,
    WorkflowPortableSerializer,
    WorkflowPublishSerializer,
    WorkflowSavedSerializer,
    WorkflowSaveSerializer,
    WorkflowSerializer,
    WorkflowTestCaseSerializer,
    WorkflowUpgradedSerializer,
    WorkflowVersionDetailSerializer,
    WorkflowVersionSerializer,
)
from apps.workflows.starters import starter_use, starters_list
from apps.workflows.testing import test_cases_run

ID_REGEX = "[0-9]{1,18}"
NUMBER_REGEX = "[0-9]{1,9}"
CONFLICT = OpenApiResponse(WorkflowConflictSerializer,
                           description="Stale revision, refused transition or frozen object.")
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description='The draft revision you loaded, e.g. "3" (instead of `revision` in the body).',
)
_IF_MATCH_VALUE = re.compile(r'^\s*(?:W/)?"?([0-9]{1,9})"?\s*$')


def _user(request: Request) -> User | None:
    return request.user if isinstance(request.user, User) else None


class DomainErrorsMixin:
    """Domain errors answer in the API's error shape with their own status; a concurrent
    state change is a 409, a missing row a 404."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, WorkflowError):
            return Response(exc.body(), status=exc.status)
        if isinstance(exc, ConcurrentTransition):
            return Response({"detail": "Someone changed this at the same moment; reload and "
                             "try again.", "errors": []}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, ObjectDoesNotExist):
            exc = NotFound()
        return super().handle_exception(exc)  # type: ignore[misc]


class WorkflowFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=WorkflowState.choices)

    class Meta:
        model = Workflow
        fields = ["state"]


def _saved(workflow: Workflow, validation: Any, request: Request, code: int) -> Response:
    workflow = workflow_detail_queryset().get(pk=workflow.pk)
    data = WorkflowSavedSerializer(workflow, context={"request": request,
                                                      "validation": validation}).data
    return Response(data, status=code, headers={"ETag": f'"{workflow.draft_revision}"'})


class WorkflowViewSet(DomainErrorsMixin, viewsets.GenericViewSet):
    """Workflows: the draft the canvas edits, its lifecycle, versions and test cases."""

    lookup_value_regex = ID_REGEX
    filterset_class = WorkflowFilter
    capabilities = {
        "create": Capability.WORKFLOWS_WRITE,
        "update": Capability.WORKFLOWS_WRITE,
        "destroy": Capability.WORKFLOWS_WRITE,
        "validate": Capability.WORKFLOWS_WRITE,
        "discard": Capability.WORKFLOWS_WRITE,
        "upgrade_blocks": Capability.WORKFLOWS_WRITE,
        "test": Capability.WORKFLOWS_WRITE,
        "import_workflow": Capability.WORKFLOWS_WRITE,
        "use_starter": Capability.WORKFLOWS_WRITE,
        "publish": Capability.WORKFLOWS_PUBLISH,
        "pause": Capability.WORKFLOWS_PUBLISH,
        "resume": Capability.WORKFLOWS_PUBLISH,
        "archive": Capability.WORKFLOWS_PUBLISH,
        "rollback": Capability.WORKFLOWS_PUBLISH,
    }

    def get_queryset(self) -> QuerySet[Workflow]:
        return workflows_list() if self.action == "list" else workflow_detail_queryset()

    def get_serializer_class(self) -> type:
        return WorkflowSerializer if self.action == "list" else WorkflowDetailSerializer

    def _detail(self, workflow: Workflow, code: int = status.HTTP_200_OK) -> Response:
        workflow = workflow_detail_queryset().get(pk=workflow.pk)
        data = WorkflowDetailSerializer(workflow, context={"request": self.request}).data
        return Response(data, status=code, headers={"ETag": f'"{workflow.draft_revision}"'})

    @extend_schema(responses=WorkflowSerializer(many=True))
    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WorkflowSerializer(page, many=True).data)

    @extend_schema(request=WorkflowCreateSerializer, responses={201: WorkflowSavedSerializer})
    def create(self, request: Request) -> Response:
        """Create a draft. Rule violations come back in `validation` (they only block
        publishing); a graph of the wrong shape or bad settings is a 400."""
        body = WorkflowCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workflow, validation = services.workflow_create(user=_user(request), **body.validated_data)
        return _saved(workflow, validation, request, status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        """The draft (graph and settings), its revision (also the ETag) and status."""
        return self._detail(self.get_object())

    @extend_schema(request=WorkflowSaveSerializer, parameters=[IF_MATCH],
                   responses={200: WorkflowSavedSerializer, 409: CONFLICT})
    def update(self, request: Request, pk: str) -> Response:
        """Save the draft. Send the revision you loaded; if someone saved since, 409."""
        workflow = self.get_object()
        body = WorkflowSaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        revision = changes.pop("revision", None) or self._if_match(request)
        saved, validation = services.workflow_save(workflow.pk, revision=revision,
                                                   user=_user(request), changes=changes)
        return _saved(saved, validation, request, status.HTTP_200_OK)

    @staticmethod
    def _if_match(request: Request) -> int:
        header = request.headers.get("If-Match")
        if header is None:
            raise ValidationError({"revision": ["Send the draft revision you loaded: "
                                                "`revision` in the body or an If-Match header."]})
        match = _IF_MATCH_VALUE.match(header)
        if not match:
            raise ValidationError({"If-Match": ['Expected a revision number, e.g. "3".']})
        return int(match.group(1))

    @extend_schema(responses={204: None, 409: CONFLICT})
    def destroy(self, request: Request, pk: str) -> Response:
        """Delete a draft that was never published (otherwise archive it)."""
        services.workflow_delete(self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=ValidationResultSerializer)
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, pk: str) -> Response:
        """Every validation rule over the draft: errors block publishing, warnings don't."""
        workflow = self.get_object()
        result = services.workflow_publish_check(workflow, principal=request.user)
        return Response(ValidationResultSerializer(result.as_dict()).data)

    @extend_schema(request=WorkflowPublishSerializer,
                   responses={200: WorkflowDetailSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Freeze the draft as a new version that runs. 400 with the errors if the graph
        is invalid or a saved test case fails."""
        body = WorkflowPublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workflow = services.workflow_publish(self.get_object().pk, user=_user(request),
                                             principal=request.user, **body.validated_data)
        return self._detail(workflow)

    def _transition(self, request: Request, verb: str) -> Response:
        workflow = services.workflow_transition(self.get_object().pk, verb, user=_user(request))
        return self._detail(workflow)

    @extend_schema(request=None, responses={200: WorkflowDetailSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str) -> Response:
        """Stop starting new runs (runs under way continue)."""
        return self._transition(request, "pause")

    @extend_schema(request=None, responses={200: WorkflowDetailSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        return self._transition(request, "resume")

    @extend_schema(request=None, responses={200: WorkflowDetailSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        """Final: no new runs and no edits; history stays readable."""
        return self._transition(request, "archive")

    @extend_schema(request=None, responses={200: WorkflowDetailSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk: str) -> Response:
        """Reset the draft to the published version."""
        workflow = services.workflow_discard(self.get_object().pk, user=_user(request))
        return self._detail(workflow)

    @extend_schema(request=WorkflowBlocksUpgradeSerializer, parameters=[IF_MATCH],
                   responses={200: WorkflowUpgradedSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="upgrade-blocks")
    def upgrade_blocks(self, request: Request, pk: str) -> Response:
        """Bring the draft's blocks to their newest versions, settings carried over (all
        nodes on an older version, or those named in `nodes`). Saves the draft like a PUT
        does and answers like one, plus `upgraded`: the nodes that changed. The published
        version keeps running on its block versions until the draft is published."""
        workflow = self.get_object()
        body = WorkflowBlocksUpgradeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revision = body.validated_data.get("revision") or self._if_match(request)
        saved, validation, upgraded = services.workflow_blocks_upgrade(
            workflow.pk, revision=revision, user=_user(request),
            node_ids=body.validated_data.get("nodes"))
        saved = workflow_detail_queryset().get(pk=saved.pk)
        data = WorkflowUpgradedSerializer(saved, context={
            "request": request, "validation": validation, "upgraded": upgraded}).data
        return Response(data, headers={"ETag": f'"{saved.draft_revision}"'})

    @extend_schema(responses=WorkflowVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str) -> Response:
        """Version history, newest first."""
        page = self.paginate_queryset(workflow_versions(self.get_object()))
        return self.get_paginated_response(WorkflowVersionSerializer(page, many=True).data)

    @extend_schema(responses=WorkflowVersionDetailSerializer,
                   parameters=[OpenApiParameter("number", int, OpenApiParameter.PATH)])
    @action(detail=True, methods=["get"], url_path=f"versions/(?P<number>{NUMBER_REGEX})")
    def version(self, request: Request, pk: str, number: str) -> Response:
        version = workflow_version_get(self.get_object(), int(number))
        return Response(WorkflowVersionDetailSerializer(version).data)

    @extend_schema(
        responses=VersionDiffSerializer,
        parameters=[
            OpenApiParameter("number", int, OpenApiParameter.PATH),
            OpenApiParameter("against", str, OpenApiParameter.QUERY, required=False,
                             pattern=f"^({NUMBER_REGEX}|draft|empty)$",
                             description="A version number, `draft` or `empty`; default: "
                             "the version before."),
        ],
    )
    @action(detail=True, methods=["get"], url_path=f"versions/(?P<number>{NUMBER_REGEX})/diff")
    def version_diff(self, request: Request, pk: str, number: str) -> Response:
        """What changed: nodes added, removed and changed (which config keys), edges and
        settings, plus a summary in sentences."""
        against = request.query_params.get("against")
        if against is not None and not re.fullmatch(f"{NUMBER_REGEX}|draft|empty", against):
            raise ValidationError({"against": ["a version number, draft or empty"]})
        diff = workflow_version_diff(self.get_object(), int(number),
                                     int(against) if against and against.isdigit() else against)
        return Response(VersionDiffSerializer(diff).data)

    @extend_schema(request=VersionNoteSerializer,
                   responses={200: WorkflowDetailSerializer, 409: CONFLICT},
                   parameters=[OpenApiParameter("number", int, OpenApiParameter.PATH)])
    @action(detail=True, methods=["post"],
            url_path=f"versions/(?P<number>{NUMBER_REGEX})/rollback")
    def rollback(self, request: Request, pk: str, number: str) -> Response:
        """Publish a copy of an old version as a new version (the draft becomes it too)."""
        body = VersionNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workflow = services.workflow_rollback(self.get_object().pk, int(number),
                                              user=_user(request), principal=request.user,
                                              **body.validated_data)
        return self._detail(workflow)

    @extend_schema(responses=WorkflowPortableSerializer)
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> Response:
        """Portable JSON (no ids, users or secrets): import it here or elsewhere."""
        return Response(workflow_export(self.get_object()))

    @extend_schema(request=WorkflowPortableSerializer, responses={201: WorkflowSavedSerializer})
    @action(detail=False, methods=["post"], url_path="import")
    def import_workflow(self, request: Request) -> Response:
        """Create a draft (with its test cases) from an export."""
        body = WorkflowPortableSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workflow, validation = workflow_import(body.validated_data, user=_user(request))
        return _saved(workflow, validation, request, status.HTTP_201_CREATED)

    @extend_schema(responses=StarterSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="starters", pagination_class=None,
            filter_backends=[])
    def starters(self, request: Request) -> Response:
        """The starter workflows of the retention playbook, to start a draft from."""
        return Response(StarterSerializer(starters_list(), many=True).data)

    @extend_schema(request=None, responses={201: WorkflowSavedSerializer,
                                            404: OpenApiResponse(description="No such starter.")})
    @action(detail=False, methods=["post"], url_path=r"starters/(?P<key>[a-z0-9_]{1,64})/use")
    def use_starter(self, request: Request, key: str) -> Response:
        """A new draft from a starter, to adapt and publish (each use is its own copy)."""
        try:
            workflow, validation = starter_use(key, user=_user(request))
        except KeyError:
            raise NotFound(f"There is no starter called {key!r}.") from None
        return _saved(workflow, validation, request, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CaseRunSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        """Run the saved test cases against the draft; nothing is sent."""
        results = test_cases_run(self.get_object(), record=True)
        failed = sum(not r["passed"] for r in results)
        return Response(CaseRunSerializer({"passed": failed == 0, "total": len(results),
                                           "failed": failed, "results": results}).data)


@extend_schema(parameters=[OpenApiParameter("workflow_id", int, OpenApiParameter.PATH)])
class WorkflowTestCaseViewSet(DomainErrorsMixin, mixins.ListModelMixin,
                              mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Saved test cases of one workflow: given a customer and an event, expect a path,
    effects and an outcome."""

    serializer_class = WorkflowTestCaseSerializer
    lookup_value_regex = ID_REGEX
    capabilities = {
        "create": Capability.WORKFLOWS_WRITE,
        "update": Capability.WORKFLOWS_WRITE,
        "destroy": Capability.WORKFLOWS_WRITE,
    }

    def _workflow(self) -> Workflow:
        try:
            return Workflow.objects.get(pk=int(self.kwargs["workflow_id"]))
        except Workflow.DoesNotExist as exc:
            raise NotFound() from exc

    def get_queryset(self) -> QuerySet[WorkflowTestCase]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no URL kwargs
            return WorkflowTestCase.objects.none()
        return WorkflowTestCase.objects.filter(workflow=self._workflow())

    def create(self, request: Request, workflow_id: str) -> Response:
        body = WorkflowTestCaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.test_case_save(self._workflow(), data=body.validated_data,
                                       user=_user(request))
        return Response(WorkflowTestCaseSerializer(case).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, workflow_id: str, pk: str) -> Response:
        case = self.get_object()
        body = WorkflowTestCaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.test_case_save(case.workflow, data=body.validated_data,
                                       user=_user(request), case=case)
        return Response(WorkflowTestCaseSerializer(case).data)

    @extend_schema(responses={204: None, 409: CONFLICT})
    def destroy(self, request: Request, workflow_id: str, pk: str) -> Response:
        services.test_case_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class BlockTemplateViewSet(DomainErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """Reusable blocks: a core block with preset, locked and exposed fields, versioned
    draft -> published -> deprecated. Only publishers publish and deprecate."""

    serializer_class = BlockTemplateSerializer
    lookup_value_regex = ID_REGEX
    capabilities = {
        "create": Capability.WORKFLOWS_WRITE,
        "update": Capability.WORKFLOWS_WRITE,
        "destroy": Capability.WORKFLOWS_WRITE,
        "version_create": Capability.WORKFLOWS_WRITE,
        "publish": Capability.BLOCKS_PUBLISH,
        "deprecate": Capability.BLOCKS_PUBLISH,
    }

    def get_queryset(self) -> QuerySet[BlockTemplate]:
        return bt.block_templates_with_versions()

    def _out(self, template: BlockTemplate, code: int = status.HTTP_200_OK) -> Response:
        template = bt.block_templates_with_versions().get(pk=template.pk)
        return Response(BlockTemplateSerializer(template).data, status=code)

    @extend_schema(request=BlockTemplateWriteSerializer, responses={201: BlockTemplateSerializer})
    def create(self, request: Request) -> Response:
        body = BlockTemplateWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        missing = [key for key in ("name", "base_type") if key not in data]
        if missing:
            raise ValidationError({key: ["This field is required."] for key in missing})
        template = bt.block_template_create(user=_user(request), **data)
        return self._out(template, status.HTTP_201_CREATED)

    @extend_schema(request=BlockTemplateWriteSerializer,
                   responses={200: BlockTemplateSerializer, 409: CONFLICT})
    def update(self, request: Request, pk: str) -> Response:
        """Omitted fields stay. Preset, locked and exposed fields change only on a draft."""
        body = BlockTemplateWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._out(bt.block_template_update(self.get_object(), body.validated_data))

    @extend_schema(responses={204: None, 409: CONFLICT})
    def destroy(self, request: Request, pk: str) -> Response:
        """Delete a template that was never published (otherwise deprecate it)."""
        bt.block_template_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: BlockTemplateSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Publish the draft version: it joins the palette (Team blocks)."""
        template = self.get_object()
        bt.block_template_publish(template, user=_user(request))
        return self._out(template)

    @extend_schema(request=None, responses={200: BlockTemplateSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def deprecate(self, request: Request, pk: str) -> Response:
        """Remove from the palette; workflows that pin it keep running and get a warning."""
        template = self.get_object()
        bt.block_template_deprecate(template)
        return self._out(template)

    @extend_schema(responses=BlockTemplateVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str) -> Response:
        template = self.get_object()
        return Response(BlockTemplateVersionSerializer(
            sorted(template.versions.all(), key=lambda v: -v.number), many=True).data)

    @extend_schema(request=None, responses={201: BlockTemplateVersionSerializer, 409: CONFLICT})
    @versions.mapping.post
    def version_create(self, request: Request, pk: str) -> Response:
        """Start a new draft version (a copy of the newest one)."""
        version = bt.block_template_version_new(self.get_object(), user=_user(request))
        return Response(BlockTemplateVersionSerializer(version).data,
                        status=status.HTTP_201_CREATED)
