"""REST API of the admin screens' people (organizations/views_admin.py), read only: an admin sees the people
holding a role in the organisations they manage (organizations.policy.managed_people), each with the roles held
there — what a person holds elsewhere stays out of view, as on the page. Anyone else is 404."""
import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_pagination import KeysetPage

from . import policy
from .models import Membership

User = get_user_model()
NOT_VISIBLE = {404: OpenApiResponse(description="不存在或不可见 / not visible")}


class HeldRoleSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name")

    class Meta:
        model = Membership
        fields = ["id", "organization", "organization_name", "role"]


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    memberships = HeldRoleSerializer(source="held_here", many=True, help_text="在我管理范围内担任的角色")

    class Meta:
        model = User
        fields = ["id", "username", "name", "is_active", "last_login", "memberships"]

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class PeopleFilter(django_filters.FilterSet):
    org = django_filters.NumberFilter(method="in_org", help_text="只看该机构及下级（须是我管理的机构）")
    q = django_filters.CharFilter(method="search", max_length=100, help_text="用户名或姓名包含")

    def in_org(self, people, name, value):
        org = policy.get_managed_org_for_user(self.request.user, value)
        return people.filter(memberships__organization__path__startswith=org.path).distinct()

    def search(self, people, name, value):
        return people.filter(Q(username__icontains=value) | Q(first_name__icontains=value)
                             | Q(last_name__icontains=value))


def _with_roles_in_reach(user, people):
    held = (Membership.objects.filter(organization__in=policy.managed_orgs(user)).select_related("organization")
            .order_by("organization__path", "role"))
    return people.prefetch_related(Prefetch("memberships", queryset=held, to_attr="held_here"))


class PeopleList(generics.ListAPIView):
    """People holding a role in the organisations I administer (their roles there), by id."""

    serializer_class = PersonSerializer
    pagination_class = type("PeoplePage", (KeysetPage,), {"ordering": "id"})
    filterset_class = PeopleFilter

    def get_queryset(self):
        return _with_roles_in_reach(self.request.user, policy.managed_people(self.request.user))


class PersonDetail(APIView):
    @extend_schema(responses={200: PersonSerializer, **NOT_VISIBLE}, operation_id="people_get")
    def get(self, request, pk):
        person = policy.get_managed_person_for_user(request.user, pk)
        person = _with_roles_in_reach(request.user, User.objects.filter(pk=person.pk)).get()
        return Response(PersonSerializer(person).data)


urlpatterns = [
    path("people/", PeopleList.as_view(), name="api-people"),
    path("people/<int:pk>/", PersonDetail.as_view(), name="api-person"),
]
