"""Writes on webhook endpoints: register, rotate the secret, delete. Callers pass an endpoint or organisation
they fetched through webhooks.selectors (404 for what the admin may not manage); each write checks the
permission again through the one policy and is written to the audit trail (never the secret)."""
import secrets
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.audit.services import audit
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm

from .audience import CATALOGUE
from .models import Endpoint
from .targets import validate_target

MAX_ENDPOINTS_PER_ORG = 10


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _require_manager(user, organization: Organization) -> None:
    if not policy.can(user, Perm.MANAGE, organization):
        raise PermissionDenied(_("只有本机构的管理员可以管理事件推送。"))


def _clean_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(CATALOGUE))
    if unknown or not events:
        raise ValidationError({"events": [_("请从可订阅的事件中选择：%(names)s") % {"names": ", ".join(unknown) or "—"}]})
    return sorted(set(events))


def _replay(client_uuid, organization: Organization) -> Endpoint | None:
    earlier = Endpoint.objects.filter(client_uuid=client_uuid).first() if client_uuid else None
    if earlier is not None and earlier.organization_id != organization.pk:
        raise PermissionDenied(_("只有本机构的管理员可以管理事件推送。"))  # never says where the UUID was used
    return earlier


@transaction.atomic
def endpoint_register(*, user, organization: Organization, url: str, events: list[str], description: str = "",
                      client_uuid: uuid.UUID | None = None) -> tuple[Endpoint, bool]:
    """(endpoint, created). A replay of `client_uuid` answers the endpoint made the first time (created=False)."""
    _require_manager(user, organization)
    if earlier := _replay(client_uuid, organization):
        return earlier, False
    events, url = _clean_events(events), validate_target(url)
    if Endpoint.objects.filter(organization=organization).count() >= MAX_ENDPOINTS_PER_ORG:
        raise ValidationError({"url": [_("每个机构最多登记 %(n)s 个推送地址。") % {"n": MAX_ENDPOINTS_PER_ORG}]})
    try:
        with transaction.atomic():
            endpoint = Endpoint.objects.create(organization=organization, url=url, events=events, secret=new_secret(),
                                               description=description, client_uuid=client_uuid, created_by=user)
    except IntegrityError:  # a twin request with the same UUID committed first
        return _replay(client_uuid, organization), False
    audit(actor=user, action="webhook.register", obj=endpoint, organization=organization,
          after={"url": url, "events": events})
    return endpoint, True


@transaction.atomic
def endpoint_rotate_secret(*, user, endpoint: Endpoint) -> Endpoint:
    """A new secret at once; the old one stops signing (deliveries still pending are signed with the new one)."""
    _require_manager(user, endpoint.organization)
    endpoint.secret, endpoint.secret_rotated_at = new_secret(), timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    audit(actor=user, action="webhook.rotate_secret", obj=endpoint, organization=endpoint.organization)
    return endpoint


@transaction.atomic
def endpoint_delete(*, user, endpoint: Endpoint) -> None:
    """Delete the endpoint and its delivery log (pending deliveries are dropped with it)."""
    _require_manager(user, endpoint.organization)
    audit(actor=user, action="webhook.delete", obj=endpoint, organization=endpoint.organization,
          before={"url": endpoint.url, "events": endpoint.events})
    endpoint.delete()
