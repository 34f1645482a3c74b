"""The admins' page of their organisations' webhooks (/manage/webhooks/), beside the organisations and people.

The same selectors and services as the API (webhooks.selectors, webhooks.services): endpoints out of the
admin's reach are 404, writes ask the one policy again. The secret is shown on the page that answers the
registration or the rotation, once; it never goes into a message or a redirect.
"""
from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from organizations import policy
from organizations.forms import OrgChoiceField
from organizations.models import Organization
from organizations.views_admin import admin_only

from . import selectors, services
from .audience import CATALOGUE
from .models import Delivery

app_name = "webhooks"
LOG_ROWS = 20


class EndpointForm(forms.Form):
    organization = OrgChoiceField(label=gettext_lazy("机构"), queryset=Organization.objects.none())
    url = forms.URLField(label=gettext_lazy("接收地址"), max_length=500, assume_scheme="https",
                         help_text=gettext_lazy("只接受 https:// 地址，且不能指向内部网络。"))
    events = forms.MultipleChoiceField(label=gettext_lazy("事件类型"), widget=forms.CheckboxSelectMultiple,
                                       choices=list(CATALOGUE.items()))
    description = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations.order_by("path")


def _page(request, *, form=None, secret_for=None, status=200):
    endpoints = list(selectors.endpoints_managed_by(request.user).order_by("-id"))
    for endpoint in endpoints:  # an admin has a few endpoints (at most 10 an organisation)
        endpoint.log = list(Delivery.objects.filter(endpoint=endpoint).order_by("-id")[:LOG_ROWS])
        endpoint.event_labels = [CATALOGUE.get(name, name) for name in endpoint.events]
        for row in endpoint.log:
            row.label = CATALOGUE.get(row.event, row.event)
    return render(request, "webhooks/admin_webhooks.html", {
        "tab": "webhooks", "endpoints": endpoints, "secret_for": secret_for, "catalogue": CATALOGUE,
        "form": form or EndpointForm(organizations=policy.managed_orgs(request.user)),
    }, status=status)


@admin_only
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    if request.method == "GET":
        return _page(request)
    form = EndpointForm(request.POST, organizations=policy.managed_orgs(request.user))
    if not form.is_valid():
        return _page(request, form=form, status=400)
    data = form.cleaned_data
    try:
        endpoint, _created = services.endpoint_register(
            user=request.user, organization=data["organization"], url=data["url"], events=data["events"],
            description=data["description"])
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, form=form, status=400)
    return _page(request, secret_for=endpoint, status=201)


@admin_only
@require_POST
def webhook_rotate(request, pk):
    endpoint = services.endpoint_rotate_secret(user=request.user,
                                               endpoint=selectors.get_endpoint_for_admin(request.user, pk))
    return _page(request, secret_for=endpoint)


@admin_only
@require_POST
def webhook_delete(request, pk):
    services.endpoint_delete(user=request.user, endpoint=selectors.get_endpoint_for_admin(request.user, pk))
    return redirect("webhooks:list")


urls = ([
    path("", webhook_list, name="list"),
    path("<int:pk>/rotate/", webhook_rotate, name="rotate"),
    path("<int:pk>/delete/", webhook_delete, name="delete"),
], app_name)
