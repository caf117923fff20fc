import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.views.decorators.http import require_GET

from accounts import selectors
from accounts.audit import Action, audit_record
from accounts.forms import PasswordResetForm
from accounts.models import User
from accounts.services import user_password_reset_done
from notifications.services import notifications_mark_read

# Where each role lands after signing in.
ROLE_HOME = {
    User.Role.MERCHANT: "tickets:list",
    User.Role.DISPATCHER: "tickets:console",
    User.Role.TECHNICIAN: "tickets:jobs",
    User.Role.MANAGER: "dashboard:dashboard",
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


# --- sign-in lockout and passwords ------------------------------------------------------------------


def locked_out(request, response=None, credentials=None):
    """django-axes' answer to a sign-in from a locked account or address, on the site and in the admin."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(action=Action.PASSWORD_CHANGED, request=self.request, actor=self.request.user)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for the e-mail address; says the same whether or not an account has it."""

    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_sent")
    extra_email_context = {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        audit_record(
            action=Action.PASSWORD_RESET_REQUESTED, request=self.request, actor_name=form.cleaned_data["email"]
        )
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_reset_done(user=form.user, request=self.request)
        return response
