"""The signed-in user's security pages: API tokens, the authenticator (second factor), and for administrators
the company's security policy. The rules are in crm.auth_tokens and crm.totp."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from . import auth_tokens, languages, totp
from .exceptions import ApplicationError
from .forms import apply_application_error
from .models import ApiToken, TotpDevice
from .roles import Role, is_admin


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label=gettext_lazy("Device or integration"), help_text=gettext_lazy("e.g. 'ERP' or 'my laptop'")
    )
    expires_in_days = forms.IntegerField(min_value=1, required=False, label=gettext_lazy("Expires in (days)"))


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label=gettext_lazy("Authenticator code"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class PolicyForm(forms.Form):
    require_admin_totp = forms.BooleanField(
        required=False,
        label=gettext_lazy("Administrators confirm each sign-in with an authenticator code"),
    )


@require_http_methods(["GET", "POST"])
def tokens(request):
    """Your tokens (administrators: everyone's, with a user filter): make a named one, revoke any of them."""
    form, new_key = TokenForm(), None
    if request.method == "POST" and "revoke" in request.POST:
        token = get_object_or_404(auth_tokens.tokens_visible_to(request.user), pk=request.POST.get("revoke"))
        try:
            auth_tokens.token_revoke(token=token, by=request.user)
        except ApplicationError as exc:
            raise PermissionDenied(exc.message) from exc
        messages.success(request, gettext("Token “%(name)s” revoked.") % {"name": token.name})
        return redirect("account-tokens")
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                issued = auth_tokens.token_issue(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    expires_in_days=form.cleaned_data["expires_in_days"],
                )
            except ApplicationError as exc:
                apply_application_error(form, exc)
            else:
                new_key, form = issued.key, TokenForm()
                messages.success(
                    request,
                    gettext("Token “%(name)s” made. Copy the key now: it is not shown again.")
                    % {"name": issued.token.name},
                )
    rows = auth_tokens.tokens_visible_to(request.user)
    user_filter = request.GET.get("user", "")
    if is_admin(request.user) and user_filter.isdigit():
        rows = rows.filter(user_id=int(user_filter))
    return render(
        request,
        "registration/tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": rows[:200],
            "show_user": is_admin(request.user),
            "now": timezone.now(),
        },
    )


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if ok else "/"


@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Set up the authenticator (scan the code, give one code) or confirm a sign-in with a code."""
    device = totp.device_pending(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp.verify(user=request.user, code=form.cleaned_data["code"]):
            totp.pass_second_factor(request)
            messages.success(request, gettext("Authenticator confirmed."))
            return redirect(_safe_next(request))
        form.add_error(
            "code", gettext("That is not the current code. Check the clock of your phone and try the next one.")
        )
    device.refresh_from_db()
    setup = device.confirmed_at is None
    context = {
        "form": form,
        "setup": setup,
        "qr_svg": totp.qr_svg(device) if setup else "",
        "secret": device.secret if setup else "",
        "next": _safe_next(request),
        "pending": bool(request.session.get("otp_pending")),
    }
    return render(request, "registration/two_factor.html", context)


@require_http_methods(["GET", "POST"])
def security(request):
    """Administrators: the second-factor requirement, and who has an authenticator (reset a lost one)."""
    if not is_admin(request.user):
        raise PermissionDenied(gettext("Only administrators change the security policy."))
    form = PolicyForm(request.POST or None, initial={"require_admin_totp": totp.policy().require_admin_totp})
    if request.method == "POST" and "reset" in request.POST:
        user = get_object_or_404(get_user_model(), pk=request.POST.get("reset"))
        totp.device_reset(user=user, by=request.user)
        messages.success(
            request,
            gettext("%(get_username)s sets up a new authenticator at the next sign-in.")
            % {"get_username": user.get_username()},
        )
        return redirect("account-security")
    if request.method == "POST" and form.is_valid():
        try:
            totp.policy_set(require_admin_totp=form.cleaned_data["require_admin_totp"], by=request.user)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            if form.cleaned_data["require_admin_totp"]:
                signed_out = totp.sign_out_other_administrators(keep_session_key=request.session.session_key)
                messages.success(
                    request,
                    gettext("Required from now on; %(signed_out)s other administrator session(s) signed out.")
                    % {"signed_out": signed_out},
                )
            else:
                messages.success(request, gettext("No longer required."))
            return redirect("account-security")
    admins = get_user_model().objects.filter(groups__name=Role.ADMINISTRATOR).order_by("username")
    devices = {d.user_id: d for d in TotpDevice.objects.filter(user__in=admins)}
    rows = [(u, devices.get(u.pk)) for u in admins]
    active = ApiToken.objects.filter(revoked_at__isnull=True).count()
    return render(request, "registration/security.html", {"form": form, "rows": rows, "active_tokens": active})


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)


@require_http_methods(["GET", "POST"])
def language(request):
    """The user's interface language (the account page, and the picker in the top bar, which posts here with
    `next`): kept for the user, in the session and in the language cookie."""
    current = translation.get_language()
    form = LanguageForm(request.POST or None, initial={"language": current})
    if request.method == "POST" and form.is_valid():
        try:
            chosen = languages.user_language_set(
                user=request.user, language=form.cleaned_data["language"], session=request.session
            )
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            translation.activate(chosen)
            messages.success(request, translation.gettext("Language saved."))
            response = redirect(_safe_next(request) if request.POST.get("next") else "account-language")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
    return render(request, "registration/language.html", {"form": form})
