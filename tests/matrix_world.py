"""The representative objects of the permission matrix, each in a realistic state.

- order: school A's order in state "rechecking", with a pending... no: a decided extension request and a
  report carrying one photo (evidence URLs);
- surprise: a planned SURPRISE visit of school A, not checked in (the school must get 404);
- routine: a routine visit of school A, checked in, checklist answered, one finding with a photo, signed;
- clue: a hotline clue of district A with a named complainant;
- draw: a published draw of a city random-draw campaign (school B drawn), with its public page;
- export: a finished ledger export job of district leader A;
- notification: a notification of school A's staff;
- conflict, clue_key: a recusal record and an intake key of the city.
"""
import base64
import datetime as dt
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from inspections.clues.services import clue_key_issue
from inspections.campaigns.services import conflict_register, draw_create, draw_publish, inspector_pool, results_publish
from inspections.evidence.services import attachment_create
from inspections.reports.ledger import LedgerFilter, export_request
from inspections.models import ChecklistTemplate
from inspections.orders.services import extension_decide, extension_request, order_sign, report_approve, report_submit
from inspections.visits.services import finding_photos_add, visit_sign
from notifications.services import notify

from .clue_helpers import hotline_clue
from webhooks.models import Endpoint

from .draw_helpers import city_inspectors, random_campaign
from .orders_helpers import issue
from .visits_helpers import conduct, plan, png_bytes, signature_url


def photo(name="evidence.png"):
    return SimpleUploadedFile(name, png_bytes((64, 48)), content_type="image/png")


def rechecking_order(people, tree):
    order = issue(people, tree)
    order_sign(order=order, user=people.school_leader)
    ext = extension_request(order=order, user=people.school_staff, reason="设备到货需要时间",
                            requested_deadline=order.deadline.due_at.date() + dt.timedelta(days=14))
    extension_decide(extension=ext, user=people.district_leader, approve=True, note="同意")
    evidence = attachment_create(upload=photo(), organization=tree.school_a, uploaded_by=people.school_staff)
    report_submit(order=order, user=people.school_staff, measures="已清理通道，增设标识", attachments=[evidence])
    report_approve(order=order, user=people.school_leader)
    order.refresh_from_db()
    assert order.status == "rechecking"
    return SimpleNamespace(order=order, extension=ext, evidence=evidence)


def signed_routine_visit(people, tree):
    visit = plan(people, tree)
    findings = conduct(visit, people.district_inspector)
    finding_photos_add(finding=findings[0], user=people.district_inspector, photos=[photo("site.png")])
    visit_sign(visit=visit, user=people.district_inspector, representative_name="张校长",
               signature_data_url=signature_url())
    visit.refresh_from_db()
    return SimpleNamespace(visit=visit, finding=findings[0], photo=findings[0].attachments.get())


def published_draw(people, tree):
    city_inspectors(tree)
    campaign = random_campaign(people, tree)
    record = draw_create(campaign=campaign, user=people.city_leader, schools=[tree.school_b],
                         inspectors=inspector_pool(campaign=campaign), n=1, seed="matrix")
    record = draw_publish(draw=record, user=people.city_leader)
    return results_publish(campaign=campaign, user=people.city_leader), record  # the public page is live


def build_world(people, tree):
    o = rechecking_order(people, tree)
    v = signed_routine_visit(people, tree)
    surprise = plan(people, tree, kind="surprise")
    campaign, draw = published_draw(people, tree)
    clue = hotline_clue(people, tree)
    export = export_request(user=people.district_leader, flt=LedgerFilter())
    note = notify(kind="order.issued", recipients=[people.school_staff], title="请签收整改通知",
                  link=f"/orders/{o.order.pk}/")
    return SimpleNamespace(
        order=o.order, extension=o.extension, evidence=o.evidence, routine=v.visit, finding=v.finding,
        visit_photo=v.photo, surprise=surprise, campaign=campaign, draw=draw, clue=clue, export=export,
        notification=note[0] if isinstance(note, list) else note,
        template=ChecklistTemplate.objects.order_by("pk").first(),
        conflict=conflict_register(inspector=people.city_inspector, school=tree.school_c, reason="曾在该校任职",
                                   user=people.city_admin),
        clue_key=clue_key_issue(organization=tree.city, name="12345热线", user=people.city_admin)[0],
        webhook=Endpoint.objects.create(organization=tree.city, url="https://203.0.113.7/hook",
                                        events=["order.issued"], secret="whsec_matrix"),
    )
