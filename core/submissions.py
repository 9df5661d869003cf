"""One click, one write: the one-time key every money form and every batch form carries.

A slow network and an impatient cadre post the same page twice (or a browser resends it); the CSRF token is
the same both times, so only the page itself can tell a repeat from a second payment. Each render of such a
page draws a fresh random key into a hidden field; the write records the key in `SubmissionKey`, in the same
transaction, before it writes anything else. The key's unique index decides: a second POST of the page finds
the key taken (on PostgreSQL it waits for the first to commit), writes nothing, and is sent to what the first
recorded. A write that is refused rolls the key back with it, so the corrected page can be sent again.

A POST without a usable key (a page opened before the key existed, or a hand-made request) is refused rather
than written: nothing could tell its repeat apart.
"""
import uuid
from collections.abc import Callable
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.utils import timezone

from .generic import _add_errors
from .models import SubmissionKey

FIELD = "submission_key"
REPEATED_MESSAGE = "这笔已经登记过了（同一次提交），未重复记账。"
MISSING_MESSAGE = ("本页面缺少防重复提交标识（可能是刷新前打开的旧页面），未登记任何内容。"
                   "请刷新页面，核对后重新提交。")


def new_key() -> str:
    return uuid.uuid4().hex


def parse_key(value) -> uuid.UUID | None:
    """The key a page posted, or None when it posted none or something that is no key."""
    if not isinstance(value, (str, uuid.UUID)) or not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class SubmissionKeyField(forms.CharField):
    """The hidden one-time key: a fresh one each time an unbound form is rendered."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, initial=new_key, max_length=36, **kwargs)

    def bound_data(self, data, initial):
        # A refused page keeps its key (nothing was recorded under it, so sending it again is still one
        # submission); a page that posted no usable key is shown again with a fresh one.
        return data if parse_key(data) else initial

    def clean(self, value):
        key = parse_key(value)
        return key.hex if key else ""


class OnceFormMixin:
    """For a form whose submission writes money or starts a batch: it carries the one-time key, and a
    submission without one is refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[FIELD] = SubmissionKeyField()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get(FIELD):
            raise ValidationError(MISSING_MESSAGE, code="submission_key")
        return cleaned


class AlreadySubmitted(Exception):
    """The key was used before: `record` holds what that submission produced."""

    def __init__(self, record: SubmissionKey):
        super().__init__(record.label)
        self.record = record


def submission_recorded(*, user, key) -> SubmissionKey | None:
    """What this user's submission under `key` produced, if it was recorded."""
    key = parse_key(key)
    if key is None or not getattr(user, "is_authenticated", False):
        return None
    return SubmissionKey.objects.filter(key=key, user=user).first()


@transaction.atomic
def submission_once(*, user, key, label: str, write: Callable[[], str]) -> str:
    """Record `key` and run `write` (which returns the URL of what it made) in one transaction, once.

    Raises AlreadySubmitted when the key was recorded before (the write is not run), ValidationError when
    there is no usable key or it is another user's; a ValidationError from `write` undoes the key too.
    """
    parsed = parse_key(key)
    if parsed is None:
        raise ValidationError(MISSING_MESSAGE, code="submission_key")
    try:
        # Its own savepoint, so that a taken key leaves the transaction usable for reading what took it.
        with transaction.atomic():
            record = SubmissionKey.objects.create(key=parsed, user=user, label=label[:200])
    except IntegrityError:
        earlier = SubmissionKey.objects.filter(key=parsed).first()
        if earlier is None or earlier.user_id != user.pk:
            raise ValidationError(MISSING_MESSAGE, code="submission_key") from None
        raise AlreadySubmitted(earlier) from None
    url = write()
    SubmissionKey.objects.filter(pk=record.pk).update(url=url[:300])
    return url


@transaction.atomic
def submission_keys_purge(*, days: int, now=None) -> int:
    """Forget keys older than `days`: by then no page that used one is still being resent."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = SubmissionKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def repeated_response(request, record: SubmissionKey, message: str = REPEATED_MESSAGE):
    """Back to what the first submission recorded, saying that nothing was written this time."""
    messages.info(request, f"{message}{'已登记：' + record.label + '。' if record.label else ''}")
    return HttpResponseRedirect(record.url or request.path)


class SubmittedOnceMixin:
    """For a form page (`ObjectFormView`, `FormView`) whose form has `OnceFormMixin`: `act(form)` writes at
    most once per rendered page.

    The view gives `act` (its one service call), `get_success_url` (what the call made, read after it) and
    `submission_label(form)`; `repeated_message` is what a repeat is told.
    """

    repeated_message = REPEATED_MESSAGE

    def submission_label(self, form) -> str:
        return str((self.extra_context or {}).get("title", ""))

    def form_valid(self, form):
        def write() -> str:
            self.act(form)
            return self.get_success_url()

        try:
            url = submission_once(user=self.request.user, key=form.cleaned_data[FIELD],
                                  label=self.submission_label(form), write=write)
        except AlreadySubmitted as earlier:
            return repeated_response(self.request, earlier.record, self.repeated_message)
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(url)

    def form_invalid(self, form):
        # A repeat judged after the first copy committed may fail where the first passed (its voucher number
        # is now taken, the balance is lower): it is still a repeat, and is answered as one.
        earlier = submission_recorded(user=self.request.user, key=form.data.get(FIELD))
        if earlier is not None:
            return repeated_response(self.request, earlier, self.repeated_message)
        return super().form_invalid(form)


def submit_once(request, *, label: str, write: Callable[[], str], fallback: str, success_message: str | None,
                repeated_message: str = REPEATED_MESSAGE):
    """For a form posted to a one-button action (`core.generic.run_action` once over): run `write` once for
    the page's key, then go to what it made; a refusal goes back to `fallback` with the reason."""
    if parse_key(request.POST.get(FIELD)) is None:
        messages.error(request, MISSING_MESSAGE)
        return HttpResponseRedirect(fallback)
    try:
        url = submission_once(user=request.user, key=request.POST[FIELD], label=label, write=write)
    except AlreadySubmitted as earlier:
        return repeated_response(request, earlier.record, repeated_message)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return HttpResponseRedirect(fallback)
    if success_message:
        messages.success(request, success_message)
    return HttpResponseRedirect(url)
