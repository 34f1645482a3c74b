"""Admins' own screens (/manage/): the organisations and the people of the subtree they manage.

District, school and city admins work here, inside the shell; /admin/ is the platform operator's.
Every object is fetched and authorised in one call (policy.get_managed_*_for_user: 404 outside the
reach), every write goes through organizations.services (which ask organizations.policy again), and
the audit trail is written here, since the services may not import inspections (.importlinter).
A refusal answers 403 with its reason on the page, a bad form 400 with the field's message.
"""
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from inspections.audit.services import audit
from security.models import UserSecurity

from . import policy, services
from .forms import OrganizationAddForm, OrganizationEditForm, PasswordResetForm, PersonAddForm, RoleGrantForm, child_kinds
from .models import Membership, Organization
from .roles import Role

app_name = "orgadmin"
User = get_user_model()
ORG_FIELDS = ("name", "short_name", "name_en", "doc_prefix", "school_level", "is_active", "parent")
FILTER_SELECT_LIMIT = 300  # above this many organisations the people filter is the org list's links only


def admin_only(view):
    """Signed in (else the login page) and managing at least one organisation (else 403)."""
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not policy.managed_orgs(request.user).exists():
            raise PermissionDenied
        return view(request, *args, **kwargs)
    return wrapped


def _form_errors(form, exc: ValidationError, rename=None) -> None:
    """A service's ValidationError on the form: on the field when the form has it, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        field = (rename or {}).get(field, field)
        form.add_error(field if field in form.fields else None, errors)


def _audit(request, action, obj, organization, **after):
    audit(actor=request.user, action=action, obj=obj, organization=organization, after=after or None)


def _plain(value):
    return value.pk if isinstance(value, Organization) else value  # audit rows hold JSON


def _must_change_password(person) -> None:
    # Called after the save: security.signals has just set the flag from the password itself (only the
    # published demo password is flagged); a password someone else chose must be changed by its owner.
    UserSecurity.objects.update_or_create(user=person, defaults={"must_change_password": True})


def _top_level(user) -> int:
    """The depth of the admin's highest managed organisation: the list indents from there."""
    if user.is_superuser:
        return 1
    depths = [len(m.organization.ancestor_ids()) for m in policy.roles_of(user) if m.role == Role.ADMIN]
    return min(depths, default=1)


# ---------------------------------------------------------------- organisations

@admin_only
def org_list(request):
    orgs = policy.managed_orgs(request.user).order_by("path")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        orgs = orgs.filter(Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code__icontains=query))
    page = Paginator(orgs, 100).get_page(request.GET.get("page"))
    top = _top_level(request.user)
    rows = [{"org": org, "indent": min(max(len(org.ancestor_ids()) - top, 0), 5),
             "may_add": bool(child_kinds(org.kind))} for org in page]
    return render(request, "organizations/admin_orgs.html",
                  {"tab": "orgs", "rows": rows, "page": page, "q": query})


@admin_only
@require_http_methods(["GET", "POST"])
def org_add(request, pk):
    parent = policy.get_managed_org_for_user(request.user, pk)
    if not child_kinds(parent.kind):
        raise Http404  # nothing hangs under a school
    form = OrganizationAddForm(request.POST if request.method == "POST" else None, parent=parent)
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        if data["kind"] != Organization.Kind.SCHOOL:
            data["school_level"] = ""
        try:
            org = services.organization_add(actor=request.user, parent=parent, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            _audit(request, "organization.created", org, org, code=org.code, kind=org.kind, parent=parent.pk)
            messages.success(request, _("已添加机构：%(name)s") % {"name": org.name})
            return redirect("orgadmin:orgs")
    return render(request, "organizations/admin_org_form.html",
                  {"tab": "orgs", "form": form, "parent": parent, "adding": True},
                  status=400 if form.is_bound else 200)


@admin_only
@require_http_methods(["GET", "POST"])
def org_edit(request, pk):
    org = policy.get_managed_org_for_user(request.user, pk)
    movable = policy.may_place(request.user, organization=org, parent=org.parent)
    initial = {field: getattr(org, field) for field in ORG_FIELDS if field != "parent"} | {"parent": org.parent_id}
    form = OrganizationEditForm(request.POST if request.method == "POST" else None, initial=initial,
                                organization=org, parents=policy.managed_orgs(request.user), movable=movable)
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        before = {field: _plain(getattr(org, field)) for field in form.cleaned_data}
        try:
            org = services.organization_update(actor=request.user, organization=org, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        else:
            after = {field: _plain(getattr(org, field)) for field in form.cleaned_data}
            changed = {field for field in after if after[field] != before[field]}
            _audit(request, "organization.updated", org, org, **{f: after[f] for f in changed})
            messages.success(request, _("已保存：%(name)s") % {"name": org.name})
            return redirect("orgadmin:orgs")
    return render(request, "organizations/admin_org_form.html",
                  {"tab": "orgs", "form": form, "org": org, "movable": movable}, status=status)


# ---------------------------------------------------------------- people

def _in_reach(person, reach):
    return person.memberships.filter(organization__in=reach).select_related("organization").order_by(
        "organization__path", "role")


@admin_only
def people_list(request):
    reach = policy.managed_orgs(request.user)
    org = policy.get_managed_org_for_user(request.user, request.GET["org"]) if request.GET.get("org") else None
    shown = reach.filter(path__startswith=org.path) if org else reach
    people = User.objects.filter(memberships__organization__in=shown).distinct().order_by("username")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        people = people.filter(Q(username__icontains=query) | Q(first_name__icontains=query)
                               | Q(last_name__icontains=query))
    held = Membership.objects.filter(organization__in=shown).select_related("organization").order_by(
        "organization__path", "role")
    page = Paginator(people.prefetch_related(Prefetch("memberships", queryset=held, to_attr="held_here")),
                     50).get_page(request.GET.get("page"))
    small = reach.count() <= FILTER_SELECT_LIMIT
    return render(request, "organizations/admin_people.html", {
        "tab": "people", "page": page, "org": org, "q": query,
        "filter_orgs": reach.order_by("path") if small else None,
    })


@admin_only
@require_http_methods(["GET", "POST"])
def person_add(request):
    reach = policy.managed_orgs(request.user)
    initial = {"organization": request.GET.get("org", "")[:12]}
    form = PersonAddForm(request.POST if request.method == "POST" else None, initial=initial, organizations=reach)
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            person = _person_add(request, data)
        except ValidationError as exc:
            _form_errors(form, exc, rename={"first_name": "display_name"})
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(request, _("已为 %(name)s 授予 %(org)s 的“%(role)s”角色。") % {
                "name": person.get_full_name() or person.username, "org": data["organization"].name,
                "role": Role(data["role"]).label})
            return redirect("orgadmin:person", pk=person.pk)
    return render(request, "organizations/admin_person_add.html", {"tab": "people", "form": form}, status=status)


@transaction.atomic
def _person_add(request, data):
    """A new account (its password to be changed at first login) or an existing one, and the role."""
    org, role = data["organization"], data["role"]
    if data["mode"] == PersonAddForm.NEW:
        person = services.person_create(actor=request.user, username=data["username"],
                                        display_name=data["display_name"], password=data["password"],
                                        organization=org, role=role)
        _must_change_password(person)
        _audit(request, "user.created", person, org, username=person.username)
    else:
        person = data["user"]
        services.membership_add(actor=request.user, user=person, organization=org, role=role)
    _audit(request, "membership.granted", person, org, role=role)
    return person


def _person_page(request, person, *, grant_form=None, password_form=None, status=200):
    reach = policy.managed_orgs(request.user)
    return render(request, "organizations/admin_person.html", {
        "tab": "people", "person": person, "memberships": _in_reach(person, reach),
        "held_elsewhere": person.memberships.exclude(organization__in=reach).exists(),
        "manageable": policy.may_manage_person(request.user, person),
        "grant_form": grant_form or RoleGrantForm(organizations=reach),
        "password_form": password_form or PasswordResetForm(),
    }, status=status)


@admin_only
def person_detail(request, pk):
    return _person_page(request, policy.get_managed_person_for_user(request.user, pk))


@admin_only
@require_POST
def person_grant(request, pk):
    person = policy.get_managed_person_for_user(request.user, pk)
    form = RoleGrantForm(request.POST, organizations=policy.managed_orgs(request.user))
    if not form.is_valid():
        return _person_page(request, person, grant_form=form, status=400)
    org, role = form.cleaned_data["organization"], form.cleaned_data["role"]
    try:
        services.membership_add(actor=request.user, user=person, organization=org, role=role)
    except ValidationError as exc:
        _form_errors(form, exc)
        return _person_page(request, person, grant_form=form, status=400)
    _audit(request, "membership.granted", person, org, role=role)
    messages.success(request, _("已授予 %(org)s 的“%(role)s”角色。") % {"org": org.name, "role": Role(role).label})
    return redirect("orgadmin:person", pk=person.pk)


@admin_only
@require_POST
def person_revoke(request, pk, membership_pk):
    person = policy.get_managed_person_for_user(request.user, pk)
    membership = _in_reach(person, policy.managed_orgs(request.user)).filter(pk=membership_pk).first()
    if membership is None:
        raise Http404
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return _person_page(request, person, status=403 if isinstance(exc, PermissionDenied) else 400)
    _audit(request, "membership.revoked", person, membership.organization, role=membership.role)
    messages.success(request, _("已撤销 %(org)s 的“%(role)s”角色。") % {
        "org": membership.organization.name, "role": membership.get_role_display()})
    if not _in_reach(person, policy.managed_orgs(request.user)).exists():
        return redirect("orgadmin:people")  # out of this admin's reach now
    return redirect("orgadmin:person", pk=person.pk)


@admin_only
@require_POST
def person_password(request, pk):
    person = policy.get_managed_person_for_user(request.user, pk)
    form = PasswordResetForm(request.POST)
    if not form.is_valid():
        return _person_page(request, person, password_form=form, status=400)
    try:
        with transaction.atomic():
            services.person_password_set(actor=request.user, person=person, password=form.cleaned_data["password"])
            _must_change_password(person)
            _audit(request, "user.password_reset", person, _home(person, request.user))
    except ValidationError as exc:
        _form_errors(form, exc)
        return _person_page(request, person, password_form=form, status=400)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return _person_page(request, person, status=403)
    messages.success(request, _("已为 %(name)s 设置临时密码，请当面或电话告知本人；本人下次登录时必须修改。") % {
        "name": person.get_full_name() or person.username})
    return redirect("orgadmin:person", pk=person.pk)


@admin_only
@require_POST
def person_active(request, pk):
    person = policy.get_managed_person_for_user(request.user, pk)
    if request.POST.get("active") not in ("0", "1"):
        raise BadRequest("active must be 0 or 1")  # the project's 400 page
    active = request.POST["active"] == "1"
    try:
        services.person_set_active(actor=request.user, person=person, active=active)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return _person_page(request, person, status=403)
    _audit(request, "user.activated" if active else "user.deactivated", person, _home(person, request.user))
    messages.success(request, (_("已启用 %(name)s 的账号。") if active else _("已停用 %(name)s 的账号，其登录已全部失效。"))
                     % {"name": person.get_full_name() or person.username})
    return redirect("orgadmin:person", pk=person.pk)


def _home(person, admin):
    """Where an event about `person` is filed: their highest organisation in the admin's reach."""
    first = _in_reach(person, policy.managed_orgs(admin)).first()
    return first.organization if first else None


urlpatterns = [
    path("orgs/", org_list, name="orgs"),
    path("orgs/<int:pk>/", org_edit, name="org-edit"),
    path("orgs/<int:pk>/add/", org_add, name="org-add"),
    path("people/", people_list, name="people"),
    path("people/new/", person_add, name="person-add"),
    path("people/<int:pk>/", person_detail, name="person"),
    path("people/<int:pk>/roles/", person_grant, name="person-grant"),
    path("people/<int:pk>/roles/<int:membership_pk>/revoke/", person_revoke, name="person-revoke"),
    path("people/<int:pk>/password/", person_password, name="person-password"),
    path("people/<int:pk>/active/", person_active, name="person-active"),
]
