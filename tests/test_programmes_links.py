"""A programme's linked campaigns and checklists: the office links what is organised in its subtree; a reader
sees a linked campaign only where the campaign selectors already show it (a school never learns of a draw)."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inspections.models import Campaign, ChecklistTemplate
from organizations.services import organization_create
from programmes import services
from programmes.models import Programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(tree, people):
    programme = Programme.objects.create(code="P", title="计划", issuer=tree.city, starts_on=dt.date(2026, 1, 1),
                                         ends_on=dt.date(2026, 12, 31))
    template = ChecklistTemplate.objects.create(code="T", title="检查表")
    draw = Campaign.objects.create(title="双随机抽查", kind="random", organiser=tree.city, template=template,
                                   created_by=people.city_leader, period_start=dt.date(2026, 3, 1),
                                   period_end=dt.date(2026, 6, 30))
    services.programme_links_set(user=people.city_leader, programme=programme, campaign_ids=[draw.pk],
                                 checklist_ids=[template.pk])
    return programme, draw, template


def test_the_office_links_and_a_school_does_not_learn_of_the_draw(client, linked, people):
    programme, draw, template = linked
    client.force_login(people.city_leader)
    page = client.get(f"/programmes/{programme.pk}/").content.decode()
    assert f'data-campaign="{draw.pk}"' in page and f'data-checklist="{template.pk}"' in page
    assert client.get(f"/api/v1/programmes/{programme.pk}/").json()["campaigns"] == [draw.pk]
    for user in (people.school_leader, people.district_leader):
        client.force_login(user)
        response = client.get(f"/api/v1/programmes/{programme.pk}/")
        assert response.status_code == 404 or response.json()["campaigns"] == []


def test_only_the_office_links_and_only_its_own_campaigns(linked, tree, people):
    programme, draw, template = linked
    with pytest.raises(PermissionDenied):
        services.programme_links_set(user=people.district_leader, programme=programme, campaign_ids=[],
                                     checklist_ids=[])
    elsewhere = organization_create(code="X", name="外市教育局", kind="city")
    theirs = Campaign.objects.create(title="外市抽查", kind="random", organiser=elsewhere, template=template,
                                     created_by=people.city_leader, period_start=dt.date(2026, 3, 1),
                                     period_end=dt.date(2026, 6, 30))
    with pytest.raises(ValidationError) as refused:
        services.programme_links_set(user=people.city_leader, programme=programme, campaign_ids=[theirs.pk],
                                     checklist_ids=[])
    assert "campaigns" in refused.value.message_dict
    assert list(programme.campaigns.all()) == [draw]
