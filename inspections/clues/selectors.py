"""Which clues a person may see, and what of them.

Clues are for the authorities only: a school never sees a clue about itself
(it could reveal a planned surprise visit and who complained), so for school
people every clue answers 404. Among the authorities, the complainant's name
and contact are shown only to whoever registered the clue, the leaders who
triage it (its district's, and the city's), and the city's own staff;
everyone else (e.g. the district inspector verifying it) gets them masked.
"""
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm

from inspections.clues.models import Clue

MASK = _("（保密）")


def clues_visible_to(user) -> QuerySet[Clue]:
    """Clues of the districts where the user leads or inspects, plus those they registered themselves."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Clue.objects.none()
    leads = policy.orgs_with(user, Perm.LEAD).values("pk")
    inspects = policy.orgs_with(user, Perm.INSPECT).values("pk")
    rule = Q(district_id__in=leads) | Q(district_id__in=inspects) | Q(registered_by=user)
    return Clue.objects.filter(rule).select_related("district", "school", "visit", "registered_by", "triaged_by")


def get_clue_for_user(user, pk) -> Clue:
    """Fetch and authorise in one step: a clue the user may not see does not exist for them (404)."""
    try:
        return clues_visible_to(user).get(pk=pk)
    except (Clue.DoesNotExist, ValueError, TypeError):
        raise Http404("clue not found") from None


def holds_city_role(user, clue: Clue) -> bool:
    """A membership at the city (or province) above the clue's district."""
    above = set(clue.district.ancestor_ids())
    return any(m.organization_id in above and m.organization.kind in (Organization.Kind.CITY,
                                                                     Organization.Kind.PROVINCE)
               for m in policy.roles_of(user))


def may_see_complainant(user, clue: Clue) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk in (clue.registered_by_id, clue.triaged_by_id):
        return True
    return policy.can(user, Perm.LEAD, clue.district) or holds_city_role(user, clue)


@dataclass(frozen=True)
class ClueView:
    """A clue as one person may see it; templates and the API read only this."""

    clue: Clue
    complainant_name: str
    complainant_contact: str
    complainant_visible: bool

    def __getattr__(self, name):
        return getattr(self.clue, name)


def clue_for_viewer(clue: Clue, user) -> ClueView:
    visible = may_see_complainant(user, clue)
    masked = str(MASK)
    return ClueView(
        clue=clue, complainant_visible=visible,
        complainant_name=clue.complainant_name if visible else (masked if clue.complainant_name else ""),
        complainant_contact=clue.complainant_contact if visible else (masked if clue.complainant_contact else ""),
    )


def clues_for_viewer(queryset, user) -> list[ClueView]:
    return [clue_for_viewer(c, user) for c in queryset]
