"""Logins and passwords: throttling beyond django-axes' own: one address trying many user names.

Axes locks a user name on one address after AXES_FAILURE_LIMIT failures. Spraying one password over many
user names from one address never trips that, so this backend, placed before axes', also stops an address
after LOGIN_ADDRESS_FAILURE_LIMIT failures within AXES_COOLOFF_TIME, whatever the names. The limit is higher
than axes' because a township office may sit behind one address.
"""
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone


def address_failures(ip_address: str) -> int:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start"))["total"] or 0


class AddressThrottleBackend:
    """Refuses every login from an address that failed too often lately; authenticates nobody itself."""

    def authenticate(self, request, **credentials):
        if request is None:
            return None
        ip_address = get_client_ip_address(request)
        if ip_address and address_failures(ip_address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            # Axes' middleware answers with its lockout page when this is set.
            request.axes_locked_out = True
            raise PermissionDenied("该地址登录失败次数过多，已暂停登录。")
        # No get_user: it never signs anybody in, and Django ties a session to the first backend that has one.
        return None


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's own, with its message in Chinese (its zh-hans catalogue lacks this plural form)."""

    def get_error_message(self):
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"
