"""The order pages: what each person sees, and that the forms drive the flow."""
from inspections.models import RectificationOrder

from .orders_helpers import issue, sign_and_report


def test_school_sees_its_order_with_days_left_and_the_next_step(people, tree, client):
    order = issue(people, tree)
    client.force_login(people.school_leader)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert order.number in page and "实训室消防通道堵塞" in page
    assert "剩余 20 个工作日" in page or "剩余 19 个工作日" in page
    assert "请签收本通知书" in page and 'name="sign"' in page
    assert "下发整改通知书" in page[page.index("data-timeline"):]  # timeline from the audit trail, in words


def test_other_schools_and_districts_get_404(people, tree, client):
    order = issue(people, tree)
    for user in (people.other_school_staff, people.outsider, people.other_district_inspector):
        client.force_login(user)
        assert client.get(f"/orders/{order.pk}/").status_code == 404
        assert client.post(f"/orders/{order.pk}/sign/").status_code == 404


def test_staff_sees_no_sign_button_and_a_refused_post_changes_nothing(people, tree, client):
    order = issue(people, tree)
    client.force_login(people.school_staff)
    assert 'name="sign"' not in client.get(f"/orders/{order.pk}/").content.decode()
    page = client.post(f"/orders/{order.pk}/sign/", follow=True).content.decode()
    assert "您无权办理此环节" in page
    assert RectificationOrder.objects.get(pk=order.pk).status == "issued"


def test_inspector_issues_a_manual_order_and_rechecks_on_the_page(people, tree, client):
    client.force_login(people.district_inspector)
    assert client.get("/orders/new/").status_code == 200
    response = client.post("/orders/new/", {"school": tree.school_a.pk, "description": "宿舍消防设施缺失",
                                            "severity": "serious", "requirements": "立即整改"})
    order = RectificationOrder.objects.get()
    assert response.status_code == 302 and response.url == f"/orders/{order.pk}/"
    sign_and_report(people, order)
    client.post(f"/orders/{order.pk}/recheck/", {"method": "on_site", "result": "pass", "notes": ""})
    order.refresh_from_db()
    assert order.status == "closure_review"
    client.force_login(people.district_leader)
    client.post(f"/orders/{order.pk}/approve/", {"decision": "approve"})
    order.refresh_from_db()
    assert order.status == "closed"


def test_school_staff_cannot_open_the_issue_screen(people, client):
    client.force_login(people.school_staff)
    assert client.get("/orders/new/").status_code == 403


def test_viewflow_process_pages_hide_other_schools_orders(people, tree, client):
    order = issue(people, tree)
    client.force_login(people.school_leader)
    assert client.get(f"/rectification/{order.process.pk}/").status_code == 200
    assert client.get("/rectification/queue/").status_code == 200
    assert client.get("/rectification/chart/").status_code == 200  # viewflow draws the flow
    client.force_login(people.other_school_staff)
    assert client.get(f"/rectification/{order.process.pk}/").status_code == 404
    assert order.number not in client.get("/rectification/flows/").content.decode()


def test_order_files_are_only_those_attached_to_that_order(people, tree, client, settings, tmp_path):
    from inspections.evidence.services import attachment_create
    from inspections.orders.services import recheck_record
    from .test_orders_api import jpeg

    settings.MEDIA_ROOT = str(tmp_path)

    def upload(user):
        return attachment_create(upload=jpeg(), organization=tree.school_a, uploaded_by=user)

    order = issue(people, tree)
    finding_photo = upload(people.district_inspector)
    order.findings.get().attachments.add(finding_photo)
    sign_and_report(people, order)
    recheck_photo = upload(people.district_inspector)
    recheck_record(order=order, user=people.district_inspector, method="on_site", result="pass",
                   attachments=[recheck_photo])
    loose = upload(people.school_staff)  # same school, attached to nothing of this order
    client.force_login(people.school_leader)
    for attached in (finding_photo, recheck_photo):
        assert client.get(f"/orders/{order.pk}/files/{attached.pk}/").status_code == 200
    assert client.get(f"/orders/{order.pk}/files/{loose.pk}/").status_code == 404
    assert client.get(f"/orders/{order.pk}/files/{loose.pk}/thumb/").status_code == 404
    page = client.get(f"/orders/{order.pk}/").content.decode()
    recheck_box = page.split("data-recheck-files", 1)[1].split("</div>", 1)[0]
    assert f"/orders/{order.pk}/files/{recheck_photo.pk}/" in recheck_box  # the re-check's photo is shown


def test_recheck_form_has_no_preset_result_and_sits_below_the_report_it_rests_on(people, tree, client):
    order = issue(people, tree)
    sign_and_report(people, order)
    client.force_login(people.district_inspector)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    form = page.split('data-form="order.recheck"', 1)[1].split("</form>", 1)[0]
    assert 'name="result"' in form and "checked" not in form
    assert page.index("已清理通道，增设标识") < page.index('data-form="order.recheck"')
    client.post(f"/orders/{order.pk}/recheck/", {"method": "on_site"})
    order.refresh_from_db()
    assert order.status == "rechecking"  # no result chosen: nothing decided


def test_sign_is_the_primary_action_for_the_school_leader(people, tree, client):
    order = issue(people, tree)
    client.force_login(people.school_leader)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    form = page.split('data-form="order.sign"', 1)[1].split("</form>", 1)[0]
    assert 'class="dd-btn dd-btn--primary"' in form and "签收即确认" in form
