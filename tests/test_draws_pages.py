"""Draw screens and the public results page (一公开)."""
import pytest

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from inspections.campaigns.services import (conflict_register, draw_create, draw_publish, inspector_pool, publication_due,
                               remind_due_publications, results_publish)
from inspections.models import AuditEvent, Campaign, Draw
from notifications.models import Notification

from .clue_helpers import CONTACT, NAME, hotline_clue
from .draw_helpers import city_inspectors, random_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(people, tree):
    city_inspectors(tree)
    return random_campaign(people, tree)


def published(people, tree, campaign):
    record = draw_create(campaign=campaign, user=people.city_leader, schools=[tree.school_a, tree.school_b],
                         inspectors=inspector_pool(campaign=campaign), n=2, seed="public")
    return draw_publish(draw=record, user=people.city_leader)


def test_the_public_page_needs_no_login_and_shows_exactly_what_is_public(client, people, tree, campaign):
    conflict_register(inspector=people.city_inspector, school=tree.school_a, reason="亲属在该校任职",
                      user=people.city_admin)
    hotline_clue(people, tree, registered_by=people.district_leader)
    record = published(people, tree, campaign)
    _check_in_all(campaign)
    campaign = results_publish(campaign=campaign, user=people.city_leader)
    page = client.get(f"/public/campaigns/{campaign.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert campaign.title in body and tree.school_a.name in body and tree.school_b.name in body
    assert timezone.localtime(campaign.results_published_at).strftime("%Y-%m-%d") in body  # Shanghai date
    for row in record.result["assignments"]:
        for pk in row["team"]:
            assert record.inputs["inspector_names"][str(pk)] in body
    for secret in (NAME, CONTACT, record.seed, "亲属在该校任职", "反映学校"):
        assert secret not in body
    assert tree.school_a2.name not in body  # not drawn


def _check_in_all(campaign):
    from django.utils import timezone

    campaign.visits.update(checkin_at=timezone.now(), status="in_progress")


def test_public_page_names_no_school_before_its_random_visit_starts(client, people, tree, campaign):
    published(people, tree, campaign)
    results_publish(campaign=campaign, user=people.city_leader)
    body = client.get(f"/public/campaigns/{campaign.pk}/").content.decode()
    assert tree.school_a.name not in body and tree.school_b.name not in body
    assert 'data-pending="2"' in body
    visit = campaign.visits.get(school=tree.school_a)
    from django.utils import timezone

    visit.checkin_at = timezone.now()
    visit.save(update_fields=["checkin_at"])
    body = client.get(f"/public/campaigns/{campaign.pk}/").content.decode()
    assert tree.school_a.name in body and tree.school_b.name not in body
    assert 'data-pending="1"' in body


def test_no_public_page_before_publication(client, people, tree, campaign):
    draw_create(campaign=campaign, user=people.city_leader, schools=[tree.school_a], n=1,
                inspectors=inspector_pool(campaign=campaign))
    assert client.get(f"/public/campaigns/{campaign.pk}/").status_code == 404


def test_the_record_page_shows_seed_inputs_and_who_ran_it(client, people, tree, campaign):
    record = published(people, tree, campaign)
    client.force_login(people.city_leader)
    body = client.get(f"/draws/{record.pk}/").content.decode()
    assert record.seed in body and "data-reproduces" in body and people.city_leader.username in body


@pytest.mark.parametrize("who", ["school_leader", "district_inspector", "other_district_leader"])
def test_draw_records_are_404_for_others(client, people, tree, campaign, who):
    record = published(people, tree, campaign)
    client.force_login(getattr(people, who))
    assert client.get(f"/draws/{record.pk}/").status_code == 404
    assert client.post(f"/draws/{record.pk}/redraw/", {"reason": "x"}).status_code == 404
    assert client.get(f"/draws/campaigns/{campaign.pk}/").status_code == 404


def test_the_leader_draws_and_publishes_through_the_pages(client, people, tree, campaign):
    client.force_login(people.city_leader)
    answer = client.post(f"/draws/campaigns/{campaign.pk}/draw/", {"under": tree.district_a.pk, "n": "1",
                                                                   "team_size": "2", "seed": "page"})
    record = Draw.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/draws/{record.pk}/")
    client.post(f"/draws/{record.pk}/publish/")
    assert Draw.objects.get().status == Draw.Status.PUBLISHED
    client.post(f"/draws/{record.pk}/redraw/", {"reason": "督学调整"})
    assert Draw.objects.filter(supersedes=record, redraw_reason="督学调整").exists()


def test_campaign_list_and_conflict_register_pages(client, people, tree, campaign):
    client.force_login(people.city_leader)
    assert campaign.title in client.get("/draws/").content.decode()
    client.force_login(people.city_admin)
    client.post("/draws/conflicts/", {"inspector": people.city_inspector.pk, "school": tree.school_b.pk,
                                      "reason": "曾在该校任职"})
    assert "曾在该校任职" in client.get("/draws/conflicts/").content.decode()
    client.force_login(people.district_inspector)
    assert client.get("/draws/conflicts/").status_code == 403


def _due_reminders():
    return Notification.objects.filter(kind="campaign.publication_due")


def test_public_page_is_404_until_a_leader_publishes_the_results(client, people, tree, campaign):
    published(people, tree, campaign)
    _check_in_all(campaign)
    assert client.get(f"/public/campaigns/{campaign.pk}/").status_code == 404
    results_publish(campaign=campaign, user=people.city_leader)
    assert client.get(f"/public/campaigns/{campaign.pk}/").status_code == 200


def test_the_leader_publishes_results_from_the_campaign_page_once_and_it_is_audited(client, people, tree, campaign):
    published(people, tree, campaign)
    client.force_login(people.city_leader)
    body = client.get(f"/draws/campaigns/{campaign.pk}/").content.decode()
    assert "data-results-publish" in body and publication_due(campaign).strftime("%Y-%m-%d") in body
    for _attempt in range(2):
        answer = client.post(f"/draws/campaigns/{campaign.pk}/results/publish/")
        assert answer.status_code == 302
    campaign.refresh_from_db()
    assert campaign.results_published_by == people.city_leader and campaign.results_published_at is not None
    events = AuditEvent.objects.filter(action="campaign.results_publish", object_id=str(campaign.pk))
    assert events.count() == 1 and events.get().actor == people.city_leader
    assert "data-results-publish" not in client.get(f"/draws/campaigns/{campaign.pk}/").content.decode()


def test_results_cannot_be_published_before_the_draw_is(client, people, tree, campaign):
    client.force_login(people.city_leader)
    client.post(f"/draws/campaigns/{campaign.pk}/results/publish/")
    assert Campaign.objects.get(pk=campaign.pk).results_published_at is None


@pytest.mark.parametrize("who,status", [("school_staff", 404), ("other_district_leader", 404),
                                        ("district_leader", 404), ("city_admin", 403)])
def test_only_the_organisers_leader_can_publish_results(client, people, tree, campaign, who, status):
    published(people, tree, campaign)
    client.force_login(getattr(people, who))
    assert client.post(f"/draws/campaigns/{campaign.pk}/results/publish/").status_code == status
    with pytest.raises(PermissionDenied):
        results_publish(campaign=campaign, user=getattr(people, who))
    assert Campaign.objects.get(pk=campaign.pk).results_published_at is None
    assert not AuditEvent.objects.filter(action="campaign.results_publish").exists()


def test_the_publication_reminder_fires_once_after_the_deadline_and_never_before(people, tree, campaign):
    published(people, tree, campaign)
    due = publication_due(campaign)
    assert remind_due_publications(now=due - dt.timedelta(seconds=1)) == 0 and not _due_reminders().exists()
    assert remind_due_publications(now=due + dt.timedelta(seconds=1)) == 1
    assert remind_due_publications(now=due + dt.timedelta(days=30)) == 0
    assert list(_due_reminders().values_list("recipient", flat=True)) == [people.city_leader.pk]


def test_the_deadline_counts_from_a_check_in_later_than_the_planned_date(people, tree, campaign):
    published(people, tree, campaign)
    before = publication_due(campaign)
    late = dt.datetime.combine(campaign.visits.first().planned_date + dt.timedelta(days=14), dt.time(10),
                               tzinfo=dt.timezone.utc)
    campaign.visits.filter(pk=campaign.visits.first().pk).update(checkin_at=late)
    assert publication_due(campaign) > before
    assert remind_due_publications(now=before + dt.timedelta(seconds=1)) == 0


def test_no_reminder_once_the_results_are_published(people, tree, campaign):
    published(people, tree, campaign)
    results_publish(campaign=campaign, user=people.city_leader)
    assert remind_due_publications(now=publication_due(campaign) + dt.timedelta(days=1)) == 0
    assert not _due_reminders().exists()


def test_the_scheduler_daily_jobs_send_the_publication_reminder(people, tree, campaign):
    from workflows.management.commands.run_timers import daily_jobs

    published(people, tree, campaign)
    campaign.visits.update(planned_date=dt.date(2020, 1, 6))
    daily_jobs()
    assert _due_reminders().filter(recipient=people.city_leader).count() == 1
