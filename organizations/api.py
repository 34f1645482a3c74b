"""REST API: the organisations and schools the caller may see, and the caller's own profile.

Reads only, within visibility (organizations.policy): a role reaches its organisation's whole subtree,
so a school's people see their school and nothing above or beside it; an organisation outside the
caller's reach answers 404, not 403 (no existence leak).
"""
import django_filters
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_pagination import KeysetPage

from . import policy
from .models import Membership, Organization
from .roles import ROLE_PERMS

NOT_VISIBLE = {404: OpenApiResponse(description="不存在或不可见 / not visible")}


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "code", "name", "name_en", "short_name", "kind", "parent", "area", "school_level",
                  "is_active"]


class OrganizationFilter(django_filters.FilterSet):
    class Meta:
        model = Organization
        fields = ["kind", "parent", "is_active"]


class TreeOrder(KeysetPage):
    ordering = "path"  # the tree in pre-order: a parent before its children


class OrganizationList(generics.ListAPIView):
    """Organisations I may see, in tree order; filter by kind, parent, is_active."""

    serializer_class = OrganizationSerializer
    pagination_class = TreeOrder
    filterset_class = OrganizationFilter

    def get_queryset(self):
        return policy.visible_orgs(self.request.user)


class SchoolList(OrganizationList):
    """Schools I may see, in tree order; filter by parent (a district, or the city for its own schools)."""

    def get_queryset(self):
        return policy.visible_schools(self.request.user)


class OrganizationDetail(APIView):
    @extend_schema(responses={200: OrganizationSerializer, **NOT_VISIBLE}, operation_id="organizations_get")
    def get(self, request, pk):
        return Response(OrganizationSerializer(policy.get_visible_org_for_user(request.user, pk)).data)


class SchoolDetail(APIView):
    @extend_schema(responses={200: OrganizationSerializer, **NOT_VISIBLE}, operation_id="schools_get")
    def get(self, request, pk):
        org = policy.get_visible_org_for_user(request.user, pk)
        if not org.is_school:  # a visible district is an organisation, not a school
            raise NotFound()
        return Response(OrganizationSerializer(org).data)


class MembershipSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name")
    organization_kind = serializers.CharField(source="organization.kind")
    role_display = serializers.CharField(source="get_role_display")
    permissions = serializers.SerializerMethodField(help_text="该角色在本机构及下级拥有的权限代码")

    class Meta:
        model = Membership
        fields = ["id", "organization", "organization_name", "organization_kind", "role", "role_display",
                  "permissions"]

    def get_permissions(self, membership) -> list[str]:
        return list(ROLE_PERMS.get(membership.role, ()))


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    memberships = MembershipSerializer(many=True)


class Me(APIView):
    @extend_schema(responses={200: MeSerializer}, operation_id="me_get")
    def get(self, request):
        user = request.user
        return Response(MeSerializer({"id": user.pk, "username": user.username, "email": user.email,
                                      "name": user.get_full_name() or user.username,
                                      "memberships": policy.roles_of(user)}).data)


urlpatterns = [
    path("me/", Me.as_view(), name="api-me"),
    path("organizations/", OrganizationList.as_view(), name="api-organizations"),
    path("organizations/<int:pk>/", OrganizationDetail.as_view(), name="api-organization"),
    path("schools/", SchoolList.as_view(), name="api-schools"),
    path("schools/<int:pk>/", SchoolDetail.as_view(), name="api-school"),
]
