from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors


@login_required
def dashboard(request):
    """The role's home: key figures, what needs doing now, links."""
    context = selectors.dashboard_for(request.user)
    return render(request, "bureau/dashboard.html", context)


@require_GET
def health(request):
    """Liveness for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
