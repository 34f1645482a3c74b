from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import policy


@login_required
def home(request):
    return render(request, "organizations/home.html", {
        "capabilities": policy.capabilities(request.user),
    })
