"""A random-draw campaign of the city, with four more city inspectors so that teams can be drawn."""
import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from inspections.checklists.services import checklist_load_standard
from inspections.campaigns.services import campaign_create
from organizations.roles import Role
from organizations.services import membership_grant


def city_inspectors(tree, count=4):
    made = []
    for i in range(count):
        user = get_user_model().objects.create_user(username=f"dx{i}", password="pw-for-tests-1",
                                                    first_name=f"督学{i}")
        membership_grant(user=user, organization=tree.city, role=Role.INSPECTOR)
        made.append(user)
    return made


def random_campaign(people, tree):
    checklist_load_standard()
    today = timezone.localdate()
    return campaign_create(title="2026年秋季双随机检查", organiser=tree.city, user=people.city_leader,
                           period_start=today, period_end=today + dt.timedelta(days=30))
