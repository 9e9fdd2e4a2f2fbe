"""Second factor for administrators: an authenticator app (TOTP, RFC 6238, 30-second steps, 6 digits).

Administrators switch the requirement on for their own role (SecurityPolicy.require_admin_totp); only an
administrator whose own authenticator is confirmed may switch it on, so nobody locks the role out. While it is
on, an administrator who signed in with a password reaches nothing but the second-factor page until a code
is given (TwoFactorMiddleware), and the token endpoint asks administrators for `otp` as well. An
administrator without a confirmed authenticator sets one up on that page at the first sign-in.
A code is accepted once (the step is remembered) and one step of clock drift either way is allowed."""

import io
from importlib import import_module

import pyotp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .exceptions import ApplicationError
from .models import SecurityPolicy, TotpDevice
from .roles import Role, is_admin

ISSUER = "CRM"
SESSION_KEY = "otp_verified_user"
_POLICY_CACHE_KEY = "crm:security-policy:v1"


def policy() -> SecurityPolicy:
    """The one policy row, cached (it is read on every request of an administrator)."""
    cached = cache.get(_POLICY_CACHE_KEY)
    if cached is None:
        cached = SecurityPolicy.objects.first() or SecurityPolicy()
        cache.set(_POLICY_CACHE_KEY, cached, 60)
    return cached


def totp_required(user) -> bool:
    return bool(user.is_authenticated and is_admin(user) and policy().require_admin_totp)


@transaction.atomic
def policy_set(*, require_admin_totp: bool, by) -> SecurityPolicy:
    if not is_admin(by):
        raise ApplicationError(gettext("Only administrators change the security policy."), code="forbidden")
    if require_admin_totp and not device_confirmed(by):
        raise ApplicationError(
            gettext("Set up your own authenticator first, so the requirement cannot lock you out."),
            field="require_admin_totp",
        )
    row = SecurityPolicy.objects.select_for_update().first() or SecurityPolicy()
    row.require_admin_totp = require_admin_totp
    row.changed_by, row.changed_at = by, timezone.now()
    row.save()
    transaction.on_commit(lambda: cache.delete(_POLICY_CACHE_KEY))
    return row


def device_confirmed(user) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def device_pending(user) -> TotpDevice:
    """The user's authenticator, or a new unconfirmed one with a fresh secret to scan."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32())
    return device


def provisioning_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.get_username(), issuer_name=ISSUER)


def qr_svg(device: TotpDevice) -> str:
    """The provisioning URI as an inline SVG QR code (no image library, no external service)."""
    image = qrcode.make(provisioning_uri(device), image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]  # inline in the page: no XML declaration


@transaction.atomic
def verify(*, user, code: str) -> bool:
    """True when `code` is the current (or an adjacent) step's code and was not used before; confirms a new
    device on its first good code."""
    code = "".join((code or "").split())
    if not code.isdigit() or len(code) != 6:
        return False
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if candidate > device.last_step and totp.at(candidate * totp.interval) == code:
            device.last_step = candidate
            if device.confirmed_at is None:
                device.confirmed_at = now
            device.save(update_fields=["last_step", "confirmed_at"])
            return True
    return False


def device_reset(*, user, by) -> None:
    """An administrator removes a user's authenticator (a lost phone); the user sets up a new one."""
    if not is_admin(by):
        raise ApplicationError(gettext("Only administrators reset an authenticator."), code="forbidden")
    TotpDevice.objects.filter(user=user).delete()


def on_login(sender, request, user, **kwargs):
    """user_logged_in: a sign-in that owes an authenticator code marks its session (see TwoFactorMiddleware)."""
    if request is not None and hasattr(request, "session") and totp_required(user):
        request.session["otp_pending"] = True


def pass_second_factor(request) -> None:
    request.session.pop("otp_pending", None)
    request.session.cycle_key()


def sign_out_other_administrators(*, keep_session_key: str | None) -> int:
    """When the requirement is switched on, administrators signed in without a code are signed out, so the
    rule holds at once rather than at their next sign-in."""
    admin_ids = {
        str(pk) for pk in get_user_model().objects.filter(groups__name=Role.ADMINISTRATOR).values_list("pk", flat=True)
    }
    doomed = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.session_key != keep_session_key and s.get_decoded().get("_auth_user_id") in admin_ids
    ]
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in doomed:
        store(session_key=key).delete()  # from the cache as well as the table (cached_db)
    return len(doomed)
