"""REST views for templates, projects, milestones and the proposal: thin, one service each."""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from milepost.accounts.models import Client
from milepost.accounts.permissions import roles_of
from milepost.core.errors import InvalidInput, NotAllowed
from milepost.plans import selectors, services
from milepost.plans.lifecycle.project import ProjectAction
from milepost.plans.models import Milestone, ProjectStatus
from milepost.plans.permissions import forget_project_roles
from milepost.reviews import consequences
from milepost.reviews import services as reviews

from . import access_serializers as access_s
from . import plan_serializers as s
from . import roles
from .access_views import access_json
from .base import APIView, GenericViewSet
from .billing_serializers import ConsequenceSerializer
from .change_order_views import (
    AcceptedSerializer,
    ChangeOrderRequestInputSerializer,
    ChangeOrderRequestSerializer,
    ChangeOrderSerializer,
    ChangeOrderWriteSerializer,
    buy_revision,
    milestone_change_requests,
    project_change_orders,
)
from .common import validated
from .errors import ErrorSerializer
from .filters import (
    SyncReads,
    id_filter,
    id_param,
    ordering_filter,
    ordering_param,
    search_filter,
    search_param,
    sync_filters,
)
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


class ProjectViewSet(SyncReads, GenericViewSet):
    """Projects you can see: your organisations' and those you were given access to."""

    serializer_class = s.ProjectSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        status_filter = params.get("status")
        if status_filter and status_filter not in ProjectStatus.values:
            raise InvalidInput(_("Unknown status."), details={"status": [_("Unknown status.")]})
        return selectors.projects_visible_to(
            self.request.user,
            status=status_filter,
            client_id=id_param(self.request, "client"),
            search=search_param(self.request),
            ordering=ordering_param(self.request, selectors.PROJECT_ORDERINGS),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ProjectStatus.values),
            id_filter("client", "Only this client's projects."),
            search_filter("A piece of the project's or the client's name."),
            ordering_filter(selectors.PROJECT_ORDERINGS, "-created"),
        ]
    )
    def list(self, request):
        projects = self.filter_queryset(self.get_queryset())
        page = selectors.as_seen_by(request.user, self.paginate_queryset(projects))
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

    @extend_schema(
        methods=["GET"],
        parameters=sync_filters(default="role"),
        responses={200: access_s.ProjectAccessSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        request=s.AccessInputSerializer,
        responses={201: access_s.ProjectAccessSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def access(self, request, pk=None):
        """Who has access (paginated; each with their invitation while not accepted), or give a
        client contact access as `approver` or `viewer` (invites them when new)."""
        project = selectors.project_get(request.user, pk)
        roles.require(request.user, ProjectAction.GRANT_ACCESS, project)
        if request.method == "GET":
            rows = list(self.sync_list(selectors.project_access_rows(project)))
            page = selectors.access_invited(project, self.paginate_queryset(rows))
            return self.get_paginated_response(
                access_s.ProjectAccessSerializer(page, many=True).data
            )
        data = validated(s.AccessInputSerializer, request.data)
        access = services.project_access_grant(project=project, actor=request.user, **data)
        return Response(access_json(access), status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        parameters=sync_filters(default="position"),
        responses={200: s.MilestoneSerializer(many=True), **ERRORS},
    )
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
            milestones = project.milestones.all()  # prefetched with the project
            if self.sync_asked() or "ordering" in request.query_params:
                milestones = project.milestones.prefetch_related("deliverables")
            page = self.paginate_queryset(list(self.sync_list(milestones)))
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

    @extend_schema(request=None, responses={200: ConsequenceSerializer, **ERRORS})
    @action(detail=True, methods=["get"], url_path="proposal-preview")
    def proposal_preview(self, request, pk=None):
        """What proposing would do: who is told and what they can do (owners and managers)."""
        project = selectors.project_get(request.user, pk)
        said = consequences.project_preview(request.user, project, ProjectAction.PROPOSE)
        return Response(said.as_dict())

    @extend_schema(request=None, responses={200: ConsequenceSerializer, **ERRORS})
    @action(detail=True, methods=["get"], url_path="acceptance-preview")
    def acceptance_preview(self, request, pk=None):
        """What accepting would do: the plan becomes the baseline; what is invoiced first."""
        project = selectors.project_get(request.user, pk)
        said = consequences.project_preview(request.user, project, ProjectAction.ACCEPT)
        return Response(said.as_dict())

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

    @extend_schema(request=s.HoldSerializer, responses={200: s.ProjectSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """Put an active project on hold: nothing starts, is delivered or approved, and the
        review clocks pause, until it is resumed."""
        project = selectors.project_get(request.user, pk)
        roles.require(request.user, ProjectAction.HOLD, project)
        data = validated(s.HoldSerializer, request.data)
        services.project_hold(project=project, actor=request.user, reason=data.get("reason", ""))
        return Response(_project_json(request.user, pk))

    @extend_schema(request=None, responses={200: s.ProjectSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Resume a project on hold; auto-approval dates and open support windows move by the
        time it spent on hold."""
        return self._step(request, pk, reviews.project_resume_and_shift_clocks)

    @extend_schema(request=s.CancelSerializer, responses={200: s.ProjectSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a draft, proposed, active or on-hold project with a reason (terminal).
        Issued invoices stay; nothing more is started, approved or invoiced."""
        project = selectors.project_get(request.user, pk)
        roles.require(request.user, ProjectAction.CANCEL, project)
        data = validated(s.CancelSerializer, request.data)
        services.project_cancel(project=project, actor=request.user, reason=data["reason"])
        return Response(_project_json(request.user, pk))

    @extend_schema(responses={204: None, **ERRORS})
    def destroy(self, request, pk=None):
        """Delete a draft that was never proposed; 409 `project_was_proposed` once it was."""
        project = selectors.project_get(request.user, pk)
        services.project_delete(project=project, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        parameters=sync_filters(default="-created"),
        responses={200: ChangeOrderSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        request=ChangeOrderWriteSerializer,
        responses={201: ChangeOrderSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], url_path="change-orders")
    def change_orders(self, request, pk=None):
        """The project's change orders, the newest first, paginated (a client's contacts see
        those proposed to them); POST drafts one on the current plan version (owners and
        managers)."""
        return project_change_orders(self, request, selectors.project_get(request.user, pk))

    @extend_schema(
        parameters=sync_filters(default="version"),
        responses={200: s.PlanVersionSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="plan-versions")
    def plan_versions(self, request, pk=None):
        """Every accepted version of the plan, baseline first (paginated)."""
        project = selectors.project_get(request.user, pk)
        # A version never changes: it was last updated when it was accepted.
        versions = selectors.plan_versions(project).alias(updated_at=F("accepted_at"))
        page = self.paginate_queryset(self.sync_list(versions))
        return self.get_paginated_response(s.PlanVersionSerializer(page, many=True).data)

    @extend_schema(
        parameters=sync_filters(default="-sequence"),
        responses={200: s.EventSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        """The project's audit events, newest first (paginated)."""
        project = selectors.project_get(request.user, pk)
        # An audit event is append-only: it was last updated when it was written.
        events = selectors.project_events(project, request.user).alias(updated_at=F("created_at"))
        page = self.paginate_queryset(self.sync_list(events))
        context = {"currency": project.currency or ""}
        return self.get_paginated_response(s.EventSerializer(page, many=True, context=context).data)


class MilestoneViewSet(SyncReads, MilestoneReviewActions, GenericViewSet):
    serializer_class = s.MilestoneSerializer
    queryset = Milestone.objects.none()  # for the schema only: reads go through selectors
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(request=None, responses={200: AcceptedSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="buy-revision")
    def buy_revision(self, request, pk=None):
        """Buy one more revision at the project's price per extra revision (the client's
        approvers): an accepted change order; 409 `extra_revisions_off` when not offered."""
        return buy_revision(request, selectors.milestone_get(request.user, pk))

    @extend_schema(
        methods=["GET"],
        parameters=sync_filters(default="-created"),
        responses={200: ChangeOrderRequestSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        request=ChangeOrderRequestInputSerializer,
        responses={201: ChangeOrderRequestSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], url_path="change-requests")
    def change_requests(self, request, pk=None):
        """Requests for a change order about this milestone, the newest first, paginated; POST
        asks for one (the client's approvers): it waits on the agency."""
        return milestone_change_requests(self, request, selectors.milestone_get(request.user, pk))

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
