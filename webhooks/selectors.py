"""Reads of webhook endpoints: an admin sees the endpoints of the organisations they manage (the one policy,
organizations.policy.managed_orgs); anything else does not exist for them (404)."""
from django.db.models import QuerySet
from django.http import Http404

from organizations import policy
from organizations.models import Organization

from .models import Delivery, Endpoint


def endpoints_managed_by(user) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(organization__in=policy.managed_orgs(user)).select_related("organization")


def get_endpoint_for_admin(user, pk) -> Endpoint:
    """Fetch and authorise in one call: an endpoint of an organisation `user` manages, else Http404."""
    endpoint = endpoints_managed_by(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if endpoint is None:
        raise Http404
    return endpoint


def get_org_for_registration(user, pk) -> Organization:
    """The organisation to register on: 404 unless visible; a visible one the user may not manage is the
    service's 403 (organizations.policy: MANAGE)."""
    return policy.get_visible_org_for_user(user, pk)


def deliveries_of(endpoint: Endpoint) -> QuerySet[Delivery]:
    return Delivery.objects.filter(endpoint=endpoint)
