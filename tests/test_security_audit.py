"""The audit trail: append-only in PostgreSQL, refusals and exports recorded, the admin viewer."""
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.exceptions import NotFound
from rest_framework.test import APIClient
from rest_framework.views import APIView

from inspections.audit.services import audit
from inspections.models import AuditEvent
from organizations.roles import Role
from organizations.services import membership_grant
from security.services import audit_export, record_refusal


# A tiny URLconf of protected-looking views, so the refusal hook is tested without
# depending on other modules' views.
def _hidden_object(request, pk):
    raise Http404("no such order for this user")


def _forbidden_action(request, pk):
    raise PermissionDenied("may see, may not act")


def _fine(request):
    return HttpResponse("ok")


class _HiddenApiObject(APIView):
    def get(self, request, pk):
        raise NotFound()


urlpatterns = [
    path("t/orders/<int:pk>/", _hidden_object),
    path("t/orders/<int:pk>/approve/", _forbidden_action),
    path("t/fine/", _fine),
    path("t/api/orders/<int:pk>/", _HiddenApiObject.as_view()),
]


@pytest.fixture
def district_admin(tree):
    user = get_user_model().objects.create_user(username="district_admin", password="pw-for-tests-1")
    membership_grant(user=user, organization=tree.district_a, role=Role.ADMIN)
    return user


@pytest.fixture
def events(people, tree):
    """One event filed under each school, one under each district, one under nothing."""
    made = {}
    for name in ("school_a", "school_b", "school_c", "district_a", "district_b"):
        made[name] = audit(actor=people.city_inspector, action=f"test.{name}", organization=getattr(tree, name))
    made["none"] = audit(actor=None, action="auth.login_failed", after={"username": "ghost"})
    return made


def _actions(response):
    return {event.action for event in response.context["page"]}


# --- database-level append-only -------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
@pytest.mark.parametrize("statement", [
    "UPDATE inspections_auditevent SET action = 'forged' WHERE id = %s",
    "DELETE FROM inspections_auditevent WHERE id = %s",
])
def test_database_refuses_to_change_or_delete_audit_events(db, statement):
    event = audit(actor=None, action="test.original")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.original"


def test_application_refuses_to_change_audit_events(db):
    event = audit(actor=None, action="test.original")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(PermissionDenied):
        event.delete()


# --- refusals --------------------------------------------------------------------------

@pytest.mark.urls(__name__)
def test_404_for_an_invisible_object_is_audited(client, people, tree):
    client.force_login(people.school_staff)
    assert client.get("/t/orders/7/").status_code == 404
    event = AuditEvent.objects.get(action="access.refused")
    assert event.actor == people.school_staff and event.organization == tree.school_a
    assert event.after == {"status": 404, "method": "GET", "path": "/t/orders/7/", "reason": "Http404"}


@pytest.mark.urls(__name__)
def test_403_for_a_forbidden_action_is_audited(client, people):
    client.force_login(people.school_staff)
    assert client.post("/t/orders/7/approve/").status_code == 403
    event = AuditEvent.objects.get(action="access.refused")
    assert event.after["status"] == 403 and event.after["method"] == "POST"
    assert event.after["reason"] == "PermissionDenied"


@pytest.mark.urls(__name__)
def test_api_404_is_audited_for_token_users(people):
    from security.tokens import token_issue

    api = APIClient(HTTP_AUTHORIZATION=f"Token {token_issue(user=people.district_inspector).key}")
    assert api.get("/t/api/orders/9/").status_code == 404
    assert AuditEvent.objects.get(action="access.refused").actor == people.district_inspector


@pytest.mark.urls(__name__)
def test_unrouted_urls_and_successes_are_not_refusals(client, people):
    client.force_login(people.school_staff)
    assert client.get("/t/nowhere/").status_code == 404
    assert client.get("/t/fine/").status_code == 200
    assert not AuditEvent.objects.filter(action="access.refused").exists()


def test_record_refusal_and_audit_export_hooks(people, tree):
    record_refusal(user=people.school_staff, status=404, path="/x/", organization=tree.school_a)
    audit_export(user=people.district_leader, what="ledger", filters={"since": timezone.localdate()}, rows=12)
    export = AuditEvent.objects.get(action="data.export")
    assert export.organization == tree.district_a
    assert export.after == {"what": "ledger", "filters": {"since": str(timezone.localdate())}, "rows": 12}
    assert AuditEvent.objects.filter(action="access.refused", organization=tree.school_a).count() == 1


# --- the viewer ------------------------------------------------------------------------

def test_city_admin_sees_the_whole_city_but_not_unfiled_events(client, people, events):
    client.force_login(people.city_admin)
    response = client.get("/security/audit/")
    assert response.status_code == 200
    seen = _actions(response)
    assert {"test.school_a", "test.school_b", "test.school_c", "test.district_a", "test.district_b"} <= seen
    assert "auth.login_failed" not in seen or AuditEvent.objects.filter(
        action="auth.login_failed", organization__isnull=False).exists()


def test_district_admin_sees_only_own_subtree(client, district_admin, events):
    client.force_login(district_admin)
    seen = _actions(client.get("/security/audit/"))
    assert {"test.school_a", "test.district_a"} <= seen
    assert not seen & {"test.school_b", "test.school_c", "test.district_b"}


def test_superuser_sees_events_filed_under_no_organisation(client, events):
    root = get_user_model().objects.create_superuser(username="root", password="pw-for-tests-1")
    client.force_login(root)
    assert "auth.login_failed" in _actions(client.get("/security/audit/"))


@pytest.mark.parametrize("who", ["city_leader", "city_inspector", "district_leader", "school_leader", "school_staff"])
def test_non_admins_are_refused_the_viewer_and_the_refusal_is_audited(client, people, events, who):
    client.force_login(getattr(people, who))
    assert client.get("/security/audit/").status_code == 403
    assert client.get("/security/audit/export.xlsx").status_code == 403
    assert AuditEvent.objects.filter(action="access.refused", actor=getattr(people, who)).count() == 2


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/security/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_viewer_filters_by_action_actor_organisation_and_dates(client, people, tree, events):
    client.force_login(people.city_admin)
    assert _actions(client.get("/security/audit/", {"action": "test.school_b"})) == {"test.school_b"}
    by_org = _actions(client.get("/security/audit/", {"organization": tree.district_a.pk}))
    assert {"test.school_a", "test.district_a"} <= by_org and "test.school_b" not in by_org
    by_actor = _actions(client.get("/security/audit/", {"actor": "city_insp"}))
    assert by_actor == {e.action for e in events.values() if e.actor_id}
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert _actions(client.get("/security/audit/", {"date_from": tomorrow})) == set()
    today = timezone.localdate()
    assert "test.school_c" in _actions(client.get("/security/audit/", {"date_from": today, "date_to": today}))


def test_district_admin_cannot_filter_into_another_district(client, district_admin, tree, events):
    client.force_login(district_admin)
    response = client.get("/security/audit/", {"organization": tree.district_b.pk})
    assert response.context["form"].errors  # not a choice for this admin
    assert not _actions(response) & {"test.school_b", "test.district_b"}


def test_xlsx_export_matches_the_filter_neutralises_formulas_and_is_audited(client, people, tree, events):
    audit(actor=people.city_inspector, action="test.formula", organization=tree.school_a,
          after={"note": "x"}, before=None)
    AuditEvent.objects.create(action="=HYPERLINK(\"http://evil\")", organization=tree.school_a)
    client.force_login(people.city_admin)
    response = client.get("/security/audit/export.xlsx", {"organization": tree.school_a.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    actions = {row[3] for row in rows[1:]}
    assert {"test.school_a", "test.formula", "=HYPERLINK(\"http://evil\")"} <= actions
    assert "test.school_b" not in actions
    sheet = load_workbook(io.BytesIO(response.content)).active
    formula_cells = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formula_cells == []
    export = AuditEvent.objects.get(action="data.export", actor=people.city_admin)
    assert export.after["what"] == "audit_events" and export.after["rows"] == len(rows) - 1
    assert export.after["filters"]["organization"] == str(tree.school_a)
