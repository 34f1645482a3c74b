"""The notifications API: my list (keyset pages), unread count, mark one / all read; nobody else's."""
from rest_framework.test import APIClient

from notifications.models import Notification
from notifications.services import notify


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def tell(user, n=1, title="请签收整改通知"):
    return [notify(kind="order.issued", recipients=[user], title=f"{title} {i}", link="/orders/")[0]
            for i in range(n)]


def test_list_is_mine_newest_first_in_keyset_pages(people):
    mine = tell(people.school_staff, 5)
    tell(people.school_leader, 2)  # someone else's never shows
    first = api(people.school_staff).get("/api/v1/notifications/?page_size=3").json()
    assert set(first) == {"results", "next"}
    assert [n["id"] for n in first["results"]] == [n.pk for n in reversed(mine)][:3]
    second = api(people.school_staff).get(first["next"]).json()
    assert [n["id"] for n in second["results"]] == [mine[1].pk, mine[0].pk] and second["next"] is None
    assert first["results"][0]["read"] is False and first["results"][0]["read_at"] is None


def test_unread_count_and_state_filter(people):
    notes = tell(people.school_staff, 3)
    client = api(people.school_staff)
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 3}
    assert client.post(f"/api/v1/notifications/{notes[0].pk}/read/").json()["read"] is True
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    unread = client.get("/api/v1/notifications/?state=unread").json()["results"]
    read = client.get("/api/v1/notifications/?state=read").json()["results"]
    assert [n["id"] for n in read] == [notes[0].pk] and len(unread) == 2
    assert len(client.get("/api/v1/notifications/?state=bogus").json()["results"]) == 3  # unknown: all


def test_mark_all_read_marks_only_mine(people):
    tell(people.school_staff, 2)
    theirs = tell(people.school_leader, 1)[0]
    answer = api(people.school_staff).post("/api/v1/notifications/mark-all-read/").json()
    assert answer == {"marked": 2, "unread": 0}
    assert api(people.school_staff).post("/api/v1/notifications/mark-all-read/").json()["marked"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_users_notification_is_404_and_stays_unread(people):
    note = tell(people.school_staff)[0]
    for other in (people.school_leader, people.city_leader):
        assert api(other).post(f"/api/v1/notifications/{note.pk}/read/").status_code == 404
    assert api(people.school_staff).post("/api/v1/notifications/999999/read/").status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_anonymous_is_refused(people):
    for method, url in (("get", "/api/v1/notifications/"), ("get", "/api/v1/notifications/unread-count/"),
                        ("post", "/api/v1/notifications/mark-all-read/")):
        assert getattr(APIClient(), method)(url).status_code == 401


def test_get_on_mark_is_405(people):
    note = tell(people.school_staff)[0]
    assert api(people.school_staff).get(f"/api/v1/notifications/{note.pk}/read/").status_code == 405


def test_a_bad_cursor_is_400(people):
    assert api(people.school_staff).get("/api/v1/notifications/?cursor=garbage").status_code == 400
