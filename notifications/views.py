"""Thin views: the notifications page, opening one, mark-all-read, delivery preferences."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services


@login_required
@require_GET
def notification_list(request):
    state = request.GET.get("state", "all")
    state = state if state in selectors.STATES else "all"
    page = Paginator(selectors.notifications_for(request.user, state=state), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "state": state, "states": selectors.STATES,
        "preference": selectors.preference_for(request.user), **selectors.bell_state(request.user),
    })


@login_required
@require_GET
def notification_open(request, pk: int):
    note = selectors.get_notification_for_user(request.user, pk)
    services.mark_read(user=request.user, ids=[note.pk])
    safe = note.link and url_has_allowed_host_and_scheme(note.link, allowed_hosts={request.get_host()})
    return redirect(note.link if safe else "notifications:list")


@login_required
@require_POST
def notification_mark_all_read(request):
    services.mark_read(user=request.user)
    state = request.POST.get("state", "all")
    return redirect(f"{reverse('notifications:list')}?state={state if state in selectors.STATES else 'all'}")


@login_required
@require_POST
def notification_preferences(request):
    services.preference_set(user=request.user, email_enabled=request.POST.get("email_enabled") == "on",
                            digest_enabled=request.POST.get("digest_enabled") == "on")
    return redirect("notifications:list")


@login_required
@require_GET
def notification_bell_state(request):
    return JsonResponse(selectors.bell_state(request.user))
