"""Clue screens: list, register, and the clue page where each step's form lives.

Reads through inspections.clues.selectors (complainant masked by clue_for_viewer), writes
through inspections.clues.services; a refusal is shown on the page, an invisible clue is 404.
"""
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import include, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.params import date_value, datetime_value, int_value
from organizations import policy
from organizations.models import Organization
from organizations.roles import Perm

from inspections.clues import actions
from inspections.clues import steps as clue_steps
from inspections.clues import services
from inspections.clues.models import Clue, ClueAccessKey
from inspections.clues.selectors import clue_for_viewer, clues_for_viewer, clues_visible_to, get_clue_for_user


def _registrable_districts(user):
    orgs = policy.orgs_with(user, Perm.LEAD) | policy.orgs_with(user, Perm.INSPECT)
    return orgs.filter(kind__in=[Organization.Kind.DISTRICT, Organization.Kind.CITY]).distinct().order_by("path")


def _schools_under(orgs):
    paths = [o.path for o in orgs]
    return [s for s in Organization.objects.filter(kind=Organization.Kind.SCHOOL).order_by("path")
            if any(s.path.startswith(p) for p in paths)]


@login_required
def clue_list(request):
    rows = clues_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in Clue.Status.values:
        rows = rows.filter(status=status)
    return render(request, "inspections/clues/list.html", {
        "clues": clues_for_viewer(rows.order_by("-received_at", "-pk")[:200], request.user),
        "statuses": Clue.Status.choices, "status": status,
        "may_register": _registrable_districts(request.user).exists(),
    })


def _org_or_none(value, name="school"):
    pk = int_value(value, name)  # config.params: a non-number is a 400 (or the form's message), never a 500
    return Organization.objects.filter(pk=pk).first() if pk else None


@login_required
def clue_new(request):
    districts = _registrable_districts(request.user)
    if not districts.exists():
        raise PermissionDenied
    if request.method == "POST":
        try:
            received = datetime_value(request.POST.get("received_at"), "received_at") or timezone.now()
            if timezone.is_naive(received):
                received = timezone.make_aware(received)
            clue = services.clue_register(
                source=request.POST.get("source", ""), external_ref=request.POST.get("external_ref", ""),
                received_at=received, content=request.POST.get("content", ""),
                school=_org_or_none(request.POST.get("school")),
                district=_org_or_none(request.POST.get("district"), "district"),
                complainant_name=request.POST.get("complainant_name", ""),
                complainant_contact=request.POST.get("complainant_contact", ""), registered_by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("线索已登记。"))
            return redirect("clues:detail", pk=clue.pk)
    return render(request, "inspections/clues/new.html", {
        "sources": Clue.Source.choices, "districts": districts, "schools": _schools_under(districts),
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "form": request.POST,
    })


@login_required
def clue_detail(request, pk):
    clue = get_clue_for_user(request.user, pk)
    user = request.user
    return render(request, "inspections/clues/detail.html", {
        "clue": clue_for_viewer(clue, user), "decisions": Clue.Decision.choices,
        "methods": Clue.ReplyMethod.choices,
        "subject": clue, "allowed_actions": actions.actions_for(user, clue),  # what {% can %} answers
        "schools": _schools_under([clue.district]) if clue.school_id is None else [],
        "inspectors": policy.users_with_role("inspector", clue.school) if clue.school_id else [],
        "today": timezone.localdate().isoformat(),
        "due": {stage: clue_steps.stage_due_at(clue, stage) for stage in ("triage", "verify", "reply")
                if stage == "triage" or clue.triaged_at},
    })


def _act(request, clue, service, done: str, **kwargs):
    try:
        service(clue=clue, user=request.user, **kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("clues:detail", pk=clue.pk)


@login_required
@require_POST
def clue_triage(request, pk):
    clue = get_clue_for_user(request.user, pk)
    return _act(request, clue, services.clue_triage, _("已分办。"), decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""), school=_org_or_none(request.POST.get("school")))


@login_required
@require_POST
def clue_verify_desk(request, pk):
    clue = get_clue_for_user(request.user, pk)
    return _act(request, clue, services.clue_verify_desk, _("核查结果已保存。"),
                result=request.POST.get("result", ""), substantiated=request.POST.get("substantiated") == "yes")


def _people(ids):
    return list(get_user_model().objects.filter(pk__in=[int_value(i, "members") for i in ids if i]))


@login_required
@require_POST
def clue_verify_visit(request, pk):
    clue = get_clue_for_user(request.user, pk)
    lead = _people([request.POST.get("lead", "")])
    planned = date_value(request.POST.get("planned_date"), "planned_date") or timezone.localdate()
    if not lead:
        messages.error(request, _("请选择检查组组长。"))
        return redirect("clues:detail", pk=clue.pk)
    return _act(request, clue, services.clue_verify_visit, _("突击检查已安排。"), planned_date=planned,
                lead=lead[0], members=_people(request.POST.getlist("members")))


@login_required
@require_POST
def clue_reply(request, pk):
    clue = get_clue_for_user(request.user, pk)
    substantiated = {"yes": True, "no": False}.get(request.POST.get("substantiated", ""))
    return _act(request, clue, services.clue_reply, _("答复已记录。"), text=request.POST.get("text", ""),
                method=request.POST.get("method", ""), date=date_value(request.POST.get("date"), "date"),
                substantiated=substantiated)


@login_required
@require_POST
def clue_close(request, pk):
    clue = get_clue_for_user(request.user, pk)
    return _act(request, clue, services.clue_close, _("线索已办结。"))


@login_required
def clue_keys(request):
    """Admins issue and revoke the intake keys of their authorities; a new key is shown once."""
    managed = policy.orgs_with(request.user, Perm.MANAGE).exclude(kind=Organization.Kind.SCHOOL).order_by("path")
    if not managed.exists():
        raise PermissionDenied
    raw = None
    if request.method == "POST":
        try:
            chosen = int_value(request.POST.get("organization"), "organization") or 0
            _key, raw = services.clue_key_issue(organization=managed.filter(pk=chosen)
                                                .first() or managed.first(), name=request.POST.get("name", ""),
                                                user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(request, "inspections/clues/keys.html", {
        "keys": ClueAccessKey.objects.filter(organization__in=managed).select_related("organization"),
        "organizations": managed, "raw": raw,
    })


@login_required
@require_POST
def clue_key_revoke(request, pk):
    managed = policy.orgs_with(request.user, Perm.MANAGE)
    key = ClueAccessKey.objects.filter(pk=pk, organization__in=managed).first()
    if key is None:
        raise Http404
    services.clue_key_revoke(key=key, user=request.user)
    return redirect("clues:keys")


page_urls = [
    path("", clue_list, name="list"),
    path("new/", clue_new, name="new"),
    path("<int:pk>/", clue_detail, name="detail"),
    path("<int:pk>/triage/", clue_triage, name="triage"),
    path("<int:pk>/verify-desk/", clue_verify_desk, name="verify-desk"),
    path("<int:pk>/verify-visit/", clue_verify_visit, name="verify-visit"),
    path("<int:pk>/reply/", clue_reply, name="reply"),
    path("<int:pk>/close/", clue_close, name="close"),
    path("keys/", clue_keys, name="keys"),
    path("keys/<int:pk>/revoke/", clue_key_revoke, name="key-revoke"),
]
urls = include((page_urls, "clues"))
