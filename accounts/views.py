from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from accounts import selectors
from accounts.models import User
from notifications.services import notifications_mark_read

# Where each role lands after signing in.
ROLE_HOME = {
    User.Role.MERCHANT: "tickets:list",
    User.Role.DISPATCHER: "tickets:console",
    User.Role.TECHNICIAN: "tickets:jobs",
    User.Role.MANAGER: "sla:dashboard",
    User.Role.PARTNER: "accounts:partner_home",
    User.Role.ADMIN: "admin:index",
}


def home_url_for(user) -> str:
    name = "admin:index" if user.is_superuser else ROLE_HOME.get(user.role, "accounts:staff_home")
    try:
        return reverse(name)
    except NoReverseMatch:
        # A role whose pages are not installed lands on the generic staff page.
        return reverse("accounts:staff_home")


@login_required
def home(request):
    return redirect(home_url_for(request.user))


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def favicon(request):
    return redirect(static("favicon.ico"), permanent=True)


@login_required
def notifications(request):
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("accounts:notifications")
    return render(
        request, "accounts/notifications.html", {"notifications": selectors.notifications_for(user=request.user)}
    )


@login_required
def partner_home(request):
    return render(request, "accounts/partner_home.html", {"merchants": selectors.merchant_list(actor=request.user)})


@login_required
def staff_home(request):
    return render(request, "accounts/staff_home.html")
