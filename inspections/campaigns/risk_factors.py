"""Setting a 双随机 campaign's risk weights (inspections.campaigns.risk says how they score the pool).

A draw records the weights it used, so changing them later never changes a draw already made; the next
draw (or re-draw) uses the new ones.
"""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from inspections.audit.services import audit
from inspections.campaigns.risk import clean_weights
from inspections.campaigns.services import may_run_draws
from inspections.visits.models import Campaign


@transaction.atomic
def campaign_set_risk_weights(*, campaign: Campaign, user, weights: dict) -> Campaign:
    """Replace the campaign's risk weights; an empty mapping turns risk weighting off."""
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("organiser").get(pk=campaign.pk)
    if not may_run_draws(user, campaign):
        raise PermissionDenied(_("只有组织机构的督导领导可以设置风险权重。"))
    before, campaign.risk_weights = campaign.risk_weights, clean_weights(weights)
    campaign.save(update_fields=["risk_weights"])
    audit(actor=user, action="campaign.risk_weights", obj=campaign, organization=campaign.organiser,
          before={"risk_weights": before}, after={"risk_weights": campaign.risk_weights})
    return campaign
