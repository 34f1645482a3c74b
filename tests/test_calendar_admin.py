"""An admin entering a year's official calendar goes through the same service and rules as any other entry."""
import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from workflows.calendar import SHANGHAI
from workflows.deadlines import deadline_create
from workflows.models import CalendarDay, CalendarYear

URL = "/admin/workflows/calendaryear/add/"


def _post(client, year, days):
    data = {"year": year, "note": "国务院办公厅通知", "days-TOTAL_FORMS": len(days), "days-INITIAL_FORMS": 0,
            "days-MIN_NUM_FORMS": 0, "days-MAX_NUM_FORMS": 1000}
    for i, (day, kind) in enumerate(days):
        data.update({f"days-{i}-date": day.isoformat(), f"days-{i}-kind": kind, f"days-{i}-name": "春节"})
    return client.post(URL, data)


def _superuser_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-for-tests-1"))
    return client


def test_a_day_of_another_year_is_refused_and_nothing_is_saved(db, client):
    response = _post(_superuser_client(client), 2027, [(dt.date(2028, 1, 3), "holiday")])
    assert response.status_code == 200 and "不属于 2027 年" in response.content.decode()
    assert not CalendarYear.objects.exists() and not CalendarDay.objects.exists()


def test_an_entered_year_recomputes_the_provisional_deadlines(db, client, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2027, 1, 25, 10, tzinfo=SHANGHAI))
    deadline = deadline_create(purpose="rectification", start=dt.date(2027, 1, 29), working_days=2)
    assert deadline.provisional and deadline.due_at.date() == dt.date(2027, 2, 2)
    response = _post(_superuser_client(client), 2027, [(dt.date(2027, 2, 1), "holiday"), (dt.date(2027, 2, 2), "holiday")])
    assert response.status_code == 302
    deadline.refresh_from_db()
    assert not deadline.provisional
    assert deadline.due_at == dt.datetime(2027, 2, 4, 23, 59, 59, tzinfo=SHANGHAI)
    assert CalendarDay.objects.count() == 2
