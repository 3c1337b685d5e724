"""REST views for templates, projects, milestones and the proposal: thin, one service each."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from milepost.accounts.models import Client
from milepost.accounts.permissions import roles_of
from milepost.core.errors import InvalidInput, NotAllowed
from milepost.plans import selectors, services
from milepost.plans.lifecycle.project import ProjectAction
from milepost.plans.models import Milestone, ProjectStatus
from milepost.plans.permissions import forget_project_roles

from . import plan_serializers as s
from . import roles
from .common import validated
from .errors import ErrorSerializer
from .filters import id_filter, id_param
from .plan_json import project_json
from .review_views import MilestoneReviewActions

ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 409)}


def _project_json(user, pk) -> dict:
    return s.ProjectSerializer(selectors.project_get(user, pk)).data


class TemplateListView(APIView):
    @extend_schema(responses={200: s.TemplateSerializer(many=True), 401: ErrorSerializer})
    def get(self, request):
        """Plan templates you can start a project from: built-in ones and your organisations'."""
        return Response(s.TemplateSerializer(selectors.templates_for(request.user), many=True).data)


class ProjectViewSet(viewsets.GenericViewSet):
    """Projects you can see: your organisations' and those you were given access to."""

    serializer_class = s.ProjectSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        status_filter = params.get("status")
        if status_filter and status_filter not in ProjectStatus.values:
            raise InvalidInput(_("Unknown status."), details={"status": [_("Unknown status.")]})
        return selectors.projects_visible_to(
            self.request.user, status=status_filter, client_id=id_param(self.request, "client")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ProjectStatus.values),
            id_filter("client", "Only this client's projects."),
        ]
    )
    def list(self, request):
        page = selectors.as_seen_by(request.user, self.paginate_queryset(self.get_queryset()))
        plans = selectors.plans_as_seen(page)
        return self.get_paginated_response([project_json(p, plans[p.pk]) for p in page])

    @extend_schema(
        request=s.ProjectCreateSerializer, responses={201: s.ProjectSerializer, **ERRORS}
    )
    def create(self, request):
        """Create a draft project from a template (`template`), a list of `milestones`, or blank."""
        roles.managers_anywhere(request.user)
        data = validated(s.ProjectCreateSerializer, request.data)
        client = Client.objects.filter(
            pk=data.pop("client"), organisation_id__in=list(roles_of(request.user))
        ).first()
        if client is None:
            if not roles_of(request.user):
                raise NotAllowed(_("Only members of an agency can create projects."))
            raise InvalidInput(
                _("Choose one of your clients."),
                details={"client": [_("Choose one of your clients.")]},
            )
        if "milestones" in data:
            data["milestones"] = [
                dict(m, deliverables=[dict(d) for d in m.get("deliverables", [])])
                for m in data["milestones"]
            ]
        project = services.project_create(
            organisation=client.organisation, client=client, actor=request.user, **data
        )
        return Response(_project_json(request.user, project.pk), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.ProjectSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        return Response(_project_json(request.user, pk))

    @extend_schema(request=s.ProjectPatchSerializer, responses={200: s.ProjectSerializer, **ERRORS})
    def partial_update(self, request, pk=None):
        project = selectors.project_get(request.user, pk)
        roles.require(request.user, ProjectAction.UPDATE, project)
        data = validated(s.ProjectPatchSerializer, request.data)
        services.project_update(project=project, actor=request.user, **data)
        return Response(_project_json(request.user, pk))

    @extend_schema(request=s.AccessInputSerializer, responses={201: s.AccessSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def access(self, request, pk=None):
        """Give a client contact access as `approver` or `viewer` (invites them when new)."""
        project = selectors.project_get(request.user, pk)
        roles.require(request.user, ProjectAction.GRANT_ACCESS, project)
        data = validated(s.AccessInputSerializer, request.data)
        access = services.project_access_grant(project=project, actor=request.user, **data)
        return Response(s.AccessSerializer(access).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses={200: s.MilestoneSerializer(many=True), **ERRORS})
    @extend_schema(
        methods=["POST"],
        request=s.MilestoneInputSerializer,
        responses={201: s.MilestoneSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def milestones(self, request, pk=None):
        """List the plan's milestones (paginated), or add one to a draft plan."""
        project = selectors.project_get(request.user, pk)
        if request.method == "GET":
            page = self.paginate_queryset(list(project.milestones.all()))
            return self.get_paginated_response(s.MilestoneSerializer(page, many=True).data)
        roles.require(request.user, ProjectAction.EDIT_PLAN, project)
        data = validated(s.MilestoneInputSerializer, request.data)
        data["deliverables"] = [dict(d) for d in data.get("deliverables", [])]
        milestone = services.milestone_add(project=project, actor=request.user, **data)
        milestone = selectors.milestone_get(request.user, milestone.pk)
        return Response(s.MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)

    def _step(self, request, pk, service, **kwargs):
        project = selectors.project_get(request.user, pk)
        service(project=project, actor=request.user, **kwargs)
        forget_project_roles(request.user)  # access may have changed
        return Response(_project_json(request.user, pk))

    @extend_schema(request=None, responses={200: s.ProjectSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        """Send a valid draft plan to the client; 409 `plan_invalid` lists every problem."""
        return self._step(request, pk, services.plan_propose)

    @extend_schema(request=None, responses={200: s.ProjectSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take a proposed plan back into draft."""
        return self._step(request, pk, services.plan_withdraw)

    @extend_schema(request=None, responses={200: s.ProjectSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the proposed plan as the client's approver: it becomes baseline v1."""
        return self._step(request, pk, services.plan_accept)

    @extend_schema(request=s.DeclineSerializer, responses={200: s.ProjectSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline the proposed plan with a reason; it returns to draft."""
        project = selectors.project_get(request.user, pk)
        roles.require(request.user, ProjectAction.DECLINE, project)
        data = validated(s.DeclineSerializer, request.data)
        services.plan_decline(project=project, actor=request.user, reason=data["reason"])
        forget_project_roles(request.user)
        return Response(_project_json(request.user, pk))

    @extend_schema(responses={200: s.PlanVersionSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], url_path="plan-versions")
    def plan_versions(self, request, pk=None):
        """Every accepted version of the plan, baseline first (paginated)."""
        project = selectors.project_get(request.user, pk)
        page = self.paginate_queryset(selectors.plan_versions(project))
        return self.get_paginated_response(s.PlanVersionSerializer(page, many=True).data)

    @extend_schema(responses={200: s.EventSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        """The project's audit events, newest first (paginated)."""
        project = selectors.project_get(request.user, pk)
        page = self.paginate_queryset(selectors.project_events(project, request.user))
        context = {"currency": project.currency or ""}
        return self.get_paginated_response(s.EventSerializer(page, many=True, context=context).data)


class MilestoneViewSet(MilestoneReviewActions, viewsets.GenericViewSet):
    serializer_class = s.MilestoneSerializer
    queryset = Milestone.objects.none()  # for the schema only: reads go through selectors
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(responses={200: s.MilestoneSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        return Response(s.MilestoneSerializer(selectors.milestone_get(request.user, pk)).data)

    @extend_schema(
        request=s.MilestonePatchSerializer, responses={200: s.MilestoneSerializer, **ERRORS}
    )
    def partial_update(self, request, pk=None):
        """Change a milestone of a draft plan; `deliverables` replaces the list."""
        milestone = selectors.milestone_get(request.user, pk)
        roles.require(request.user, ProjectAction.EDIT_PLAN, milestone.project)
        data = validated(s.MilestonePatchSerializer, request.data)
        if "deliverables" in data:
            data["deliverables"] = [dict(d) for d in data["deliverables"]]
        services.milestone_update(milestone=milestone, actor=request.user, **data)
        return Response(s.MilestoneSerializer(selectors.milestone_get(request.user, pk)).data)

    @extend_schema(responses={204: None, **ERRORS})
    def destroy(self, request, pk=None):
        """Remove a milestone from a draft plan."""
        milestone = selectors.milestone_get(request.user, pk)
        services.milestone_remove(milestone=milestone, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
